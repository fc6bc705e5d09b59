package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;

/**
 * The training ops of both backends (oneDNN's conv + bias + ReLU forward/backward-data/backward-weights and max-pool
 * forward/backward in {@link DnnlConvStack}; libnd4j's ops in {@link NativeOps}) give the outputs and gradients of an
 * independent double-precision reference written here with plain loops, on the same inputs and within the same
 * tolerance; the reference's own gradients are checked by central finite differences, and the oneDNN forward by
 * finite differences too.
 */
class DnnlConvStackGradientTest {
    static final int N = 2;
    static final int H = 6;
    static final int C0 = 3;
    static final int C1 = 4;
    static final int C2 = 5;

    static final List<Layer> LAYERS = List.of(
            new Layer("c1", LayerType.CONV2D, new int[] {H, H, C0}, new int[] {H, H, C1}, 3, 9L * C0 * C1 + C1),
            new Layer("c2", LayerType.CONV2D, new int[] {H, H, C1}, new int[] {H, H, C2}, 3, 9L * C1 * C2 + C2),
            new Layer("p", LayerType.MAX_POOLING2D, new int[] {H, H, C2}, new int[] {H / 2, H / 2, C2}, 2, 0));

    /** Random inputs, parameters and the loss weights R of L = sum(out * R). */
    static final class Case {
        final double[] x;
        final double[] k1;
        final double[] b1;
        final double[] k2;
        final double[] b2;
        final double[] r;

        Case(long seed) {
            SplittableRandom g = new SplittableRandom(seed);
            x = random(g, N * H * H * C0, 1);
            k1 = random(g, 9 * C0 * C1, 0.4);
            b1 = random(g, C1, 0.1);
            k2 = random(g, 9 * C1 * C2, 0.3);
            b2 = random(g, C2, 0.1);
            r = random(g, N * (H / 2) * (H / 2) * C2, 1);
        }

