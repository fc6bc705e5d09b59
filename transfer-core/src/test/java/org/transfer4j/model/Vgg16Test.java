package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class Vgg16Test {

    @Test
    void layer_names_are_keras_names_in_order() {
        ConvBase base = Vgg16.random(150, 150, 1);
        assertThat(base.layerNames()).containsExactly(
                "block1_conv1", "block1_conv2", "block1_pool",
                "block2_conv1", "block2_conv2", "block2_pool",
                "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
                "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool",
                "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool");
        assertThat(base.layers().stream().filter(l -> l.type() == LayerType.CONV2D)).hasSize(13);
    }

    @ParameterizedTest
    @CsvSource({"150, 150, 4, 4", "224, 224, 7, 7", "32, 32, 1, 1", "97, 61, 3, 1", "255, 300, 7, 9"})
    void pools_floor_halve_the_input(int h, int w, int oh, int ow) {
        ConvBase base = Vgg16.random(h, w, 1);
        assertThat(base.outputShape()).containsExactly(oh, ow, 512);
        assertThat(base.parameterCount()).isEqualTo(14_714_688L);
        assertThat(base.layer("block1_conv1").outputShape()).containsExactly(h, w, 64);
        assertThat(base.layer("block1_pool").outputShape()).containsExactly(h / 2, w / 2, 64);
    }

    @Test
    void parameter_counts_are_kerases() {
        ConvBase base = Vgg16.random(150, 150, 1);
        assertThat(base.layer("block1_conv1").parameters()).isEqualTo(1_792);
        assertThat(base.layer("block3_conv1").parameters()).isEqualTo(295_168);
        assertThat(base.layer("block5_conv3").parameters()).isEqualTo(2_359_808);
        assertThat(base.layer("block5_pool").parameters()).isZero();
        assertThat(base.layer("block5_pool").kerasOutputShape()).isEqualTo("(None, 4, 4, 512)");
    }

    @ParameterizedTest
    @CsvSource({"31, 150", "150, 31", "0, 0", "-5, 64"})
    void input_below_32_is_rejected(int h, int w) {
        assertThatThrownBy(() -> Vgg16.random(h, w, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32x32")
                .hasMessageContaining("height=" + h);
    }

    @Test
    void unknown_layer_is_rejected_with_the_valid_names() {
        ConvBase base = Vgg16.random(150, 150, 1);
        assertThatThrownBy(() -> base.layer("block5_conv"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown layer 'block5_conv' in vgg16")
                .hasMessageContaining("block1_conv1, block1_conv2, block1_pool")
                .hasMessageContaining("block5_pool");
        assertThatThrownBy(() -> base.extractor("nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown layer 'nope'");
    }

    @Test
    void summary_prints_the_books_table_and_totals() {
        Summary summary = Vgg16.random(150, 150, 1).summary();
        String text = summary.toString();
        assertThat(text).contains("Layer (type)                 Output Shape              Param #");
        assertThat(text).contains("input_1 (InputLayer)         (None, 150, 150, 3)       0");
        assertThat(text).contains("block1_conv1 (Conv2D)        (None, 150, 150, 64)      1792");
        assertThat(text).contains("block5_pool (MaxPooling2D)   (None, 4, 4, 512)         0");
        assertThat(text).contains("Total params: 14,714,688", "Trainable params: 14,714,688",
                "Non-trainable params: 0");
        List<Summary.Row> rows = summary.rows();
        assertThat(rows).hasSize(19);
    }

    @Test
    void preprocessing_defaults_to_caffe_and_is_recorded() {
        ConvBase base = Vgg16.imagenet(150, 150);
        assertThat(base.preprocessing()).isEqualTo(Preprocessing.CAFFE);
        assertThat(base.withPreprocessing(Preprocessing.RESCALE).preprocessing()).isEqualTo(Preprocessing.RESCALE);
        assertThat(base.weightsSource()).isInstanceOf(WeightsSource.Imagenet.class);
    }
}
