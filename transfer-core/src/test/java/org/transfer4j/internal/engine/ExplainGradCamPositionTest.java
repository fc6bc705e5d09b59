package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Activation;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.Head;
import org.transfer4j.Heads;
import org.transfer4j.explain.Heatmap;
import org.transfer4j.explain.HeatmapImages;

/**
 * Grad-CAM position by position, on the small random network of {@link ExplainGradCamGradientTest}: the gradient of
 * each example's class score with respect to EVERY element {@code A[n, y, x, k]} of the explained layer's output
 * against a central finite difference of that one element (so a transposed, NCHW-read or batch-shifted gradient
 * fails), each heatmap cell against {@code ReLU(Σ_k α_k A[y, x, k])} normalised, computed here, and the orientation
 * of the activations, the upsampled grid and the overlay.
 */
class ExplainGradCamPositionTest {
    static final int BATCH = 3;

    @ParameterizedTest(name = "layer {0}, {1} head, probability score {2}")
    @CsvSource({"2,sigmoid,false", "3,sigmoid,false", "3,sigmoid,true", "2,softmax,false", "3,softmax,true"})
    void every_element_of_the_gradient_equals_a_finite_difference_and_every_cell_the_formula(int target,
            String headKind, boolean probability) {
        Head head = headKind.equals("sigmoid") ? Heads.dense(7).sigmoid() : Heads.dense(7, Activation.TANH).softmax(3);
        // class 0 of a sigmoid head (score -z) and class 1 (score z) both appear, on different examples
        int[] classes = headKind.equals("sigmoid") ? new int[] {0, 1, 0} : new int[] {2, 0, 1};
        GradCamEngine engine;
        try {
            engine = new GradCamEngine(ExplainGradCamGradientTest.LAYERS, target,
                    ExplainGradCamGradientTest.weights(21 + target), head, Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        GradCamEngine.Result r = engine.run(ExplainGradCamGradientTest.input(BATCH, 9), List.of(classes), probability);
        int[] s = r.shape();
        int h = s[0];
        int w = s[1];
        int k = s[2];
        int size = h * w * k;
        float[] a = r.activations();
        float[] g = r.gradients().get(0);
        double eps = 1e-2;
        double[] s0 = engine.scores(a, BATCH, classes, probability);
        int checked = 0;
        int kinks = 0;
        int mismatched = 0;
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < k; c++) {
                        int at = i * size + (y * w + x) * k + c;
                        float[] plus = a.clone();
                        float[] minus = a.clone();
                        plus[at] += (float) eps;
                        minus[at] -= (float) eps;
                        double[] sp = engine.scores(plus, BATCH, classes, probability);
                        double[] sm = engine.scores(minus, BATCH, classes, probability);
                        double fd = (sp[i] - sm[i]) / (2 * eps);
                        double forward = (sp[i] - s0[i]) / eps;
                        double backward = (s0[i] - sm[i]) / eps;
                        if (Math.abs(forward - backward) > 1e-3 + 1e-2 * Math.abs(fd)) {
                            // a ReLU or max-pool switch within eps (e.g. a pool window of ReLU zeros): the score is
                            // not differentiable there and any subgradient is right
                            kinks++;
                            continue;
                        }
                        if (Math.abs(g[at] - fd) > 1e-3 + 2e-2 * Math.abs(fd)) {
                            mismatched++;
                            if (failures.length() < 800) {
                                failures.append(String.format("n=%d y=%d x=%d k=%d grad %.5f fd %.5f; ", i, y, x, c,
                                        g[at], fd));
                            }
                        }
                        // the other examples' scores do not move: the gradient read is this example's own
                        for (int j = 0; j < BATCH; j++) {
                            if (j != i) {
                                assertThat(sp[j]).isEqualTo(sm[j]);
                            }
                        }
                        checked += fd != 0 ? 1 : 0;
                    }
                }
            }
        }
        assertThat(mismatched).as("elements whose gradient differs from the finite difference: %s", failures)
                .isZero();
        assertThat(checked).as("differentiable elements with a non-zero gradient (%d kinks)", kinks)
                .isGreaterThan(BATCH * size / 10);

        for (int i = 0; i < BATCH; i++) {
            double[] alpha = new double[k];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < k; c++) {
                        alpha[c] += g[i * size + (y * w + x) * k + c] / (double) (h * w);
                    }
                }
            }
            double[][] expected = new double[h][w];
            double max = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double sum = 0;
                    for (int c = 0; c < k; c++) {
                        sum += alpha[c] * a[i * size + (y * w + x) * k + c];
                    }
                    expected[y][x] = Math.max(0, sum);
                    max = Math.max(max, expected[y][x]);
                }
            }
            Heatmap map = Heatmap.of("c", classes[i], "l", Arrays.copyOfRange(a, i * size, (i + 1) * size),
                    Arrays.copyOfRange(g, i * size, (i + 1) * size), h, w, k);
            assertThat(map.height()).isEqualTo(h);
            assertThat(map.width()).isEqualTo(w);
            assertThat(map.rawMaximum()).isCloseTo(max, within(1e-5 + 1e-5 * max));
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double e = max > 0 ? expected[y][x] / max : 0;
                    assertThat((double) map.value(y, x)).as("example %d cell (%d, %d)", i, y, x)
                            .isCloseTo(e, within(1e-5));
                }
            }
        }
    }

    /** A single bright input pixel changes the first conv layer's NHWC output only in its 3x3 neighbourhood. */
    @Test
    void activations_are_read_with_rows_and_columns_in_place() throws Exception {
        GradCamEngine engine = new GradCamEngine(ExplainGradCamGradientTest.LAYERS, 0,
                ExplainGradCamGradientTest.weights(3), Heads.dense(4).sigmoid(), Map.of());
        int[] in = ExplainGradCamGradientTest.INPUT;
        float[] flat = new float[2 * in[0] * in[1] * in[2]];
        float[] spike = flat.clone();
        int row = 1;
        int col = 6;
        for (int c = 0; c < 3; c++) {
            spike[in[0] * in[1] * in[2] + (row * in[1] + col) * 3 + c] = 5f; // second example of the batch
        }
        float[] a0 = engine.run(Nd4j.create(flat, new long[] {2, in[0], in[1], 3}, 'c'), List.of(new int[] {1, 1}),
                false).activations();
        GradCamEngine.Result r = engine.run(Nd4j.create(spike, new long[] {2, in[0], in[1], 3}, 'c'),
                List.of(new int[] {1, 1}), false);
        float[] a1 = r.activations();
        int[] s = r.shape();
        int size = s[0] * s[1] * s[2];
        int changed = 0;
        for (int n = 0; n < 2; n++) {
            for (int y = 0; y < s[0]; y++) {
                for (int x = 0; x < s[1]; x++) {
                    for (int c = 0; c < s[2]; c++) {
                        int at = n * size + (y * s[1] + x) * s[2] + c;
                        boolean near = n == 1 && Math.abs(y - row) <= 1 && Math.abs(x - col) <= 1;
                        if (!near) {
                            assertThat(a1[at]).as("n=%d y=%d x=%d k=%d", n, y, x, c).isEqualTo(a0[at]);
                        } else if (a1[at] != a0[at]) {
                            changed++;
                        }
                    }
                }
            }
        }
        assertThat(changed).as("changed activations next to the spike").isGreaterThan(0);
    }

    /** A hot cell at grid row 0, last column of a 3x5 map lands in the top-right of the upsampled map and overlay. */
    @Test
    void a_hot_cell_appears_in_the_same_region_of_the_upsampled_map_and_the_overlay() {
        int h = 3;
        int w = 5;
        int k = 2;
        float[] a = new float[h * w * k];
        float[] g = new float[h * w * k];
        Arrays.fill(g, 1f);
        a[(0 * w + 4) * k + 1] = 3f; // (row 0, column 4), channel 1
        a[(2 * w + 0) * k + 1] = 0.3f; // a weak cell bottom-left
        Heatmap map = Heatmap.of("c", 0, "l", a, g, h, w, k);
        assertThat(map.value(0, 4)).isEqualTo(1f);
        assertThat(map.value(2, 0)).isCloseTo(0.1f, within(1e-6f));
        assertThat(map.value(1, 2)).isZero();

        int oh = 60;
        int ow = 100; // cells of 20 x 20 pixels
        float[] up = map.resized(oh, ow);
        int best = 0;
        for (int i = 1; i < up.length; i++) {
            if (up[i] > up[best]) {
                best = i;
            }
        }
        assertThat(best / ow).as("row of the maximum").isLessThan(20);
        assertThat(best % ow).as("column of the maximum").isGreaterThanOrEqualTo(80);
        assertThat(map.massFraction(oh, ow, 0, 80, 20, 100)).isGreaterThan(0.5);
        assertThat(map.massFraction(oh, ow, 40, 0, 60, 20)).isLessThan(0.2).isGreaterThan(0);

        BufferedImage overlay = HeatmapImages.overlay(new HwcImage(oh, ow, 3, new float[oh * ow * 3]), map, 1.0);
        assertThat(overlay.getWidth()).isEqualTo(ow);
        assertThat(overlay.getHeight()).isEqualTo(oh);
        int hot = overlay.getRGB(ow - 5, 5);
        int cold = overlay.getRGB(5, oh / 2);
        assertThat((hot >> 16) & 0xFF).as("red at the hot cell").isGreaterThan(100);
        assertThat(hot & 0xFF).as("blue at the hot cell").isZero();
        assertThat((cold >> 16) & 0xFF).as("red away from it").isZero();
        assertThat(cold & 0xFF).as("blue away from it").isGreaterThan(100);
    }
}
