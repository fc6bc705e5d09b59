package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PreprocessingTest {

    @Test
    void caffe_swaps_to_bgr_and_subtracts_imagenet_means() {
        float[] px = {10f, 20f, 30f, 255f, 0f, 128f};
        Preprocessing.CAFFE.applyRgb(px, 0, 2);
        assertThat(px[0]).isCloseTo(30f - 103.939f, within(1e-4f));
        assertThat(px[1]).isCloseTo(20f - 116.779f, within(1e-4f));
        assertThat(px[2]).isCloseTo(10f - 123.68f, within(1e-4f));
        assertThat(px[3]).isCloseTo(128f - 103.939f, within(1e-4f));
        assertThat(px[5]).isCloseTo(255f - 123.68f, within(1e-4f));
    }

    @Test
    void rescale_multiplies_by_float32_one_over_255() {
        float[] px = {255f, 51f, 0f};
        Preprocessing.RESCALE.applyRgb(px, 0, 1);
        assertThat(px).containsExactly(255f * (1f / 255f), 51f * (1f / 255f), 0f);
    }

    @Test
    void ids_parse_and_bad_ids_name_the_choices() {
        assertThat(Preprocessing.of("CAFFE")).isEqualTo(Preprocessing.CAFFE);
        assertThat(Preprocessing.of("rescale")).isEqualTo(Preprocessing.RESCALE);
        assertThatThrownBy(() -> Preprocessing.of("torch")).hasMessageContaining("'torch'")
                .hasMessageContaining("caffe, rescale, tf or none");
    }

    @Test
    void out_of_range_pixels_are_rejected() {
        assertThatThrownBy(() -> Preprocessing.CAFFE.applyRgb(new float[5], 0, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
