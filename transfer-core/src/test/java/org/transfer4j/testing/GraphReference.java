package org.transfer4j.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Weights;

/**
 * A plain-Java, double-precision forward pass of a layer graph, node by node, straight from Keras's definitions
 * (no folding, no fusion): the independent reference the engines are tested against.
 */
public final class GraphReference {
    private GraphReference() {
    }

    /** The tensor {@code cut} for {@code n} NHWC images {@code x}, NHWC (or {@code [n, c]}), in double. */
    public static double[] forward(Graph g, Weights weights, float[] x, int n, String cut) {
        Map<String, double[]> t = new HashMap<>();
        double[] in = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            in[i] = x[i];
        }
        t.put(Graph.INPUT, in);
        run(g, (layer, weight) -> weights.layer(layer).values(weight), t, g.ancestorsOf(cut), n);
        return t.get(cut);
    }

    /**
     * The tensor {@code to} for {@code n} examples of tensor {@code from} (NHWC, double), running the nodes of
     * {@link Graph#between}; {@code params} maps {@code <layer>_<weight>} to Keras-layout values (the form a
     * {@code GraphTrainer} takes).
     */
    public static double[] forward(Graph g, Map<String, float[]> params, String from, double[] x, int n, String to) {
        Map<String, double[]> t = new HashMap<>();
        t.put(from, x);
        run(g, (layer, weight) -> {
            float[] v = params.get(layer + "_" + weight);
            if (v == null) {
                throw new IllegalArgumentException("No weight " + layer + "_" + weight);
            }
            return v;
        }, t, g.between(from, to), n);
        return t.get(to);
    }

    /** Looks a weight up by layer and short name. */
    private interface Lookup {
        float[] values(String layer, String weight);
    }

    private static void run(Graph g, Lookup weights, Map<String, double[]> t, Iterable<Graph.Node> nodes, int n) {
        for (Graph.Node node : nodes) {
            int[] s = g.shape(node.inputs().get(0));
            double[] a = t.get(node.inputs().get(0));
            int[] o = g.shape(node.name());
            double[] y;
            Op op = node.op();
            if (op instanceof Op.Conv2D c) {
                String l = node.name();
                y = conv(a, n, s, o, weights.values(l, "kernel"), c.useBias() ? weights.values(l, "bias") : null, c.kernel(),
                        c.stride(), c.padding().before(s[0], c.kernel(), c.stride()),
                        c.padding().before(s[1], c.kernel(), c.stride()), false);
                act(y, c.activation());
            } else if (op instanceof Op.DepthwiseConv2D d) {
                String l = node.name();
                y = conv(a, n, s, o, weights.values(l, "depthwise_kernel"), d.useBias() ? weights.values(l, "bias")
                        : null, d.kernel(),
                        d.stride(), d.padding().before(s[0], d.kernel(), d.stride()),
                        d.padding().before(s[1], d.kernel(), d.stride()), true);
                act(y, d.activation());
            } else if (op instanceof Op.BatchNormalization bn) {
                String l = node.name();
                float[] mean = weights.values(l, "moving_mean");
                float[] var = weights.values(l, "moving_variance");
                float[] gamma = weights.values(l, "gamma");
                float[] beta = weights.values(l, "beta");
                int c = s[2];
                y = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    int ch = i % c;
                    y[i] = (a[i] - mean[ch]) / Math.sqrt(var[ch] + bn.epsilon()) * gamma[ch] + beta[ch];
                }
            } else if (op instanceof Op.Relu r) {
                y = a.clone();
                act(y, r.activation());
            } else if (op instanceof Op.MaxPooling2D p) {
                int pt = p.padding().before(s[0], p.pool(), p.stride());
                int pl = p.padding().before(s[1], p.pool(), p.stride());
                y = new double[n * o[0] * o[1] * o[2]];
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < o[0]; i++) {
                        for (int j = 0; j < o[1]; j++) {
                            for (int c = 0; c < o[2]; c++) {
                                double m = Double.NEGATIVE_INFINITY;
                                for (int di = 0; di < p.pool(); di++) {
                                    for (int dj = 0; dj < p.pool(); dj++) {
                                        int ii = i * p.stride() + di - pt;
                                        int jj = j * p.stride() + dj - pl;
                                        if (ii >= 0 && ii < s[0] && jj >= 0 && jj < s[1]) {
                                            m = Math.max(m, a[((b * s[0] + ii) * s[1] + jj) * s[2] + c]);
                                        }
                                    }
                                }
                                y[((b * o[0] + i) * o[1] + j) * o[2] + c] = m;
                            }
                        }
                    }
                }
            } else if (op instanceof Op.ZeroPadding2D z) {
                y = new double[n * o[0] * o[1] * o[2]];
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < s[0]; i++) {
                        for (int j = 0; j < s[1]; j++) {
                            System.arraycopy(a, ((b * s[0] + i) * s[1] + j) * s[2], y,
                                    ((b * o[0] + i + z.top()) * o[1] + j + z.left()) * o[2], s[2]);
                        }
                    }
                }
            } else if (op instanceof Op.Add) {
                double[] b2 = t.get(node.inputs().get(1));
                y = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    y[i] = a[i] + b2[i];
                }
            } else if (op instanceof Op.GlobalAveragePooling2D) {
                y = new double[n * s[2]];
                int hw = s[0] * s[1];
                for (int b = 0; b < n; b++) {
                    for (int p = 0; p < hw; p++) {
                        for (int c = 0; c < s[2]; c++) {
                            y[b * s[2] + c] += a[(b * hw + p) * s[2] + c] / hw;
                        }
                    }
                }
            } else if (op instanceof Op.Flatten) {
                y = a.clone();
            } else {
                throw new IllegalArgumentException("No reference for " + op);
            }
            t.put(node.name(), y);
        }
    }

    private static void act(double[] y, Activation a) {
        for (int i = 0; i < y.length; i++) {
            y[i] = a.apply(y[i]);
        }
    }

    private static double[] conv(double[] a, int n, int[] s, int[] o, float[] k, float[] bias, int ks, int stride,
            int pt, int pl, boolean depthwise) {
        double[] y = new double[n * o[0] * o[1] * o[2]];
        int cin = s[2];
        int cout = o[2];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < o[0]; i++) {
                for (int j = 0; j < o[1]; j++) {
                    int base = ((b * o[0] + i) * o[1] + j) * cout;
                    for (int co = 0; co < cout; co++) {
                        y[base + co] = bias == null ? 0 : bias[co];
                    }
                    for (int di = 0; di < ks; di++) {
                        int ii = i * stride + di - pt;
                        if (ii < 0 || ii >= s[0]) {
                            continue;
                        }
                        for (int dj = 0; dj < ks; dj++) {
                            int jj = j * stride + dj - pl;
                            if (jj < 0 || jj >= s[1]) {
                                continue;
                            }
                            int src = ((b * s[0] + ii) * s[1] + jj) * cin;
                            if (depthwise) {
                                for (int c = 0; c < cin; c++) {
                                    y[base + c] += a[src + c] * k[(di * ks + dj) * cin + c];
                                }
                            } else {
                                for (int ci = 0; ci < cin; ci++) {
                                    double v = a[src + ci];
                                    int kb = ((di * ks + dj) * cin + ci) * cout;
                                    for (int co = 0; co < cout; co++) {
                                        y[base + co] += v * k[kb + co];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /**
     * Arrays for every weight of {@code layers} by full Keras name, with non-trivial BatchNormalization statistics
     * (gamma in [0.5, 1.5], beta and mean in [-0.2, 0.2], variance in [0.5, 1.5]) and small biases, for
     * {@code WeightsSource.ofKerasArrays}.
     */
    public static Map<String, float[]> randomKerasArrays(Iterable<Layer> layers, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> m = new HashMap<>();
        for (Layer l : layers) {
            for (Layer.Weight w : l.weights()) {
                int[] s = w.shape();
                float[] v = new float[Math.toIntExact(w.size())];
                double fanIn = s.length < 4 ? 1 : w.name().equals("kernel") ? s[0] * s[1] * s[2] : s[0] * s[1];
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (w.name()) {
                        case "kernel", "depthwise_kernel" -> (float) (r.nextGaussian() * Math.sqrt(2 / fanIn));
                        case "gamma", "moving_variance" -> 0.5f + r.nextFloat();
                        default -> (r.nextFloat() - 0.5f) * 0.4f;
                    };
                }
                m.put(l.name() + "/" + w.name() + ":0", v);
            }
        }
        return m;
    }
}
