package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.ReferenceConvNet;

/**
 * libnd4j's NHWC conv / pool ops as {@link NativeOps} calls them, against plain-Java double-precision definitions:
 * forward values, and gradients as exact finite differences of {@code S = sum(out * R)} for a fixed random {@code R}.
 */
class NativeOpsTest {
    // Odd spatial sizes on purpose: "same" padding at uneven borders, floor-halving in the pool.
    static final int N = 2;
    static final int H = 6;
    static final int W = 5;
    static final int C = 3;
    static final int F = 4;
    static final int K = 3;

    @Test
    void conv2d_equals_the_plain_java_convolution_including_negative_values() {
        SplittableRandom r = new SplittableRandom(11);
        float[] x = uniform(r, N * H * W * C, 1);
        float[] kernel = uniform(r, K * K * C * F, 0.5);
        float[] bias = uniform(r, F, 0.3);

        INDArray out = NativeOps.conv2d(nhwc(x, N, H, W, C), kernelArray(kernel), Nd4j.create(bias, new long[] {F}, 'c'));

        assertThat(out.shape()).containsExactly(N, H, W, F);
        double[] expected = conv(toDouble(x), toDouble(kernel), toDouble(bias));
        assertClose(floats(out), expected, 1e-5, "conv2d");
        assertThat(countNegative(expected)).as("the check covers negative pre-activations").isGreaterThan(10);
    }

    @Test
    void conv2d_then_relu_equals_the_reference_conv_net_per_image() throws Exception {
        SplittableRandom r = new SplittableRandom(12);
        float[] x = uniform(r, N * H * W * C, 1);
        float[] kernel = uniform(r, K * K * C * F, 0.5);
        float[] bias = uniform(r, F, 0.3);
        Layer conv = new Layer("c", LayerType.CONV2D, new int[] {H, W, C}, new int[] {H, W, F}, K, K * K * C * F + F);
        Weights weights = Weights.of(List.of(conv), Map.of("c", new LayerWeights(kernel, conv.kernelShape(), bias)),
                "test", "test");

        float[] ours = floats(Transforms.relu(NativeOps.conv2d(nhwc(x, N, H, W, C), kernelArray(kernel),
                Nd4j.create(bias, new long[] {F}, 'c')), false));

        int per = H * W * C;
        int outPer = H * W * F;
        for (int n = 0; n < N; n++) {
            double[] image = new double[per];
            for (int i = 0; i < per; i++) {
                image[i] = x[n * per + i];
            }
            double[] ref = ReferenceConvNet.forward(image, H, W, C, List.of(conv), weights);
            float[] mine = Arrays.copyOfRange(ours, n * outPer, (n + 1) * outPer);
            assertClose(mine, ref, 1e-5, "image " + n);
        }
    }

    @Test
    void conv2d_backward_equals_exact_gradients_of_the_double_reference() {
        SplittableRandom r = new SplittableRandom(13);
        float[] x = uniform(r, N * H * W * C, 1);
        float[] kernel = uniform(r, K * K * C * F, 0.5);
        float[] bias = uniform(r, F, 0.3);
        float[] rr = uniform(r, N * H * W * F, 1);

        INDArray[] g = NativeOps.conv2dBackward(nhwc(x, N, H, W, C), kernelArray(kernel),
                Nd4j.create(bias, new long[] {F}, 'c'), nhwc(rr, N, H, W, F));

        assertThat(g[0].shape()).containsExactly(N, H, W, C);
        assertThat(g[1].shape()).containsExactly(K, K, C, F);
        assertThat(g[2].shape()).containsExactly(F);
        double[] xd = toDouble(x);
        double[] kd = toDouble(kernel);
        double[] bd = toDouble(bias);
        double[] rd = toDouble(rr);
        // S is affine in each single entry, so a central difference in double is exact up to rounding.
        assertClose(floats(g[0]), centralDifferences(xd, v -> dot(conv(v, kd, bd), rd)), 1e-5, "dx");
        assertClose(floats(g[1]), centralDifferences(kd, v -> dot(conv(xd, v, bd), rd)), 1e-5, "dKernel");
        assertClose(floats(g[2]), centralDifferences(bd, v -> dot(conv(xd, kd, v), rd)), 1e-5, "dBias");
    }

