package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

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
}
