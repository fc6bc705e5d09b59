package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AugmentationSpecTest {

    @Test
    void book_preset_is_the_books_generator_with_current_keras_shear() {
        Augmentation book = Augmentation.book();
        assertThat(book).isEqualTo(Augmentation.keras().rotation(40).widthShift(0.2).heightShift(0.2).shear(0.2)
                .zoom(0.2).horizontalFlip(true).fillMode(FillMode.NEAREST));
        Map<String, Object> kw = book.toKerasArguments();
        assertThat(kw).containsEntry("rotation_range", 40.0).containsEntry("width_shift_range", 0.2)
                .containsEntry("height_shift_range", 0.2).containsEntry("shear_range", 0.2)
                .containsEntry("zoom_range", List.of(0.8, 1.2)).containsEntry("horizontal_flip", true)
                .containsEntry("vertical_flip", false).containsEntry("fill_mode", "nearest");
        assertThat(book.shearUnit()).isEqualTo(ShearUnit.DEGREES);
    }

    @Test
    void shear_is_read_in_degrees_unless_radians_are_asked_for() {
        SplittableRandom rng = new SplittableRandom(3);
        double maxDegrees = 0;
        double maxRadians = 0;
        Augmentation degrees = Augmentation.keras().shear(0.2);
        Augmentation radians = Augmentation.keras().shearRadians(0.2);
        for (int i = 0; i < 4000; i++) {
            maxDegrees = Math.max(maxDegrees, Math.abs(degrees.randomTransform(10, 10, rng).shear()));
            maxRadians = Math.max(maxRadians, Math.abs(radians.randomTransform(10, 10, rng).shear()));
        }
        assertThat(maxDegrees).isLessThanOrEqualTo(0.2).isGreaterThan(0.19);
        // 0.2 rad = 11.459 degrees; RandomTransform.shear is always in degrees, as Keras's apply_transform takes it
        assertThat(maxRadians).isLessThanOrEqualTo(Math.toDegrees(0.2)).isGreaterThan(11.3);
        assertThat(radians.toKerasArguments().get("shear_range")).isEqualTo(Math.toDegrees(0.2));
    }

    @Test
    void fluent_steps_return_new_values_and_leave_the_original_unchanged() {
        Augmentation base = Augmentation.keras();
        Augmentation rotated = base.rotation(10);
        assertThat(base.rotationRange()).isZero();
        assertThat(rotated.rotationRange()).isEqualTo(10);
        assertThat(rotated).isNotSameAs(base).isNotEqualTo(base);
        assertThat(base.rotation(10)).isEqualTo(rotated).hasSameHashCodeAs(rotated);
        assertThat(rotated.seed(5)).isNotEqualTo(rotated);
    }

    @Test
    void keras_arguments_round_trip_with_int_float_and_list_shifts() {
        Map<String, Object> kw = new LinkedHashMap<>();
        kw.put("rotation_range", 25);
        kw.put("width_shift_range", 2);                 // Python int: choice(2) * +-1
        kw.put("height_shift_range", List.of(0.1, 0.3)); // list: scaled by rows
        kw.put("shear_range", 5.0);
        kw.put("zoom_range", List.of(0.7, 1.1));
        kw.put("channel_shift_range", 20.0);
        kw.put("brightness_range", List.of(0.5, 1.5));
        kw.put("fill_mode", "reflect");
        kw.put("cval", 3.0);
        kw.put("vertical_flip", true);
        kw.put("rescale", 1 / 255.0);
        kw.put("interpolation_order", 0);
        kw.put("samplewise_std_normalization", true);
        Augmentation a = Augmentation.fromKerasArguments(kw);
        assertThat(a.widthShiftRange()).isEqualTo(ShiftRange.integer(2));
        assertThat(a.heightShiftRange()).isEqualTo(ShiftRange.choices(0.1, 0.3));
        assertThat(a.interpolationOrder()).isEqualTo(InterpolationOrder.NEAREST);
        assertThat(a.fillMode()).isEqualTo(FillMode.REFLECT);
        assertThat(Augmentation.fromKerasArguments(a.toKerasArguments())).isEqualTo(a);
    }

    @Test
    void integer_and_float_shift_ranges_follow_keras() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 200; i++) {
            RandomTransform t = Augmentation.keras().widthShift(2).heightShift(2.0).randomTransform(50, 60, rng);
            assertThat(t.ty()).isIn(-1.0, 0.0, 1.0);                 // int 2: {-1, 0, 1}
            assertThat(t.tx()).isBetween(-2.0, 2.0);                  // float 2.0: uniform pixels, not scaled
            RandomTransform f = Augmentation.keras().widthShift(0.5).randomTransform(50, 60, rng);
            assertThat(f.ty()).isBetween(-30.0, 30.0);                // fraction of the 60 columns
            assertThat(f.tx()).isZero();
        }
    }

    @Test
    void zoom_draws_two_independent_factors() {
        SplittableRandom rng = new SplittableRandom(5);
        Augmentation a = Augmentation.keras().zoom(0.2);
        int n = 5000;
        double[] zx = new double[n];
        double[] zy = new double[n];
        for (int i = 0; i < n; i++) {
            RandomTransform t = a.randomTransform(8, 8, rng);
            zx[i] = t.zx();
            zy[i] = t.zy();
        }
        assertThat(Math.abs(correlation(zx, zy))).isLessThan(0.06);   // 4 standard errors of r at n = 5000
        assertThat(Arrays.stream(zx).min().orElseThrow()).isGreaterThanOrEqualTo(0.8);
        assertThat(Arrays.stream(zy).max().orElseThrow()).isLessThan(1.2);
    }

    @Test
    void per_image_parameters_depend_only_on_seed_epoch_and_index() {
        Augmentation a = Augmentation.book().seed(9);
        RandomTransform t = a.randomTransform(150, 150, 3, 17);
        assertThat(a.randomTransform(150, 150, 3, 17)).isEqualTo(t);
        assertThat(a.randomTransform(150, 150, 3, 18)).isNotEqualTo(t);
        assertThat(a.randomTransform(150, 150, 4, 17)).isNotEqualTo(t);
        assertThat(a.seed(10).randomTransform(150, 150, 3, 17)).isNotEqualTo(t);
        assertThat(a.imageSeed(0, 1)).isNotEqualTo(a.imageSeed(1, 0));
    }

    @Test
    void bad_parameters_name_the_parameter_and_the_accepted_range() {
        expectBad(() -> Augmentation.keras().rotation(-1), "rotation_range", "[0, 360]");
        expectBad(() -> Augmentation.keras().rotation(Double.NaN), "rotation_range", "[0, 360]");
        expectBad(() -> Augmentation.keras().widthShift(-0.1), "width_shift_range", ">= 0");
        expectBad(() -> Augmentation.keras().heightShift(-2), "height_shift_range", ">= 0");
        expectBad(() -> Augmentation.keras().widthShiftChoices(new double[0]), "width_shift_range", "at least one");
        expectBad(() -> Augmentation.keras().shear(90), "shear_range", "[0, 90) degrees");
        expectBad(() -> Augmentation.keras().shearRadians(2), "shear_range", "[0, pi/2) radians");
        expectBad(() -> Augmentation.keras().zoom(1.0), "zoom_range", "[0, 1)");
        expectBad(() -> Augmentation.keras().zoom(1.2, 0.8), "zoom_range", "0 < lo <= hi");
        expectBad(() -> Augmentation.keras().zoom(0, 1), "zoom_range", "0 < lo <= hi");
        expectBad(() -> Augmentation.keras().channelShift(-1), "channel_shift_range", ">= 0");
        expectBad(() -> Augmentation.keras().brightness(1.5, 0.5), "brightness_range", "0 <= lo <= hi");
        expectBad(() -> Augmentation.keras().brightness(-0.1, 1), "brightness_range", "0 <= lo <= hi");
        expectBad(() -> Augmentation.keras().cval(Double.POSITIVE_INFINITY), "cval", "finite");
        expectBad(() -> Augmentation.keras().rescale(Double.NaN), "rescale", "finite");
        expectBad(() -> Augmentation.fromKerasArguments(Map.of("fill_mode", "mirror")), "fill_mode",
                "constant, nearest, reflect, wrap");
        expectBad(() -> Augmentation.fromKerasArguments(Map.of("interpolation_order", 3)), "interpolation_order", "0");
        expectBad(() -> Augmentation.fromKerasArguments(Map.of("rotaton_range", 3)), "rotaton_range", "rotation_range");
        expectBad(() -> Augmentation.fromKerasArguments(Map.of("zca_whitening", true)), "zca_whitening", "False");
        expectBad(() -> Augmentation.fromKerasArguments(Map.of("zoom_range", List.of(0.5))), "zoom_range", "two numbers");
        expectBad(() -> Augmentation.keras().randomTransform(0, 5, new SplittableRandom()), "image size", ">= 1x1");
    }

    private static void expectBad(Supplier<?> call, String... fragments) {
        assertThatThrownBy(call::get).isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }

    private static double correlation(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
