package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Heads.globalAveragePooling;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.io.History;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.MobileNetV2;
import org.transfer4j.model.Pooling;
import org.transfer4j.model.ResNet50;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.WeightArray;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TwoClassTree;

/** Approach 1 on ResNet50 and MobileNetV2: global average pooling by default, model.zip round trip. */
class NewBasesPipelineTest {
    @TempDir
    Path tmp;

    @Test
    void resnet50_and_mobilenet_v2_default_to_global_average_pooling_and_vgg_to_flatten() {
        TransferPipeline r = TransferPipeline.from(ResNet50.random(64, 64, 1)).head(dense(16).sigmoid());
        assertThat(r.base().pooling()).isEqualTo(Pooling.AVG);
        assertThat(r.cutLayer().name()).isEqualTo("avg_pool");
        assertThat(r.cutLayer().kerasOutputShape()).isEqualTo("(None, 2048)");
        assertThat(r.summary().toString()).doesNotContain("flatten_1").contains("(None, 2048)");
        assertThat(r.summary().totalParameters()).isEqualTo(23_587_712L + 2048 * 16 + 16 + 17);
        TransferPipeline m = TransferPipeline.from(MobileNetV2.random(64, 64, 1)).head(dense(16).sigmoid());
        assertThat(m.cutLayer().name()).isEqualTo("global_average_pooling2d");
        TransferPipeline v = TransferPipeline.from(Vgg16.random(64, 64, 1)).head(dense(16).sigmoid());
        assertThat(v.base().pooling()).isEqualTo(Pooling.NONE);
        assertThat(v.summary().toString()).contains("flatten_1");
        TransferPipeline vg = TransferPipeline.from(Vgg16.random(64, 64, 1))
                .head(globalAveragePooling().dense(16).sigmoid());
        assertThat(vg.cutLayer().name()).isEqualTo("global_average_pooling2d");
        TransferPipeline rf = TransferPipeline.from(ResNet50.random(64, 64, 1))
                .head(Heads.flatten().dense(16).sigmoid());
        assertThat(rf.cutLayer().name()).isEqualTo("conv5_block3_out");
    }

    @Test
    void head_dsl_reads_and_writes_the_pooling() {
        Head h = Head.parse("globalAveragePooling().dense(8).sigmoid()");
        assertThat(h.pooling()).contains(Pooling.AVG);
        assertThat(h).hasToString("globalAveragePooling().dense(8).sigmoid()");
        assertThat(Head.parse("flatten().sigmoid()").pooling()).contains(Pooling.NONE);
        assertThat(Head.parse("dense(8).sigmoid()").pooling()).isEmpty();
        assertThatThrownBy(() -> Head.parse("dense(8).flatten().sigmoid()")).isInstanceOf(
                IllegalArgumentException.class).hasMessageContaining("starts a head");
    }

    @Test
    void a_freeze_point_inside_a_residual_block_cuts_at_the_blocks_input() {
        TransferPipeline r = TransferPipeline.from(ResNet50.random(64, 64, 1)).head(dense(16).sigmoid());
        assertThat(r.freezeUntil("conv5_block3_2_conv").cutLayer().name()).isEqualTo("conv5_block2_out");
        assertThat(r.freezeUntil("conv5_block3_1_conv").cutLayer().name()).isEqualTo("conv5_block2_out");
        assertThat(r.freezeUntil("conv5_block1_0_conv").cutLayer().name()).isEqualTo("conv4_block6_out");
        TransferPipeline m = TransferPipeline.from(MobileNetV2.random(64, 64, 1)).head(dense(16).sigmoid());
        assertThat(m.freezeUntil("block_16_project").cutLayer().name()).isEqualTo("block_16_depthwise_relu");
        assertThat(m.freezeUntil("block_15_project_BN").cutLayer().name()).isEqualTo("block_14_add");
        // trainable counts: the layers from the freeze point on, BatchNormalization's statistics excluded
        long trainable = r.freezeUntil("conv5_block3_3_conv").summary().trainableParameters();
        assertThat(trainable).isEqualTo(512 * 2048 + 2048 + 2 * 2048 + 2048 * 16 + 16 + 17);
        assertThatThrownBy(() -> m.freezeUntil("block_99_add"))
                .hasMessageContaining("Unknown layer 'block_99_add'").hasMessageContaining("block_16_project_BN");
    }

