package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.transfer4j.Precision;
import org.transfer4j.internal.engine.PrefixEngine;
import org.transfer4j.testing.GraphReference;

/** The new bases against Keras's numbers: layer names, parameter counts, output shapes, preprocessing. */
class BasesTest {

    @Test
    void vgg19_matches_keras_notop() {
        ConvBase b = Vgg19.random(224, 224, 1);
        assertThat(b.name()).isEqualTo("vgg19");
        assertThat(b.parameterCount()).isEqualTo(20_024_384L);
        assertThat(b.outputShape()).containsExactly(7, 7, 512);
        assertThat(b.layerNames()).contains("block5_conv4").hasSize(21);
        assertThat(b.preprocessing()).isEqualTo(Preprocessing.CAFFE);
    }

    @Test
    void resnet50_matches_keras_notop() {
        ConvBase b = ResNet50.random(224, 224, 1);
        assertThat(b.parameterCount()).isEqualTo(23_587_712L);
        assertThat(b.nonTrainableParameterCount()).isEqualTo(53_120L);
        assertThat(b.outputShape()).containsExactly(7, 7, 2048);
        assertThat(b.lastLayer().name()).isEqualTo("conv5_block3_out");
        assertThat(b.layers()).hasSize(175 - 1); // Keras: 175 layers with the input layer
        assertThat(b.layer("conv2_block1_1_conv").type()).isEqualTo(LayerType.CONV2D);
        assertThat(b.layer("conv3_block1_1_conv").outputShape()).containsExactly(28, 28, 128);
        assertThat(b.layer("conv1_bn").type()).isEqualTo(LayerType.BATCH_NORMALIZATION);
        assertThat(b.layer("conv2_block1_add").type()).isEqualTo(LayerType.ADD);
        assertThat(b.layer("conv2_block1_add").inputs()).containsExactly("conv2_block1_0_bn", "conv2_block1_3_bn");
        assertThat(b.summary().nonTrainableParameters()).isEqualTo(53_120L);
        assertThat(b.summary().toString()).contains("Non-trainable params: 53,120");
        assertThat(b.preprocessing()).isEqualTo(Preprocessing.CAFFE);
    }

    @Test
    void mobilenet_v2_matches_keras_notop() {
        ConvBase b = MobileNetV2.random(224, 224, 1);
        assertThat(b.name()).isEqualTo("mobilenet_v2");
        assertThat(b.parameterCount()).isEqualTo(2_257_984L);
        assertThat(b.outputShape()).containsExactly(7, 7, 1280);
        assertThat(b.layers()).hasSize(154 - 1); // Keras: 154 layers with the input layer
        assertThat(b.layerNames()).contains("block_16_project_BN", "Conv_1", "out_relu", "block_1_pad",
                "expanded_conv_depthwise");
        assertThat(b.layer("block_1_pad").outputShape()).containsExactly(113, 113, 96);
        assertThat(b.layer("block_1_depthwise").outputShape()).containsExactly(56, 56, 96);
        assertThat(b.layer("block_1_depthwise").type()).isEqualTo(LayerType.DEPTHWISE_CONV2D);
        assertThat(b.layer("block_1_depthwise").weights().get(0).shape()).containsExactly(3, 3, 96, 1);
        assertThat(b.layer("out_relu").type()).isEqualTo(LayerType.RELU);
        assertThat(b.preprocessing()).isEqualTo(Preprocessing.TF);
    }

    @Test
    void odd_input_sizes_follow_kerases_formulas() {
        assertThat(ResNet50.random(33, 37, 1).outputShape()).containsExactly(2, 2, 2048);
        assertThat(MobileNetV2.random(33, 37, 1).outputShape()).containsExactly(2, 2, 1280);
        // correct_pad: one row at the end for an even side, one on each side for an odd one
        ConvBase m = MobileNetV2.random(33, 37, 1);
        assertThat(m.layer("Conv1").outputShape()).containsExactly(17, 19, 32);
        assertThat(m.layer("block_1_pad").outputShape()).containsExactly(19, 21, 96);
        assertThat(Vgg19.random(150, 150, 1).outputShape()).containsExactly(4, 4, 512);
    }