    @Test
    void conv2d_backward_agrees_with_float_central_differences_of_conv2d_itself() {
        SplittableRandom r = new SplittableRandom(14);
        float[] x = uniform(r, N * H * W * C, 1);
        float[] kernel = uniform(r, K * K * C * F, 0.5);
        float[] bias = uniform(r, F, 0.3);
        float[] rr = uniform(r, N * H * W * F, 1);
        double[] rd = toDouble(rr);
        INDArray[] g = NativeOps.conv2dBackward(nhwc(x, N, H, W, C), kernelArray(kernel),
                Nd4j.create(bias, new long[] {F}, 'c'), nhwc(rr, N, H, W, F));

        ToDoubleFunction<float[][]> s = p -> dot(toDouble(floats(NativeOps.conv2d(nhwc(p[0], N, H, W, C),
                kernelArray(p[1]), Nd4j.create(p[2], new long[] {F}, 'c')))), rd);
        float[][] params = {x, kernel, bias};
        String[] names = {"dx", "dKernel", "dBias"};
        for (int which = 0; which < 3; which++) {
            float[] grad = floats(g[which]);
            int[] entries = which == 2 ? new int[] {0, 1, 2, 3} : r.ints(8, 0, params[which].length).toArray();
            for (int i : entries) {
                float old = params[which][i];
                float hi = old + 1e-2f;
                float lo = old - 1e-2f;
                params[which][i] = hi;
                double sHi = s.applyAsDouble(params);
                params[which][i] = lo;
                double sLo = s.applyAsDouble(params);
                params[which][i] = old;
                double fd = (sHi - sLo) / ((double) hi - lo);
                assertThat(Math.abs(grad[i] - fd)).as("%s[%d]: op %s, finite difference %s", names[which], i,
                        grad[i], fd).isLessThanOrEqualTo(2e-3 * (1 + Math.abs(fd)));
            }
        }
    }

    @Test
    void maxPool_floor_halves_odd_sizes_and_equals_the_reference() throws Exception {
        int h = 7;
        int w = 5;
        SplittableRandom r = new SplittableRandom(15);
        float[] x = uniform(r, N * h * w * C, 1);
        Layer pool = new Layer("p", LayerType.MAX_POOLING2D, new int[] {h, w, C}, new int[] {h / 2, w / 2, C}, 2, 0);
        Weights none = Weights.of(List.of(pool), Map.of(), "test", "test");

        INDArray out = NativeOps.maxPool(nhwc(x, N, h, w, C));

        assertThat(out.shape()).containsExactly(N, 3, 2, C);
        float[] ours = floats(out);
        int per = h * w * C;
        int outPer = 3 * 2 * C;
        for (int n = 0; n < N; n++) {
            double[] image = new double[per];
            for (int i = 0; i < per; i++) {
                image[i] = x[n * per + i];
            }
            double[] ref = ReferenceConvNet.forward(image, h, w, C, List.of(pool), none);
            assertClose(Arrays.copyOfRange(ours, n * outPer, (n + 1) * outPer), ref, 0, "image " + n);
        }
    }

