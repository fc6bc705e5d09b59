package org.transfer4j.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Test;
import org.transfer4j.augment.HwcImage;

/** Grad-CAM's arithmetic, the bilinear resize, the jet colours and the overlay, on hand-checked values. */
class ExplainHeatmapTest {

    @Test
    void heatmap_is_relu_of_gradient_weighted_channels_divided_by_its_maximum() {
        // 1x3 grid, 2 channels: A = [[1, 0], [0, 2], [1, 1]], gradient mean per channel: (0.5, -0.25)
        float[] a = {1, 0, 0, 2, 1, 1};
        float[] g = {1.5f, -0.75f, 0f, 0f, 0f, 0f};
        Heatmap h = Heatmap.of("dogs", 1, "block5_conv3", a, g, 1, 3, 2);

        assertThat(h.channelWeights()).containsExactly(0.5f, -0.25f);
        // raw: 0.5, -0.5 -> 0, 0.25; divided by 0.5
        assertThat(h.values()).containsExactly(1f, 0f, 0.5f);
        assertThat(h.rawMaximum()).isEqualTo(0.5);
        assertThat(h.className()).isEqualTo("dogs");
        assertThat(h.layer()).isEqualTo("block5_conv3");
    }

    @Test
    void heatmap_with_nothing_for_the_class_stays_zero() {
        Heatmap h = Heatmap.of("cats", 0, "l", new float[] {1, 2}, new float[] {-1, -1}, 1, 2, 1);
        assertThat(h.values()).containsExactly(0f, 0f);
        assertThat(h.massFraction(4, 4, 0, 0, 2, 2)).isNaN();
    }

    @Test
    void heatmap_rejects_mismatched_lengths() {
        assertThatThrownBy(() -> Heatmap.of("c", 0, "l", new float[4], new float[3], 2, 2, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2x2x1");
    }

    @Test
    void resize_uses_opencv_pixel_centres() {
        Heatmap h = Heatmap.of("c", 0, "l", new float[] {0, 1}, new float[] {1, 1}, 1, 2, 1);
        // cv2.resize(np.array([[0, 1]], np.float32), (4, 1), interpolation=cv2.INTER_LINEAR) -> [0, .25, .75, 1]
        assertThat(h.resized(1, 4)).containsExactly(0f, 0.25f, 0.75f, 1f);
        assertThat(h.resized(2, 2)).containsExactly(0f, 1f, 0f, 1f);
    }

    @Test
    void mass_fraction_counts_the_rectangle_of_the_resized_map() {
        Heatmap h = Heatmap.of("c", 0, "l", new float[] {1, 0, 0, 0}, new float[] {1, 1, 1, 1}, 2, 2, 1);
        assertThat(h.massFraction(2, 2, 0, 0, 1, 1)).isEqualTo(1.0);
        assertThat(h.massFraction(8, 8, 0, 0, 4, 4)).isGreaterThan(0.5).isLessThan(1.0);
    }

    @Test
    void jet_runs_from_dark_blue_through_green_to_dark_red() {
        assertThat(HeatmapImages.jet(0)).isEqualTo(0x000080);
        assertThat(HeatmapImages.jet(0.5)).isEqualTo(0x80FF80);
        assertThat(HeatmapImages.jet(1)).isEqualTo(0x800000);
        assertThat(HeatmapImages.jet(7)).isEqualTo(0x800000);
    }

    @Test
    void overlay_adds_alpha_times_jet_to_the_image_at_its_own_size_and_saturates() {
        float[] px = new float[5 * 7 * 3];
        java.util.Arrays.fill(px, 100f);
        px[0] = 250f;
        HwcImage image = new HwcImage(5, 7, 3, px);
        Heatmap h = Heatmap.of("c", 0, "l", new float[] {1}, new float[] {1}, 1, 1, 1);

        BufferedImage out = HeatmapImages.overlay(image, h);

        assertThat(out.getWidth()).isEqualTo(7);
        assertThat(out.getHeight()).isEqualTo(5);
        // heatmap 1 everywhere: jet = (128, 0, 0); 100 + 0.4 * 128 = 151.2 -> 151; 250 + 51.2 saturates at 255
        assertThat(out.getRGB(3, 2) & 0xFFFFFF).isEqualTo((151 << 16) | (100 << 8) | 100);
        assertThat((out.getRGB(0, 0) >> 16) & 0xFF).isEqualTo(255);
        assertThatThrownBy(() -> HeatmapImages.overlay(image, h, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.5");
    }

    @Test
    void gradcam_spec_steps_return_new_values_and_describe_themselves() {
        GradCam d = GradCam.defaults();
        GradCam l = GradCam.layer("block4_conv3").classes("cats").score(ClassScore.PROBABILITY);

        assertThat(d.layerName()).isEmpty();
        assertThat(l.layerName()).contains("block4_conv3");
        assertThat(l.classNames()).containsExactly("cats");
        assertThat(l.toString()).isEqualTo("GradCam[layer=block4_conv3, classes=[cats], score=probability]");
        assertThat(d.allClasses().toString()).contains("classes=all");
    }
}