    /**
     * Approach 1, then fine-tuning from a layer inside a residual block (ResNet50) or an inverted residual block with
     * depthwise convolutions (MobileNetV2): only layers from the freeze point train (BatchNormalization's gamma and
     * beta, never its statistics), the frozen layers of the block are not variables, training changes the trained
     * weights, and a saved model predicts the same after loading.
     */
    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({"resnet50,conv5_block3_2_conv,conv5_block3_2_conv_kernel,conv5_block3_1_conv",
            "mobilenet_v2,block_16_depthwise,block_16_depthwise_depthwise_kernel,block_16_expand"})
    void fine_tuning_from_inside_a_block(String baseName, String from, String trainedKernel, String frozenLayer)
            throws Exception {
        // 64 px: conv5 of ResNet50 is 2x2, so a 3x3 convolution there uses more than its kernel's centre
        ConvBase base = baseName.equals("resnet50") ? ResNet50.random(64, 64, 4) : MobileNetV2.random(64, 64, 4);
        Path data = TwoClassTree.write(tmp.resolve("ft-" + baseName), 64, 20, 10, 10, 9);
        // a small rate: random ResNet50 weights give large features, and a larger one kills the head's ReLUs (then no
        // gradient reaches the base at all)
        TransferPipeline p = TransferPipeline.from(base).head(dense(16).sigmoid()).optimizer(rmsprop(1e-5))
                .epochs(2).batchSize(10).seed(1);
        Weights w = p.base().loadWeights();
        ImageFolder train = ImageFolder.of(data.resolve("train"));
        ImageFolder validation = ImageFolder.of(data.resolve("validation"));
        try (TransferModel model = p.fit(train, validation, tmp.resolve("ft-cache-" + baseName))) {
            TransferPipeline next = model.pipeline().freezeUntil(from).optimizer(rmsprop(1e-4)).epochs(2);
            try (TransferModel tuned = model.fineTune(next, train, validation, tmp.resolve("ft-cache-" + baseName))) {
                assertThat(tuned.history().epochs()).isEqualTo(4);
                assertThat(tuned.history().get(History.LOSS)).allMatch(Double::isFinite);
                Map<String, WeightArray> vars = tuned.trainableWeights();
                assertThat(vars).containsKey(trainedKernel);
                assertThat(vars.keySet()).noneMatch(v -> v.startsWith(frozenLayer + "_"))
                        .noneMatch(v -> v.endsWith("_moving_mean") || v.endsWith("_moving_variance"))
                        .anyMatch(v -> v.endsWith("_bn_gamma") || v.endsWith("_BN_gamma"));
                String layer = trainedKernel.substring(0, from.length());
                String weight = trainedKernel.substring(from.length() + 1);
                assertThat(maxDifference(vars.get(trainedKernel).values(), w.layer(layer).values(weight)))
                        .as("largest change of %s", trainedKernel).isGreaterThan(1e-4);
                assertThat(tuned.trainableParameters()).isEqualTo(next.summary().trainableParameters());
                List<Prediction> before = tuned.predict(data.resolve("test"));
                Path file = tmp.resolve("ft-" + baseName + ".zip");
                tuned.save(file, true);
                try (TransferModel loaded = TransferModel.load(file)) {
                    assertThat(loaded.pipeline().firstTrainableLayer()).map(Layer::name).contains(from);
                    assertThat(loaded.predict(data.resolve("test"))).isEqualTo(before);
                }
            }
        }
    }

    @Test
    void approach_one_on_mobilenet_v2_trains_saves_and_predicts_the_same() throws Exception {
        approachOne(MobileNetV2.random(32, 32, 4), "global_average_pooling2d");
    }

    @Test
    void approach_one_on_resnet50_trains_saves_and_predicts_the_same() throws Exception {
        approachOne(ResNet50.random(32, 32, 4), "avg_pool");
    }

    private void approachOne(ConvBase base, String cut) throws Exception {
        Path data = TwoClassTree.write(tmp.resolve("data"), 32, 20, 10, 10, 9);
        TransferPipeline p = TransferPipeline.from(base).head(dense(16).sigmoid()).optimizer(rmsprop(1e-3))
                .epochs(3).batchSize(10).seed(1);
        Weights w = p.base().loadWeights();
        FeatureSet train = p.extractFeatures(w, ImageFolder.of(data.resolve("train")), tmp.resolve("c/train"),
                ExtractionListener.none());
        FeatureSet val = p.extractFeatures(w, ImageFolder.of(data.resolve("validation")), tmp.resolve("c/val"),
                ExtractionListener.none());
        assertThat(train.samples()).isEqualTo(40);
        assertThat(train.featureShape()).containsExactly(1, 1, base.outputShape()[2]);
        try (TransferModel model = p.fit(train, val)) {
            assertThat(model.history().epochs()).isEqualTo(3);
            assertThat(model.history().get(History.LOSS)).allMatch(Double::isFinite);
            List<Prediction> before = model.predict(data.resolve("test"));
            for (boolean embed : new boolean[] {false, true}) {
                Path file = tmp.resolve("model-" + embed + ".zip");
                model.save(file, embed);
                try (TransferModel loaded = TransferModel.load(file)) {
                    assertThat(loaded.pipeline().base().name()).isEqualTo(base.name());
                    assertThat(loaded.pipeline().cutLayer().name()).isEqualTo(cut);
                    assertThat(loaded.predict(data.resolve("test"))).isEqualTo(before);
                }
            }
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
