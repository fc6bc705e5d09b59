package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
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
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.WeightArray;
import org.transfer4j.model.Weights;
import org.transfer4j.train.Evaluation;
import org.transfer4j.testing.TwoClassTree;

/** The book's two-phase fine-tuning on cached features: exact freezing, one History, discriminative rates. */
class FineTuningTest {
    @TempDir
    static Path tmp;
    static TransferPipeline head;
    static Weights weights;
    static FeatureSet train5;
    static FeatureSet val5;
    static FeatureSet train4;
    static FeatureSet val4;
    static Path data;

    @BeforeAll
    static void features() throws Exception {
        data = TwoClassTree.write(tmp.resolve("data"), 32, 20, 10, 0, 2);
        head = TransferPipeline.from(Vgg16.random(32, 32, 8)).head(dense(16).dropout(0.5).sigmoid())
                .optimizer(rmsprop(1e-3)).epochs(2).batchSize(10).seed(5);
        weights = head.base().loadWeights();
        TransferPipeline unfrozen = head.freezeUntil("block5_conv1");
        train5 = head.extractFeatures(weights, ImageFolder.of(data.resolve("train")), tmp.resolve("c/t5"),
                ExtractionListener.none());
        val5 = head.extractFeatures(weights, ImageFolder.of(data.resolve("validation")), tmp.resolve("c/v5"),
                ExtractionListener.none());
        train4 = unfrozen.extractFeatures(weights, ImageFolder.of(data.resolve("train")), tmp.resolve("c/t4"),
                ExtractionListener.none());
        val4 = unfrozen.extractFeatures(weights, ImageFolder.of(data.resolve("validation")), tmp.resolve("c/v4"),
                ExtractionListener.none());
    }

    @Test
    void two_phases_make_one_history_and_train_only_unfrozen_layers() throws Exception {
        float[] block4Before = weights.layer("block4_conv3").kernel().clone();
        try (TransferModel model = head.fit(train5, val5)) {
            Map<String, WeightArray> headAfterPhase1 = model.trainableWeights();
            assertThat(headAfterPhase1.keySet()).containsExactly("dense_1_W", "dense_1_b", "dense_2_W", "dense_2_b");
            TransferPipeline next = model.pipeline().freezeUntil("block5_conv1").optimizer(rmsprop(1e-5)).epochs(3);
            try (TransferModel tuned = model.fineTune(next, train4, val4)) {
                phaseTwo(tuned, headAfterPhase1, block4Before);
            }
        }
    }

    private void phaseTwo(TransferModel model, Map<String, WeightArray> headAfterPhase1, float[] block4Before)
            throws Exception {
        {
            assertThat(model.history().epochs()).isEqualTo(5);
            assertThat(model.history().phaseStarts()).containsExactly(0, 2);
            assertThat(model.pipeline().cutLayer().name()).isEqualTo("block4_pool");
            Map<String, WeightArray> after = model.trainableWeights();
            assertThat(after).containsKeys("block5_conv1_kernel", "block5_conv3_bias", "dense_2_W");
            assertThat(after).doesNotContainKey("block4_conv3_kernel");
            // unfrozen layers changed, starting from the base weights
            LayerWeights base5 = weights.layer("block5_conv1");
            assertThat(java.util.Arrays.equals(after.get("block5_conv1_kernel").values(), base5.kernel()))
                    .as("block5_conv1 trained").isFalse();
            assertThat(after.get("dense_1_W").equals(headAfterPhase1.get("dense_1_W"))).isFalse();
            // frozen layers are bit-identical: the weights the prefix runs with never change
            assertThat(weights.layer("block4_conv3").kernel()).isEqualTo(block4Before);
            assertThat(head.base().loadWeights().layer("block4_conv3").kernel()).isEqualTo(block4Before);
            // the fine-tuned model on cached block4_pool features agrees with the same model run on the images
            // (frozen prefix up to block4_pool, then block 5 and the head): same predictions, same loss
            Evaluation cached = model.evaluate(val4);
            Evaluation fromImages = model.evaluate(ImageFolder.of(data.resolve("validation")));
            assertThat(cached.confusion()).isDeepEqualTo(fromImages.confusion());
            assertThat(cached.accuracy()).isEqualTo(fromImages.accuracy());
            assertThat(cached.loss()).isCloseTo(fromImages.loss(), within(1e-5));
        }
    }

