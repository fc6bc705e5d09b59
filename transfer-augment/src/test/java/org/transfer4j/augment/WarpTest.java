package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** scipy's coordinate mapping by hand, and the fast kernel against the literal reference on random cases. */
class WarpTest {

    @Test
    void map_coordinate_follows_scipy_for_every_mode() {
        int n = 4;
        // constant: outside -> -1 (cval)
        assertThat(Warp.mapCoordinate(-0.5, n, Warp.CONSTANT)).isEqualTo(-1.0);
        assertThat(Warp.mapCoordinate(3.0, n, Warp.CONSTANT)).isEqualTo(3.0);
        // nearest: clamp
        assertThat(Warp.mapCoordinate(-5, n, Warp.NEAREST)).isEqualTo(0.0);
        assertThat(Warp.mapCoordinate(7.2, n, Warp.NEAREST)).isEqualTo(3.0);
        // reflect (half-sample): -0.3 -> -(-0.3) - 1 = -0.7; 4.5 -> 8 - 4.5 - 1 = 2.5; -6 -> -6 + 8 = 2
        assertThat(Warp.mapCoordinate(-0.3, n, Warp.REFLECT)).isEqualTo(0.3 - 1);
        assertThat(Warp.mapCoordinate(4.5, n, Warp.REFLECT)).isEqualTo(2.5);
        assertThat(Warp.mapCoordinate(-6, n, Warp.REFLECT)).isEqualTo(2.0);
        assertThat(Warp.mapCoordinate(-10, n, Warp.REFLECT)).isEqualTo(1.0);   // -10 -> 8*1 - 10 = -2 -> 2 - 1
        // wrap, period n - 1 = 3: -1 -> 2; 4 -> 1; 3 stays (in range)
        assertThat(Warp.mapCoordinate(-1, n, Warp.WRAP)).isEqualTo(2.0);
        assertThat(Warp.mapCoordinate(4, n, Warp.WRAP)).isEqualTo(1.0);
        // mirror (taps of constant/wrap), period 2(n-1) = 6: 4 -> 2; -1 -> 1
        assertThat(Warp.mapCoordinate(4, n, Warp.MIRROR)).isEqualTo(2.0);
        assertThat(Warp.mapCoordinate(-1, n, Warp.MIRROR)).isEqualTo(1.0);
        // a single pixel: everything maps to 0 except in constant mode
        assertThat(Warp.mapCoordinate(2.5, 1, Warp.WRAP)).isEqualTo(0.0);
        assertThat(Warp.mapCoordinate(2.5, 1, Warp.CONSTANT)).isEqualTo(-1.0);
    }

    @Test
    void positive_tx_moves_content_up_and_positive_ty_moves_it_left() {
        HwcImage img = HwcImage.zeros(5, 5, 1);
        img.pixels()[3 * 5 + 3] = 100;                         // one bright pixel at (3, 3)
        Augmentation aug = Augmentation.keras().fillMode(FillMode.CONSTANT);
        HwcImage up = aug.applyTransform(img, new RandomTransform(0, 2, 0, 0, 1, 1, false, false,
                OptionalDouble.empty(), OptionalDouble.empty()));
        assertThat(up.get(1, 3, 0)).isEqualTo(100f);
        HwcImage left = aug.applyTransform(img, new RandomTransform(0, 0, 1, 0, 1, 1, false, false,
                OptionalDouble.empty(), OptionalDouble.empty()));
        assertThat(left.get(3, 2, 0)).isEqualTo(100f);
    }

    @Test
    void fast_kernel_equals_reference_on_random_matrices_sizes_modes_and_stages() {
        SplittableRandom rng = new SplittableRandom(20240611);
        int cases = 0;
        for (int trial = 0; trial < 1500; trial++) {
            int h = 1 + rng.nextInt(rng.nextBoolean() ? 3 : 14);
            int w = 1 + rng.nextInt(rng.nextBoolean() ? 3 : 14);
            int c = 1 + rng.nextInt(4);
            float[] px = new float[h * w * c];
            for (int i = 0; i < px.length; i++) {
                px[i] = switch (rng.nextInt(4)) {
                    case 0 -> (float) rng.nextInt(256);
                    case 1 -> (float) (rng.nextDouble() * 500 - 250);
                    case 2 -> -0.0f;
                    default -> (float) (rng.nextDouble() * 255);
                };
            }
            HwcImage img = new HwcImage(h, w, c, px);
            FillMode mode = FillMode.values()[rng.nextInt(4)];
            Augmentation aug = Augmentation.keras().fillMode(mode).cval(rng.nextDouble() * 255)
                    .interpolationOrder(rng.nextBoolean() ? InterpolationOrder.BILINEAR : InterpolationOrder.NEAREST);
            boolean integral = rng.nextInt(4) == 0;       // whole-pixel shifts hit tap and border edge cases
            double theta = integral ? 90 * rng.nextInt(4) : rng.nextInt(3) == 0 ? 0 : rng.nextDouble() * 360 - 180;
            double tx = integral ? rng.nextInt(2 * h + 1) - h : (rng.nextDouble() - 0.5) * 3 * h;
            double ty = integral ? rng.nextInt(2 * w + 1) - w : (rng.nextDouble() - 0.5) * 3 * w;
            double shear = integral || rng.nextBoolean() ? 0 : rng.nextDouble() * 60 - 30;
            double zx = integral ? 1 : 0.4 + rng.nextDouble() * 1.8;
            double zy = integral ? 1 : 0.4 + rng.nextDouble() * 1.8;
            OptionalDouble shift = rng.nextInt(4) == 0 ? OptionalDouble.of(rng.nextDouble() * 100 - 50) : OptionalDouble.empty();
            OptionalDouble bright = c != 2 && rng.nextInt(4) == 0 ? OptionalDouble.of(rng.nextDouble() * 2) : OptionalDouble.empty();
            RandomTransform t = new RandomTransform(theta, tx, ty, shear, zx, zy, rng.nextBoolean(), rng.nextBoolean(),
                    shift, bright);
            HwcImage fast = aug.applyTransform(img, t);
            HwcImage reference = ReferenceTransforms.applyTransform(aug, img, t);
            assertThat(fast).as("trial %d: %dx%dx%d %s %s %s", trial, h, w, c, mode, aug.interpolationOrder(), t)
                    .isEqualTo(reference);
            cases++;
        }
        assertThat(cases).isEqualTo(1500);
    }

    @Test
    void fast_kernel_writes_only_its_slot_of_a_batch_array() {
        HwcImage img = new HwcImage(3, 4, 3, new float[36]);
        java.util.Arrays.fill(img.pixels(), 7f);
        float[] batch = new float[3 * 36];
        java.util.Arrays.fill(batch, -1f);
        Augmentation.book().applyTransform(img, new RandomTransform(10, 1, 1, 0, 1.1, 0.9, true, false,
                OptionalDouble.empty(), OptionalDouble.empty()), batch, 36);
        for (int i = 0; i < batch.length; i++) {
            assertThat(batch[i]).as("index %d", i).isEqualTo(i >= 36 && i < 72 ? 7f : -1f);
        }
    }
}
