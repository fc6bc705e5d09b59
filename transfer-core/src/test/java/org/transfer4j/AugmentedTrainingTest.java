package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.augment.RandomTransform;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TwoClassTree;
import org.transfer4j.internal.train.AugmentedBatchSource;
import org.transfer4j.internal.train.Batch;
import org.transfer4j.train.Evaluation;

/** Approaches 2 and 3 of the book on a tiny generated tree: augmentation in training only, two-phase fine-tuning. */
class AugmentedTrainingTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void tree() {
        data = TwoClassTree.write(tmp.resolve("data"), 32, 40, 20, 20, 17);
    }

    static ImageFolder folder(String split) {
        return ImageFolder.of(data.resolve(split));
    }

    @Test
    void augmented_batches_are_the_prefix_of_the_transformed_images() throws Exception {
        var base = Vgg16.random(32, 32, 2);
        Weights w = base.loadWeights();
        Augmentation aug = Augmentation.book().seed(99);
        ImageFolder spec = folder("train").targetSize(32, 32).colorMode(ColorMode.RGB);
        List<ImageEntry> entries = spec.list().entries();
        ImageDecoder decoder = spec.decoder();
        try (FeatureExtractor prefix = base.extractor(w, "block5_pool");
                AugmentedBatchSource source = new AugmentedBatchSource(entries, decoder, aug, prefix, 1, 8, 2)) {
            Batch first = source.pass(3).next();
            assertThat(first.size()).isEqualTo(8);
            // rebuild the first example by hand: which image is it? its class and features must match one index
            int[] order = org.transfer4j.augment.Augmenter.builder(aug).shuffle(true).batchSize(8).threads(1).build()
                    .order(entries.size(), 3);
            HwcImage original = decoder.decode(entries.get(order[0]).path());
            RandomTransform t = aug.randomTransform(32, 32, 3, order[0]);
            HwcImage augmented = aug.applyTransform(original, t);
            float[] expected = prefix.extract(List.of(augmented));
            float[] actual = java.util.Arrays.copyOf(first.x().dup().data().asFloat(), expected.length);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i],
                        org.assertj.core.api.Assertions.within(1e-4f * (1 + Math.abs(expected[i]))));
            }
            assertThat(first.classes()[0]).isEqualTo(entries.get(order[0]).classIndex());
            // the unaugmented prefix output differs: augmentation really reached the batch
            float[] plain = prefix.extract(List.of(original));
            assertThat(java.util.Arrays.equals(plain, actual)).isFalse();
            // a pass is reproducible
            assertThat(source.pass(3).next().x().equals(first.x())).isTrue();
        }
    }

    @Test
    void approach_2_trains_on_augmented_images_and_validates_on_unaugmented_cached_features() throws Exception {
        Path cache = tmp.resolve("cache2");
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 3).withPreprocessing(Preprocessing.RESCALE)).head(dense(32).sigmoid())
                .augment(Augmentation.keras().rotation(10).horizontalFlip(true).seed(4))
                .optimizer(rmsprop(1e-3)).epochs(6).batchSize(10).seed(2);
        try (TransferModel model = p.fit(folder("train"), folder("validation"), cache)) {
            assertThat(model.history().epochs()).isEqualTo(6);
            assertThat(Files.exists(cache.resolve("validation/block5_pool/manifest.json"))).isTrue();
            assertThat(Files.exists(cache.resolve("train"))).as("training images are not cached").isFalse();
            Evaluation test = model.evaluate(folder("test"));
            assertThat(test.accuracy()).as(model.history().toString()).isGreaterThanOrEqualTo(0.75);
        }
    }

    @Test
    void approach_3_fine_tunes_block5_after_the_head_in_one_history() throws Exception {
        Path cache = tmp.resolve("cache3");
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 5).withPreprocessing(Preprocessing.RESCALE)).head(dense(32).sigmoid())
                .augment(Augmentation.keras().horizontalFlip(true).seed(1))
                .optimizer(rmsprop(1e-3)).epochs(4).batchSize(10).seed(3);
        List<String> lines = new ArrayList<>();
        // the book's five steps: the head, then a new, fine-tuned model
        try (TransferModel headModel = p.fit(folder("train"), folder("validation"), cache);
                TransferModel model = headModel.fineTune("block5_conv1", rmsprop(1e-4), 3, folder("train"),
                        folder("validation"), cache)) {
            assertThat(headModel.history().epochs()).as("the head model is unchanged").isEqualTo(4);
            assertThat(model.history().epochs()).isEqualTo(7);
            assertThat(model.history().phaseStarts()).containsExactly(0, 4);
            assertThat(Files.exists(cache.resolve("validation/block4_pool/manifest.json"))).isTrue();
            assertThat(model.evaluate(folder("test")).accuracy()).isGreaterThanOrEqualTo(0.75);
            model.predict(data.resolve("test/reds")).forEach(x -> lines.add(x.predicted()));
        }
        assertThat(lines).hasSize(20);
        assertThat(lines.stream().filter("reds"::equals).count()).isGreaterThanOrEqualTo(14);
    }

    @Test
    void an_augmentation_that_rescales_is_refused() {
        assertThatThrownBy(() -> TransferPipeline.from(Vgg16.random(32, 32, 3)).augment(Augmentation.book().rescale(1 / 255.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Preprocessing.RESCALE");
    }

    @Test
    void a_corrupt_training_image_fails_augmented_training_with_its_bad_image_exception() throws Exception {
        Path copy = tmp.resolve("corrupt");
        TwoClassTree.write(copy, 32, 6, 4, 0, 23);
        Path broken = copy.resolve("train/reds/red.3.png");
        assertThat(broken).isRegularFile();
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3}); // a PNG signature, then nothing
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 3)).head(dense(8).sigmoid())
                .augment(Augmentation.book().seed(1)).optimizer(rmsprop(1e-3)).epochs(1).batchSize(4).seed(2);
        assertThatThrownBy(() -> p.fit(ImageFolder.of(copy.resolve("train")), ImageFolder.of(copy.resolve("validation")),
                tmp.resolve("cache-corrupt")))
                .isInstanceOfSatisfying(BadImageException.class, e -> assertThat(e.file()).isEqualTo(broken));
    }
}