    @Test
    void small_inputs_are_rejected_naming_the_base() {
        assertThatThrownBy(() -> ResNet50.random(31, 64, 1)).hasMessageContaining("ResNet50")
                .hasMessageContaining("height=31");
        assertThatThrownBy(() -> MobileNetV2.random(64, 20, 1)).hasMessageContaining("MobileNetV2");
    }

    @Test
    void unknown_layer_lists_the_valid_ones() {
        assertThatThrownBy(() -> ResNet50.random(64, 64, 1).indexOf("conv5_block3"))
                .hasMessageContaining("Unknown layer 'conv5_block3' in resnet50")
                .hasMessageContaining("conv5_block3_out");
    }

    @Test
    void random_weights_cover_every_kind_and_are_well_scaled() throws Exception {
        Weights w = MobileNetV2.random(32, 32, 3).loadWeights();
        assertThat(w.layer("bn_Conv1").values("gamma")).containsOnly(1f);
        assertThat(w.layer("bn_Conv1").values("moving_variance")).containsOnly(1f);
        assertThat(w.layer("bn_Conv1").values("moving_mean")).containsOnly(0f);
        float[] dw = w.layer("block_1_depthwise").values("depthwise_kernel");
        double var = 0;
        for (float v : dw) {
            var += v * v;
        }
        assertThat(var / dw.length).isBetween(2.0 / 9 * 0.8, 2.0 / 9 * 1.2);
        assertThat(w.parameters()).isEqualTo(2_257_984L);
    }

    @Test
    void extractor_runs_each_new_base_and_matches_the_reference() throws Exception {
        for (ConvBase base : new ConvBase[] {Vgg19.random(32, 32, 1), ResNet50.random(35, 32, 1),
                MobileNetV2.random(32, 33, 1)}) {
            ConvBase b = base.withWeights(WeightsSource.ofKerasArrays("t", GraphReference.randomKerasArrays(
                    base.layers(), 4)));
            Weights w = b.loadWeights();
            int[] in = b.inputShape();
            float[] x = new float[2 * in[0] * in[1] * in[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37) * 2;
            }
            try (FeatureExtractor fx = b.extractor(w)) {
                float[] got = fx.extractPreprocessed(x, 2);
                double[] want = GraphReference.forward(b.graph(), w, x, 2, b.lastLayer().name());
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                }
                assertThat(got).hasSize(want.length);
                assertThat(worst / scale).as(b.name()).isLessThan(1e-4);
            }
        }
    }

    @Test
    void the_nd4j_engine_runs_a_graph_base_in_fp32_and_refuses_bf16() throws Exception {
        String old = System.getProperty(PrefixEngine.BACKEND_PROPERTY);
        System.setProperty(PrefixEngine.BACKEND_PROPERTY, "nd4j");
        try {
            ConvBase random = MobileNetV2.random(32, 32, 1);
            ConvBase b = random.withWeights(WeightsSource.ofKerasArrays("t",
                    GraphReference.randomKerasArrays(random.layers(), 4)));
            Weights w = b.loadWeights();
            int[] in = b.inputShape();
            float[] x = new float[in[0] * in[1] * in[2]];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.37) * 2;
            }
            try (FeatureExtractor fx = b.extractor(w)) {
                assertThat(fx.engineDescription()).contains("libnd4j");
                float[] got = fx.extractPreprocessed(x, 1);
                double[] want = GraphReference.forward(b.graph(), w, x, 1, b.lastLayer().name());
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    scale = Math.max(scale, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs(got[i] - want[i]));
                }
                assertThat(worst / scale).isLessThan(1e-4);
            }
            assertThatThrownBy(() -> PrefixEngine.create(b.graph(), "out_relu", b.layers(), w, Precision.BF16))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("BF16 needs the oneDNN engine");
        } finally {
            if (old == null) {
                System.clearProperty(PrefixEngine.BACKEND_PROPERTY);
            } else {
                System.setProperty(PrefixEngine.BACKEND_PROPERTY, old);
            }
        }
    }
}
