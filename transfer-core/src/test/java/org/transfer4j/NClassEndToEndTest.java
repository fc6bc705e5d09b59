package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.io.History;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.ThreeClassTree;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.train.Evaluation;

/** Approach 1 with three classes (softmax head, categorical cross-entropy) on a tiny generated tree, random VGG16. */
class NClassEndToEndTest {
    @TempDir
    static Path tmp;
    static TransferPipeline pipeline;
    static FeatureSet train;
    static FeatureSet validation;
    static FeatureSet test;

    @BeforeAll
    static void extract() throws Exception {
        Path data = ThreeClassTree.write(tmp.resolve("data"), 32, 30, 10, 10, 11);
        pipeline = TransferPipeline.from(Vgg16.random(32, 32, 1))
                .head(dense(64).dropout(0.5).softmax(3))
                .optimizer(rmsprop(1e-3)).epochs(40).batchSize(10).seed(3);
        Weights weights = pipeline.base().loadWeights();
        train = pipeline.extractFeatures(weights, ImageFolder.of(data.resolve("train")), tmp.resolve("cache/train"),
                ExtractionListener.none());
        validation = pipeline.extractFeatures(weights, ImageFolder.of(data.resolve("validation")),
                tmp.resolve("cache/validation"), ExtractionListener.none());
        test = pipeline.extractFeatures(weights, ImageFolder.of(data.resolve("test")), tmp.resolve("cache/test"),
                ExtractionListener.none());
    }

    @Test
    void a_softmax_head_learns_three_classes_well_above_chance() throws Exception {
        assertThat(train.classNames()).containsExactly(ThreeClassTree.CLASSES);
        try (TransferModel model = pipeline.fit(train, validation)) {
            History h = model.history();
            assertThat(h.epochs()).isEqualTo(40);
            assertThat(h.get(History.LOSS).get(39)).isLessThan(h.get(History.LOSS).get(0));
            Evaluation e = model.evaluate(test);
            // chance is 1/3
            assertThat(e.accuracy()).as(e.report()).isGreaterThanOrEqualTo(0.7);
            assertThat(e.classNames()).containsExactly(ThreeClassTree.CLASSES);
            assertThat(e.support()).containsExactly(10, 10, 10);
            assertThat(e.confusion()).hasDimensions(3, 3);
            assertThat(e.rocAucPerClass()).hasSize(3);
            assertThat(e.rocAuc()).isGreaterThan(0.8);
            assertThat(e.topK()).isZero();
            assertThat(model.pipeline().head().orElseThrow().loss()).isEqualTo(Head.Loss.CATEGORICAL_CROSSENTROPY);
        }
    }

    @Test
    void the_books_default_head_for_three_classes_is_softmax_3() {
        assertThat(Heads.book(train.classIndices().size())).hasToString("dense(256).dropout(0.5).softmax(3)");
        assertThatThrownBy(() -> pipeline.head(dense(64).sigmoid()).fit(train, validation))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use softmax(3)");
    }

    @Test
    void balanced_class_weights_are_resolved_from_the_training_counts() {
        // keep 30 blues, 10 greens, 5 reds of the training features
        int[] keep = new int[45];
        int[] wanted = {30, 10, 5};
        int[] taken = new int[3];
        int n = 0;
        for (int i = 0; i < train.samples() && n < 45; i++) {
            int c = train.classes()[i];
            if (taken[c] < wanted[c]) {
                taken[c]++;
                keep[n++] = c;
            }
        }
        ArrayBatchSource source = new ArrayBatchSource(new float[45 * 512], new int[] {1, 1, 512}, keep, 3, 10, true,
                1);
        TrainingOptions o = pipeline.classWeights(ClassWeights.balanced()).trainingOptions();
        assertThat(TrainingRun.plan(o, source, List.of(ThreeClassTree.CLASSES)).classWeights())
                .isEqualTo(Map.of(0, 0.5, 1, 1.5, 2, 3.0));
        assertThat(TrainingRun.plan(pipeline.trainingOptions(), source, List.of(ThreeClassTree.CLASSES))
                .classWeights()).isEmpty();
    }

    @Test
    void balanced_weights_train_on_an_imbalanced_folder() throws Exception {
        Path data = ThreeClassTree.write(tmp.resolve("imbalanced"), 32, new int[] {24, 12, 6}, 6, 6, 5);
        TransferPipeline p = pipeline.classWeights(ClassWeights.balanced()).epochs(5);
        FeatureSet t = p.extractFeatures(ImageFolder.of(data.resolve("train")), tmp.resolve("imb/train"),
                ExtractionListener.none());
        FeatureSet v = p.extractFeatures(ImageFolder.of(data.resolve("validation")), tmp.resolve("imb/validation"),
                ExtractionListener.none());
        try (TransferModel model = p.fit(t, v)) {
            assertThat(model.history().epochs()).isEqualTo(5);
            assertThat(model.history().get(History.LOSS)).allSatisfy(l -> assertThat(l).isFinite());
        }
    }
}