    @Test
    void maxPool_backward_equals_finite_differences_and_ignores_the_cropped_edge() {
        int h = 7;
        int w = 5;
        SplittableRandom r = new SplittableRandom(16);
        float[] x = uniform(r, N * h * w * C, 1);
        float[] rr = uniform(r, N * 3 * 2 * C, 1);
        double[] rd = toDouble(rr);

        float[] dx = floats(NativeOps.maxPoolBackward(nhwc(x, N, h, w, C), nhwc(rr, N, 3, 2, C)));

        assertThat(dx).hasSize(x.length);
        // Random floats in a 2x2 window differ by far more than 1e-7, so no max switches under the step.
        double[] expected = centralDifferences(toDouble(x), v -> dot(maxPool(v, h, w), rd), 1e-7);
        assertClose(dx, expected, 1e-5, "dx");
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int col = 0; col < w; col++) {
                    assertThat(dx[((n * h + h - 1) * w + col) * C + c]).as("last row, n=%d col=%d", n, col).isZero();
                }
                for (int row = 0; row < h; row++) {
                    assertThat(dx[((n * h + row) * w + w - 1) * C + c]).as("last column, n=%d row=%d", n, row).isZero();
                }
            }
        }
        long nonZero = IntStream.range(0, dx.length).filter(i -> dx[i] != 0).count();
        assertThat(nonZero).as("one input per window receives its gradient").isEqualTo(rr.length);
    }

    // ---- plain-Java definitions (double) ----

    /** "Same" 3x3 convolution with bias, NHWC, kernel [kh, kw, in, out], no activation. */
    static double[] conv(double[] x, double[] kernel, double[] bias) {
        int pad = K / 2;
        double[] out = new double[N * H * W * F];
        for (int n = 0; n < N; n++) {
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    for (int o = 0; o < F; o++) {
                        double sum = bias[o];
                        for (int dy = 0; dy < K; dy++) {
                            int rr = r + dy - pad;
                            for (int dx = 0; dx < K; dx++) {
                                int cc = c + dx - pad;
                                if (rr < 0 || rr >= H || cc < 0 || cc >= W) {
                                    continue;
                                }
                                for (int i = 0; i < C; i++) {
                                    sum += x[((n * H + rr) * W + cc) * C + i] * kernel[((dy * K + dx) * C + i) * F + o];
                                }
                            }
                        }
                        out[((n * H + r) * W + c) * F + o] = sum;
                    }
                }
            }
        }
        return out;
    }

    /** 2x2 stride-2 valid max pool over N images of h x w x C. */
    static double[] maxPool(double[] x, int h, int w) {
        int oh = h / 2;
        int ow = w / 2;
        double[] out = new double[N * oh * ow * C];
        for (int n = 0; n < N; n++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    for (int ch = 0; ch < C; ch++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                m = Math.max(m, x[((n * h + 2 * r + dy) * w + 2 * c + dx) * C + ch]);
                            }
                        }
                        out[((n * oh + r) * ow + c) * C + ch] = m;
                    }
                }
            }
        }
        return out;
    }

    static double[] centralDifferences(double[] at, ToDoubleFunction<double[]> f) {
        return centralDifferences(at, f, 1e-3);
    }

    static double[] centralDifferences(double[] at, ToDoubleFunction<double[]> f, double eps) {
        double[] v = at.clone();
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double old = v[i];
            v[i] = old + eps;
            double hi = f.applyAsDouble(v);
            v[i] = old - eps;
            double lo = f.applyAsDouble(v);
            v[i] = old;
            g[i] = (hi - lo) / (2 * eps);
        }
        return g;
    }

    // ---- helpers ----

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static float[] uniform(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static INDArray nhwc(float[] v, int n, int h, int w, int c) {
        return Nd4j.create(v, new long[] {n, h, w, c}, 'c');
    }

    static INDArray kernelArray(float[] k) {
        return Nd4j.create(k, new long[] {K, K, C, F}, 'c');
    }

    static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    static long countNegative(double[] v) {
        return Arrays.stream(v).filter(d -> d < 0).count();
    }

    /** Every value within {@code rel} of the reference's largest magnitude (plus float rounding). */
    static void assertClose(float[] actual, double[] expected, double rel, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(scale).as("%s reference is not all zero", what).isPositive();
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("%s[%d]: got %s, expected %s", what, i, actual[i],
                    expected[i]).isLessThanOrEqualTo(rel * scale + 1e-6);
        }
    }
}