        static double[] random(SplittableRandom g, int n, double scale) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = (g.nextDouble() * 2 - 1) * scale;
            }
            return a;
        }
    }

    // ---- the double-precision reference (NHWC, kernels [kh, kw, in, out], "same" 3x3, ReLU, 2x2 max pool) ----

    static double[] conv(double[] x, int c, double[] k, double[] b, int co) {
        double[] y = new double[N * H * H * co];
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < H; j++) {
                    for (int o = 0; o < co; o++) {
                        double s = b[o];
                        for (int di = 0; di < 3; di++) {
                            for (int dj = 0; dj < 3; dj++) {
                                int ii = i + di - 1;
                                int jj = j + dj - 1;
                                if (ii < 0 || jj < 0 || ii >= H || jj >= H) {
                                    continue;
                                }
                                for (int q = 0; q < c; q++) {
                                    s += x[((n * H + ii) * H + jj) * c + q] * k[((di * 3 + dj) * c + q) * co + o];
                                }
                            }
                        }
                        y[((n * H + i) * H + j) * co + o] = Math.max(0, s);
                    }
                }
            }
        }
        return y;
    }

    /** Max pool; {@code arg} receives the flat input index of each output's maximum. */
    static double[] pool(double[] x, int c, int[] arg) {
        int h = H / 2;
        double[] y = new double[N * h * h * c];
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < h; j++) {
                    for (int q = 0; q < c; q++) {
                        int best = -1;
                        for (int di = 0; di < 2; di++) {
                            for (int dj = 0; dj < 2; dj++) {
                                int idx = ((n * H + 2 * i + di) * H + 2 * j + dj) * c + q;
                                if (best < 0 || x[idx] > x[best]) {
                                    best = idx;
                                }
                            }
                        }
                        int o = ((n * h + i) * h + j) * c + q;
                        y[o] = x[best];
                        arg[o] = best;
                    }
                }
            }
        }
        return y;
    }

    static double loss(Case t, double[] k1, double[] b1, double[] k2, double[] b2) {
        double[] a1 = conv(t.x, C0, k1, b1, C1);
        double[] a2 = conv(a1, C1, k2, b2, C2);
        double[] out = pool(a2, C2, new int[t.r.length]);
        double l = 0;
        for (int i = 0; i < out.length; i++) {
            l += out[i] * t.r[i];
        }
        return l;
    }

    /** Reference gradients of conv + ReLU: fills dk, db; returns dx (null unless wanted). */
    static double[] convBackward(double[] x, int c, double[] k, double[] y, double[] dy, int co, double[] dk,
            double[] db, boolean wantDx) {
        double[] dx = wantDx ? new double[x.length] : null;
        for (int n = 0; n < N; n++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < H; j++) {
                    for (int o = 0; o < co; o++) {
                        int yi = ((n * H + i) * H + j) * co + o;
                        double d = y[yi] > 0 ? dy[yi] : 0;
                        db[o] += d;
                        for (int di = 0; di < 3; di++) {
                            for (int dj = 0; dj < 3; dj++) {
                                int ii = i + di - 1;
                                int jj = j + dj - 1;
                                if (ii < 0 || jj < 0 || ii >= H || jj >= H) {
                                    continue;
                                }
                                for (int q = 0; q < c; q++) {
                                    int xi = ((n * H + ii) * H + jj) * c + q;
                                    int ki = ((di * 3 + dj) * c + q) * co + o;
                                    dk[ki] += x[xi] * d;
                                    if (wantDx) {
                                        dx[xi] += k[ki] * d;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    static Map<String, double[]> referenceGradients(Case t) {
        double[] a1 = conv(t.x, C0, t.k1, t.b1, C1);
        double[] a2 = conv(a1, C1, t.k2, t.b2, C2);
        int[] arg = new int[t.r.length];
        pool(a2, C2, arg);
        double[] da2 = new double[a2.length];
        for (int i = 0; i < arg.length; i++) {
            da2[arg[i]] += t.r[i];
        }
        Map<String, double[]> g = new HashMap<>();
        double[] dk2 = new double[t.k2.length];
        double[] db2 = new double[C2];
        double[] da1 = convBackward(a1, C1, t.k2, a2, da2, C2, dk2, db2, true);
        double[] dk1 = new double[t.k1.length];
        double[] db1 = new double[C1];
        convBackward(t.x, C0, t.k1, a1, da1, C1, dk1, db1, false);
        g.put("c1_kernel", dk1);
        g.put("c1_bias", db1);
        g.put("c2_kernel", dk2);
        g.put("c2_bias", db2);
        return g;
    }

    static INDArray f(double[] a, long... shape) {
        float[] v = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            v[i] = (float) a[i];
        }
        return Nd4j.create(v, shape, 'c');
    }

    static Map<String, INDArray> params(Case t) {
        Map<String, INDArray> p = new HashMap<>();
        p.put("c1_kernel", f(t.k1, 3, 3, C0, C1));
        p.put("c1_bias", f(t.b1, C1));
        p.put("c2_kernel", f(t.k2, 3, 3, C1, C2));
        p.put("c2_bias", f(t.b2, C2));
        return p;
    }

    @Test
    void the_reference_gradients_match_central_finite_differences() {
        Case t = new Case(5);
        Map<String, double[]> g = referenceGradients(t);
        double eps = 1e-6;
        for (int i = 0; i < t.k1.length; i += 7) {
            double[] plus = t.k1.clone();
            double[] minus = t.k1.clone();
            plus[i] += eps;
            minus[i] -= eps;
            double fd = (loss(t, plus, t.b1, t.k2, t.b2) - loss(t, minus, t.b1, t.k2, t.b2)) / (2 * eps);
            assertThat(g.get("c1_kernel")[i]).as("c1_kernel[%d]", i).isCloseTo(fd,
                    org.assertj.core.api.Assertions.within(1e-6 + 1e-5 * Math.abs(fd)));
        }
        for (int i = 0; i < C2; i++) {
            double[] plus = t.b2.clone();
            double[] minus = t.b2.clone();
            plus[i] += eps;
            minus[i] -= eps;
            double fd = (loss(t, t.k1, t.b1, t.k2, plus) - loss(t, t.k1, t.b1, t.k2, minus)) / (2 * eps);
            assertThat(g.get("c2_bias")[i]).as("c2_bias[%d]", i).isCloseTo(fd,
                    org.assertj.core.api.Assertions.within(1e-6 + 1e-5 * Math.abs(fd)));
        }
    }

    /** The libnd4j-ops backend run as SuffixNet runs it on CUDA: forward, then the gradient ops backwards. */
    static Map<String, INDArray> nativeOpsStep(Case t, INDArray[] outHolder) {
        Map<String, INDArray> p = params(t);
        INDArray x = f(t.x, N, H, H, C0);
        INDArray a1 = org.nd4j.linalg.ops.transforms.Transforms.relu(
                NativeOps.conv2d(x, p.get("c1_kernel"), p.get("c1_bias")), false);
        INDArray a2 = org.nd4j.linalg.ops.transforms.Transforms.relu(
                NativeOps.conv2d(a1, p.get("c2_kernel"), p.get("c2_bias")), false);
        outHolder[0] = NativeOps.maxPool(a2);
        INDArray da2 = NativeOps.maxPoolBackward(a2, f(t.r, N, H / 2, H / 2, C2));
        INDArray[] g2 = NativeOps.conv2dBackward(a1, p.get("c2_kernel"), p.get("c2_bias"),
                da2.mul(a2.gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)));
        INDArray[] g1 = NativeOps.conv2dBackward(x, p.get("c1_kernel"), p.get("c1_bias"),
                g2[0].mul(a1.gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)));
        return Map.of("c1_kernel", g1[1], "c1_bias", g1[2], "c2_kernel", g2[1], "c2_bias", g2[2]);
    }

    @Test
    void both_backends_forward_and_gradients_equal_the_double_reference() {
        for (long seed : new long[] {5, 6}) {
            Case t = new Case(seed);
            DnnlConvStack stack = new DnnlConvStack(LAYERS);
            INDArray dnnlOut = stack.forward(f(t.x, N, H, H, C0), params(t)).dup();
            Map<String, INDArray> dnnlGrads = stack.backward(f(t.r, N, H / 2, H / 2, C2));
            INDArray[] nativeOut = new INDArray[1];
            Map<String, INDArray> nativeGrads = nativeOpsStep(t, nativeOut);
            assertEqualsReference("oneDNN", t, seed, dnnlOut, dnnlGrads);
            assertEqualsReference("libnd4j ops", t, seed, nativeOut[0], nativeGrads);
        }
    }

    /**
     * bf16 as autocast computes it (bf16 activations and kernels, fp32 accumulation, fp32 gradients handed back): the
     * same reference within bf16's rounding (8 significant bits: 2^-8 = 0.4 % per operand) relative to each tensor's
     * largest value, and fp32 gradients of the kernels.
     */
    @Test
    void bf16_forward_and_gradients_equal_the_double_reference_within_bf16_rounding() {
        Assumptions.assumeTrue(Dnnl.bf16Unsupported() == null, "no bf16 on this CPU: " + Dnnl.bf16Unsupported());
        for (long seed : new long[] {5, 6}) {
            Case t = new Case(seed);
            DnnlConvStack stack = new DnnlConvStack(LAYERS, Precision.BF16);
            INDArray out = stack.forward(f(t.x, N, H, H, C0), params(t)).dup();
            Map<String, INDArray> grads = stack.backward(f(t.r, N, H / 2, H / 2, C2));
            assertThat(out.dataType()).isEqualTo(DataType.FLOAT);
            assertThat(grads.get("c1_kernel").dataType()).isEqualTo(DataType.FLOAT);
            assertEqualsReference("oneDNN bf16", t, seed, out, grads, 2e-2);
            // and it is not fp32 in disguise: the outputs differ from the fp32 stack's by more than fp32 rounding
            INDArray fp32 = new DnnlConvStack(LAYERS).forward(f(t.x, N, H, H, C0), params(t));
            assertThat(out.sub(fp32).amaxNumber().doubleValue()).as("bf16 - fp32 output, seed %d", seed)
                    .isGreaterThan(1e-5);
        }
    }

    @Test
    void bf16_is_refused_where_the_cpu_cannot_run_it_and_auto_must_be_resolved() {
        assertThatThrownBy(() -> new DnnlConvStack(LAYERS, Precision.AUTO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTO");
        if (Dnnl.bf16Unsupported() != null) {
            assertThatThrownBy(() -> new DnnlConvStack(LAYERS, Precision.BF16))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("BF16");
        } else {
            assertThat(new DnnlConvStack(LAYERS, Precision.BF16).precision()).isEqualTo(Precision.BF16);
        }
    }

    static void assertEqualsReference(String backend, Case t, long seed, INDArray out, Map<String, INDArray> grads) {
        assertEqualsReference(backend, t, seed, out, grads, 1e-4);
    }

    static void assertEqualsReference(String backend, Case t, long seed, INDArray out, Map<String, INDArray> grads,
            double relative) {
        double[] expectedOut = pool(conv(conv(t.x, C0, t.k1, t.b1, C1), C1, t.k2, t.b2, C2), C2,
                new int[t.r.length]);
        float[] actualOut = out.dup('c').data().asFloat();
        double outScale = 1;
        for (double v : expectedOut) {
            outScale = Math.max(outScale, Math.abs(v));
        }
        for (int i = 0; i < expectedOut.length; i++) {
            assertThat((double) actualOut[i]).as("%s output[%d]", backend, i)
                    .isCloseTo(expectedOut[i], org.assertj.core.api.Assertions.within(relative * outScale));
        }
        Map<String, double[]> expected = referenceGradients(t);
        for (Map.Entry<String, double[]> e : expected.entrySet()) {
            float[] actual = grads.get(e.getKey()).dup('c').data().asFloat();
            double scale = 0;
            for (double v : e.getValue()) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < actual.length; i++) {
                assertThat((double) actual[i]).as("%s %s[%d], seed %d", backend, e.getKey(), i, seed)
                        .isCloseTo(e.getValue()[i], org.assertj.core.api.Assertions.within(relative * scale));
            }
        }
    }

    @Test
    void onednn_forward_matches_finite_differences_of_its_own_loss_in_float() {
        Case t = new Case(9);
        DnnlConvStack stack = new DnnlConvStack(LAYERS);
        Map<String, INDArray> p = params(t);
        INDArray x = f(t.x, N, H, H, C0);
        INDArray r = f(t.r, N, H / 2, H / 2, C2);
        stack.forward(x, p);
        float[] g = stack.backward(r).get("c2_kernel").data().asFloat().clone();
        INDArray k = p.get("c2_kernel");
        float eps = 1e-2f;
        for (int i = 0; i < k.length(); i += 11) {
            float v = k.getFloat(i);
            k.putScalar(i, v + eps);
            double plus = stack.forward(x, p).mul(r).sumNumber().doubleValue();
            k.putScalar(i, v - eps);
            double minus = stack.forward(x, p).mul(r).sumNumber().doubleValue();
            k.putScalar(i, v);
            double fd = (plus - minus) / (2 * eps);
            assertThat((double) g[i]).as("c2_kernel[%d]", i).isCloseTo(fd,
                    org.assertj.core.api.Assertions.within(2e-2 + 1e-2 * Math.abs(fd)));
        }
    }

    @Test
    void a_layer_it_cannot_train_is_named() {
        Layer dense = new Layer("fc1", LayerType.DENSE, new int[] {4}, new int[] {2}, 0, 10);
        assertThatThrownBy(() -> new DnnlConvStack(List.of(dense))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fc1");
    }
}
