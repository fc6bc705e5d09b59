package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.io.History;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TwoClassTree;
import org.transfer4j.train.Evaluation;

/** The book's approach 1 on a tiny generated tree with a random-weight VGG16 at 32x32. */
class FeatureExtractionEndToEndTest {
    @TempDir
    static Path tmp;
    static Path data;
    static TransferPipeline pipeline;
    static FeatureSet train;
    static FeatureSet validation;
    static FeatureSet test;

    @BeforeAll
    static void extract() throws Exception {
        data = TwoClassTree.write(tmp.resolve("data"), 32, 40, 20, 20, 5);
        pipeline = TransferPipeline.from(Vgg16.random(32, 32, 1))
                .head(dense(64).dropout(0.5).sigmoid())
                .optimizer(rmsprop(1e-3)).epochs(12).batchSize(10).seed(3);
        Weights weights = pipeline.base().loadWeights();
        train = pipeline.extractFeatures(weights, folder("train"), tmp.resolve("cache/train"), ExtractionListener.none());
        validation = pipeline.extractFeatures(weights, folder("validation"), tmp.resolve("cache/validation"),
                ExtractionListener.none());
        test = pipeline.extractFeatures(weights, folder("test"), tmp.resolve("cache/test"), ExtractionListener.none());
    }

    static ImageFolder folder(String split) {
        return ImageFolder.of(data.resolve(split)).classMode(ClassMode.BINARY);
    }

    @Test
    void the_trained_head_beats_chance_on_held_out_images() throws Exception {
        try (TransferModel model = pipeline.fit(train, validation)) {
            History h = model.history();
            assertThat(h.metrics().keySet()).containsExactly("loss", "acc", "val_loss", "val_acc");
            assertThat(h.epochs()).isEqualTo(12);
            Evaluation onFeatures = model.evaluate(test);
            assertThat(onFeatures.accuracy()).isGreaterThanOrEqualTo(0.8);
            assertThat(onFeatures.confusion()[0][0] + onFeatures.confusion()[1][1]).isEqualTo(
                    Math.round(onFeatures.accuracy() * 40));
            // the same test images straight from the folder: same predictions through prefix + suffix
            Evaluation onImages = model.evaluate(folder("test"));
            assertThat(onImages.accuracy()).isEqualTo(onFeatures.accuracy());
            assertThat(onImages.loss()).isCloseTo(onFeatures.loss(), org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    @Test
    void same_seed_and_data_give_an_identical_history() throws Exception {
        try (TransferModel a = pipeline.fit(train, validation); TransferModel b = pipeline.fit(train, validation)) {
            assertThat(a.history()).isEqualTo(b.history());
            assertThat(a.history().toJson()).isEqualTo(b.history().toJson());
        }
        try (TransferModel c = pipeline.seed(4).fit(train, validation)) {
            assertThat(c.history()).isNotEqualTo(pipeline.fit(train, validation).history());
        }
    }

    @Test
    void evaluation_is_deterministic_with_dropout_in_the_head() throws Exception {
        try (TransferModel model = pipeline.epochs(2).fit(train, validation)) {
            assertThat(model.evaluate(test)).isEqualTo(model.evaluate(test));
        }
    }

    @Test
    void features_from_another_cut_or_a_head_that_does_not_fit_are_refused() throws Exception {
        TransferPipeline finetune = pipeline.freezeUntil("block5_conv1");
        assertThatThrownBy(() -> finetune.fit(train, validation)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block4_pool");
        assertThatThrownBy(() -> pipeline.head(dense(8).softmax(3)).fit(train, validation))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("softmax(3)");
        assertThatThrownBy(() -> TransferPipeline.from(Vgg16.random(32, 32, 1)).fit(train, validation))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("No head");
    }

    @Test
    void a_checkpoint_keeps_the_best_epoch_on_disk() throws Exception {
        Path file = tmp.resolve("best.zip");
        ModelCheckpoint checkpoint = new ModelCheckpoint(file);
        try (TransferModel model = pipeline.epochs(4).listener(checkpoint).fit(train, validation)) {
            assertThat(checkpoint.saves()).isBetween(1, 4);
            java.util.List<Double> valLoss = model.history().get("val_loss");
            int best = 0;
            for (int i = 1; i < valLoss.size(); i++) {
                if (valLoss.get(i) < valLoss.get(best)) {
                    best = i;
                }
            }
            try (TransferModel saved = TransferModel.load(file)) {
                assertThat(saved.history().epochs()).isEqualTo(best + 1);
                assertThat(saved.evaluate(validation).loss())
                        .isCloseTo(valLoss.get(best), org.assertj.core.api.Assertions.within(1e-4));
            }
        }
    }

    @Test
    void history_json_has_the_keras_shape() throws Exception {
        try (TransferModel model = pipeline.epochs(2).fit(train, validation)) {
            Path file = tmp.resolve("history.json");
            model.history().writeJson(file);
            History back = History.readJson(file);
            assertThat(back.metrics()).isEqualTo(model.history().metrics());
            assertThat(java.nio.file.Files.readString(file)).startsWith("{").contains("\"val_acc\":[");
        }
    }
}