    @Test
    void a_zero_learning_rate_multiplier_keeps_a_block_fixed_while_the_head_trains() throws Exception {
        try (TransferModel model = head.fit(train5, val5)) {
            TransferPipeline next = model.pipeline().freezeUntil("block5_conv1").optimizer(rmsprop(1e-4)).epochs(1)
                    .learningRateMultiplier("block5", 0.0);
            Map<String, WeightArray> headBefore = model.trainableWeights();
            try (TransferModel tuned = model.fineTune(next, train4, val4)) {
                Map<String, WeightArray> after = tuned.trainableWeights();
                assertThat(after.get("block5_conv2_kernel").values())
                        .isEqualTo(weights.layer("block5_conv2").kernel());
                assertThat(after.get("dense_2_W").equals(headBefore.get("dense_2_W"))).isFalse();
            }
        }
    }

    @Test
    void fine_tuning_cannot_freeze_more_or_change_the_head() throws Exception {
        try (TransferModel model = head.fit(train5, val5)) {
            assertThatThrownBy(() -> model.fineTune(model.pipeline().head(dense(8).sigmoid()).freezeUntil("block5_conv1"),
                    train4, val4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keep the base and head");
            assertThatThrownBy(() -> model.pipeline().learningRateMultiplier("block9", 0.5))
                    .hasMessageContaining("Unknown layer or block 'block9'");
            try (TransferModel tuned = model.fineTune(model.pipeline().freezeUntil("block5_conv1").epochs(1), train4,
                    val4)) {
                assertThatThrownBy(() -> tuned.fineTune(tuned.pipeline().freezeAll(), train5, val5))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only unfreeze more");
            }
        }
    }

    @Test
    void fine_tuning_returns_a_new_model_and_leaves_the_original_unchanged_and_usable() throws Exception {
        try (TransferModel model = head.fit(train5, val5)) {
            Map<String, WeightArray> weightsBefore = model.trainableWeights();
            History historyBefore = model.history();
            TransferPipeline pipelineBefore = model.pipeline();
            Evaluation before = model.evaluate(val5);
            List<Prediction> predictionsBefore = model.predict(data.resolve("validation"));

            TransferModel tuned = model.fineTune(model.pipeline().freezeUntil("block5_conv1")
                    .optimizer(rmsprop(1e-3)).epochs(2), train4, val4);
            assertThat(tuned).isNotSameAs(model);
            assertThat(tuned.history().epochs()).isEqualTo(historyBefore.epochs() + 2);
            assertThat(tuned.trainableWeights().get("dense_2_W")).isNotEqualTo(weightsBefore.get("dense_2_W"));
            tuned.close(); // closing the new model does not affect the original

            assertThat(model.pipeline()).isSameAs(pipelineBefore);
            assertThat(model.history()).isEqualTo(historyBefore);
            assertThat(model.trainableWeights()).isEqualTo(weightsBefore);
            Evaluation after = model.evaluate(val5);
            assertThat(after.loss()).isEqualTo(before.loss());
            assertThat(after.confusion()).isDeepEqualTo(before.confusion());
            List<Prediction> predictionsAfter = model.predict(data.resolve("validation"));
            assertThat(predictionsAfter).hasSameSizeAs(predictionsBefore);
            for (int i = 0; i < predictionsBefore.size(); i++) {
                assertThat(predictionsAfter.get(i).probabilities())
                        .as(predictionsBefore.get(i).file().toString())
                        .isEqualTo(predictionsBefore.get(i).probabilities());
            }
        }
    }
}
