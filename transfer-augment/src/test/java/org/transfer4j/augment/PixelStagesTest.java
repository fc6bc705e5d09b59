package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Channel shift, brightness and standardisation on tiny images with hand-checked (or Keras-printed) values. */
class PixelStagesTest {

    private static RandomTransform brightness(double b) {
        return new RandomTransform(0, 0, 0, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.of(b));
    }

    @Test
    void brightness_keeps_the_alpha_channel_and_stretches_to_255() {
        // Values printed by keras_preprocessing 1.1.0 apply_brightness_shift (PIL 9.4.0) for this 1x2x4 RGBA image.
        HwcImage rgba = new HwcImage(1, 2, 4, new float[] {10, 20, 30, 40, 100, 50, 60, 200});
        Augmentation a = Augmentation.keras();
        assertThat(a.applyTransform(rgba, brightness(0.5)).pixels()).containsExactly(6, 12, 19, 51, 63, 31, 38, 255);
        assertThat(a.applyTransform(rgba, brightness(1.7)).pixels()).containsExactly(20, 42, 64, 51, 215, 107, 129, 255);
    }

    @Test
    void brightness_shifts_negative_images_to_zero_first() {
        // Keras: x += max(-min, 0) -> [15, 105, 0, 55.5]; /105 * 255 -> uint8 [36, 255, 0, 134]; * 1.3 truncated, clipped.
        HwcImage gray = new HwcImage(2, 2, 1, new float[] {10, 100, -5, 50.5f});
        assertThat(Augmentation.keras().applyTransform(gray, brightness(1.3)).pixels()).containsExactly(46, 255, 0, 174);
    }

    @Test
    void brightness_rejects_two_channel_images() {
        HwcImage two = HwcImage.zeros(2, 2, 2);
        assertThatThrownBy(() -> Augmentation.keras().applyTransform(two, brightness(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1, 3 or 4 channels").hasMessageContaining("got 2");
    }

    @Test
    void channel_shift_clips_to_the_whole_image_range() {
        HwcImage img = new HwcImage(1, 2, 2, new float[] {10, 50, 30, 20});
        RandomTransform t = new RandomTransform(0, 0, 0, 0, 1, 1, false, false, OptionalDouble.of(25), OptionalDouble.empty());
        // min 10, max 50 over all channels: 35, 75->50, 55->50, 45
        assertThat(Augmentation.keras().applyTransform(img, t).pixels()).containsExactly(35, 50, 50, 45);
    }

    @Test
    void rescale_multiplies_in_float32_as_keras() {
        JsonNode ex = Fixtures.json("random/stats.json").get("rescale_example");
        JsonNode in = ex.get("input");
        JsonNode out = ex.get("output_float32");
        float[] px = new float[in.size()];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) in.get(i).asDouble();
        }
        HwcImage y = Augmentation.keras().rescale(ex.get("rescale").asDouble()).standardize(new HwcImage(1, px.length, 1, px));
        for (int i = 0; i < px.length; i++) {
            assertThat(y.pixels()[i]).isEqualTo((float) out.get(i).asDouble());
        }
    }

    @Test
    void samplewise_std_normalization_centres_and_scales_each_image() {
        HwcImage img = new HwcImage(2, 2, 1, new float[] {1, 2, 3, 4});
        HwcImage y = Augmentation.keras().samplewiseStdNormalization(true).standardize(img);
        float std = (float) Math.sqrt(1.25) + 1e-6f;     // mean 2.5, population std sqrt(1.25)
        assertThat(y.pixels()).containsExactly(-1.5f / std, -0.5f / std, 0.5f / std, 1.5f / std);
        assertThat(Augmentation.keras().samplewiseCenter(true).standardize(img).pixels()).containsExactly(-1.5f, -0.5f, 0.5f, 1.5f);
    }

    @Test
    void featurewise_statistics_are_fitted_per_channel() {
        List<HwcImage> sample = List.of(new HwcImage(1, 1, 2, new float[] {0, 10}), new HwcImage(1, 1, 2, new float[] {2, 30}));
        Augmentation a = Augmentation.keras().featurewiseStdNormalization(true).fit(sample);
        assertThat(a.featurewiseStats().mean()).containsExactly(1f, 20f);
        assertThat(a.featurewiseStats().std()).containsExactly(1f, 10f);
        HwcImage y = a.standardize(new HwcImage(1, 1, 2, new float[] {3, 40}));
        assertThat(y.pixels()).containsExactly(2f / (1f + 1e-6f), 20f / (10f + 1e-6f));
        assertThat(Augmentation.keras().featurewiseCenter(true).fit(sample).standardize(new HwcImage(1, 1, 2, new float[] {3, 40})).pixels())
                .containsExactly(2f, 20f);
    }

    @Test
    void featurewise_standardisation_without_fit_is_an_error() {
        Augmentation a = Augmentation.keras().featurewiseCenter(true);
        HwcImage img = HwcImage.zeros(2, 2, 3);
        assertThatThrownBy(() -> a.standardize(img)).isInstanceOf(IllegalStateException.class).hasMessageContaining("fit");
        Augmentation fitted = a.fit(List.of(HwcImage.zeros(1, 1, 1)));
        assertThatThrownBy(() -> fitted.standardize(img)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 channels").hasMessageContaining("has 3");
        assertThatThrownBy(() -> a.fit(List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    }

    @Test
    void transforms_can_run_in_place_on_the_images_own_array() {
        HwcImage img = new HwcImage(3, 4, 1, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        RandomTransform t = new RandomTransform(90, 0, 0, 0, 1, 1, true, false, OptionalDouble.empty(), OptionalDouble.empty());
        for (InterpolationOrder order : InterpolationOrder.values()) {
            Augmentation a = Augmentation.keras().interpolationOrder(order);
            HwcImage expected = a.applyTransform(img, t);
            HwcImage inPlace = img.copy();
            a.applyTransform(inPlace, t, inPlace.pixels(), 0);
            assertThat(inPlace).as("%s", order).isEqualTo(expected);
        }
    }

    @Test
    void identity_transform_returns_the_input_values() {
        HwcImage img = new HwcImage(2, 3, 1, new float[] {1, -0.0f, 3, 4, 5, 6});
        HwcImage y = Augmentation.keras().fillMode(FillMode.CONSTANT).cval(99).applyTransform(img, RandomTransform.identity());
        assertThat(y).isEqualTo(img).isNotSameAs(img);
    }
}
