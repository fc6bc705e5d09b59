package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.GraphBuilder;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.internal.graph.Padding;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.GraphReference;

/**
 * {@link Nd4jGraphTrainer} per op on tiny graphs (odd and even sizes, batch 2–3, stride 2, valid/same, ReLU6 with
 * values above 6): the loss is {@code sum(R * output)} for a random {@code R}; every weight gradient of the trainable
 * layers and the input gradient equal central finite differences of the double-precision {@link GraphReference}
 * forward within 1e-3 of the largest value of each gradient array.
 */
class Nd4jGraphTrainerTest {
    private static final double TOLERANCE = 1e-3;
    /** Checked elements per array: all of a small array, a random sample of a large one. */
    private static final int CHECKED = 48;
    /**
     * Finite-difference step, relative to the value (the step actually taken in float is what divides). The loss is
     * piecewise linear in each single value, so the differences are exact unless a ReLU or max-pool kink lies within
     * the step: small enough to make that rare, large enough for double-precision losses.
     */
    private static final double EPSILON = 1e-4;

    @Test
    void conv2d_same_stride_2_asymmetric_valid_relu6_and_no_bias() throws Exception {
        GraphBuilder b = new GraphBuilder("conv", 8, 11, 3); // SAME/2: rows padded 0 before, 1 after; columns 1, 1
        String x = b.conv("c_same2", b.input(), 4, 3, 2, Padding.SAME, true, Activation.NONE);
        x = b.conv("c_valid_relu6", x, 5, 3, 1, Padding.VALID, true, Activation.RELU6);
        x = b.conv("c_1x1_s2", x, 3, 1, 2, Padding.VALID, false, Activation.RELU);
        check(b.build(), 2, 4.0, Set.of("c_same2", "c_valid_relu6", "c_1x1_s2"), 1);
    }

    @Test
    void conv2d_seven_by_seven_stride_2_same_on_odd_sizes() throws Exception {
        GraphBuilder b = new GraphBuilder("conv7", 9, 10, 2);
        String x = b.conv("c7", b.input(), 3, 7, 2, Padding.SAME, true, Activation.NONE);
        b.conv("c3", x, 2, 3, 1, Padding.SAME, true, Activation.RELU);
        check(b.build(), 3, 1.0, Set.of("c7", "c3"), 2);
    }

    @Test
    void depthwise_conv2d_same_valid_after_correct_pad_stride_2_and_relu6() throws Exception {
        GraphBuilder b = new GraphBuilder("depthwise", 8, 9, 4);
        String x = b.depthwise("dw_same", b.input(), 3, 1, Padding.SAME, true);
        int[] s = b.shape(x);
        x = b.zeroPad("dw_pad", x, s[0] % 2, 1, s[1] % 2, 1); // Keras's correct_pad
        x = b.depthwise("dw_s2", x, 3, 2, Padding.VALID, false);
        x = b.add("dw_relu6", new Op.DepthwiseConv2D(3, 2, Padding.SAME, true, Activation.RELU6), x);
        check(b.build(), 2, 5.0, Set.of("dw_same", "dw_s2", "dw_relu6"), 3);
    }

    @Test
    void batch_norm_in_inference_mode_trains_gamma_and_beta_only() throws Exception {
        GraphBuilder b = new GraphBuilder("bn", 5, 7, 3);
        String x = b.batchNorm("bn_first", b.input(), 1e-3);
        x = b.conv("c", x, 4, 3, 1, Padding.SAME, false, Activation.NONE);
        x = b.batchNorm("bn_after_conv", x, 1.001e-5);
        b.relu("relu", x, Activation.RELU);
        Map<String, INDArray> grads = check(b.build(), 3, 1.0, Set.of("bn_first", "c", "bn_after_conv"), 4);
        assertThat(grads).containsOnlyKeys(Graph.INPUT, "bn_first_gamma", "bn_first_beta", "c_kernel",
                "bn_after_conv_gamma", "bn_after_conv_beta");
    }

    @Test
    void relu_and_relu6_layers_pass_the_gradient_only_inside_their_range() throws Exception {
        GraphBuilder b = new GraphBuilder("relu", 5, 6, 3);
        String x = b.conv("c", b.input(), 4, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.relu("relu6", x, Activation.RELU6);
        x = b.conv("c2", x, 3, 1, 1, Padding.VALID, true, Activation.NONE);
        b.relu("relu", x, Activation.RELU);
        Map<String, INDArray> grads = check(b.build(), 2, 6.0, Set.of("c", "c2"), 5);
        assertThat(grads.get(Graph.INPUT).amaxNumber().doubleValue()).isPositive();
    }

    @Test
    void max_pooling_valid_after_zero_padding_and_same_on_odd_sizes() throws Exception {
        GraphBuilder b = new GraphBuilder("pool", 9, 8, 3);
        String x = b.conv("c", b.input(), 4, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.zeroPad("pool_pad", x, 1, 1, 1, 1);
        x = b.maxPool("pool_valid", x, 3, 2, Padding.VALID);
        x = b.conv("c2", x, 3, 1, 1, Padding.VALID, true, Activation.NONE);
        b.maxPool("pool_same", x, 2, 2, Padding.SAME); // 5x4 -> 3x2: the last row is a window of one row
        check(b.build(), 3, 1.0, Set.of("c", "c2"), 6);
    }

    @Test
    void residual_block_with_a_tensor_read_twice_zero_padding_crop_and_global_pool() throws Exception {
        GraphBuilder b = new GraphBuilder("residual", 7, 9, 3);
        String x = b.zeroPad("pad", b.input(), 2, 0, 1, 3);
        x = b.conv("stem", x, 4, 3, 2, Padding.VALID, true, Activation.NONE);
        x = b.relu("stem_relu", x, Activation.RELU);
        String y = b.conv("a1", x, 4, 1, 1, Padding.VALID, true, Activation.NONE);
        y = b.batchNorm("a1_bn", y, 1.001e-5);
        y = b.relu("a1_relu", y, Activation.RELU);
        y = b.conv("a2", y, 4, 3, 1, Padding.SAME, true, Activation.NONE);
        String sum = b.sum("add", x, y);
        sum = b.relu("out", sum, Activation.RELU);
        b.add("gap", new Op.GlobalAveragePooling2D(), sum);
        check(b.build(), 2, 1.0, Set.of("stem", "a1", "a1_bn", "a2"), 7);
    }

    @Test
    void flatten_reshapes_the_gradient_back() throws Exception {
        GraphBuilder b = new GraphBuilder("flatten", 4, 5, 2);
        String x = b.conv("c", b.input(), 3, 3, 2, Padding.SAME, true, Activation.RELU);
        b.add("flat", new Op.Flatten(), x);
        check(b.build(), 2, 1.0, Set.of("c"), 8);
    }

    @Test
    void frozen_layers_get_no_weight_gradients_and_nothing_upstream_of_the_first_trainable_one_is_differentiated()
            throws Exception {
        Graph g = DnnlGraphTest.everyOp(33, 37);
        Map<String, INDArray> params = params(g, randomWeights(g, 9));
        Nd4jGraphTrainer t = new Nd4jGraphTrainer(g, Graph.INPUT, "gap", Set.of("proj_bn", "fused"), Set.of("dw_relu"));
        INDArray out = t.forward(input(g, Graph.INPUT, 2, 1.0, 10), params);
        Map<String, INDArray> grads = t.backward(Nd4j.onesLike(out));
        assertThat(grads).containsOnlyKeys("proj_bn_gamma", "proj_bn_beta", "fused_kernel", "fused_bias", "dw_relu");
        int[] s = g.shape("dw_relu");
        assertThat(grads.get("dw_relu").shape()).containsExactly(2, s[0], s[1], s[2]);
        assertThat(t.activation("dw_relu").shape()).containsExactly(2, s[0], s[1], s[2]);
        assertThatThrownBy(() -> t.activation("dw")).hasMessageContaining("not one of the gradient tensors");
    }

    @Test
    void every_op_graph_forward_equals_the_reference_at_every_cut() throws Exception {
        Graph g = DnnlGraphTest.everyOp(37, 33);
        Map<String, float[]> w = randomWeights(g, 11);
        Weights weights = weights(g, w);
        INDArray x = input(g, Graph.INPUT, 2, 1.0, 12);
        for (String cut : g.names()) {
            Nd4jGraphTrainer t = new Nd4jGraphTrainer(g, Graph.INPUT, cut, Set.of(), Set.of());
            float[] got = t.forward(x, params(g, w)).data().asFloat();
            double[] want = GraphReference.forward(g, weights, x.data().asFloat(), 2, cut);
            assertThat(maxError(got, want) / maxAbs(want)).as("at %s", cut).isLessThan(1e-5);
        }
    }

    @Test
    void a_part_starting_inside_the_graph_gives_the_gradients_of_the_whole_graph_for_its_layers() throws Exception {
        Graph g = DnnlGraphTest.everyOp(33, 37);
        Map<String, INDArray> params = params(g, randomWeights(g, 13));
        String from = g.entryOf("a2");
        assertThat(from).isEqualTo("pool");
        Set<String> trainable = Set.of("a1", "a1_bn", "a2", "short", "dw", "late_bn");
        Nd4jGraphTrainer whole = new Nd4jGraphTrainer(g, Graph.INPUT, "gap", trainable, Set.of(from));
        INDArray out = whole.forward(input(g, Graph.INPUT, 2, 1.0, 14), params);
        INDArray r = Nd4j.rand(out.dataType(), out.shape()).subi(0.5);
        Map<String, INDArray> want = whole.backward(r);

        Nd4jGraphTrainer part = new Nd4jGraphTrainer(g, from, "gap", trainable, Set.of(from));
        INDArray partOut = part.forward(whole.activation(from), params);
        assertThat(partOut.data().asFloat()).isEqualTo(out.data().asFloat());
        Map<String, INDArray> got = part.backward(r);
        assertThat(got.keySet()).isEqualTo(want.keySet());
        for (String k : want.keySet()) {
            assertThat(got.get(k).data().asFloat()).as(k).isEqualTo(want.get(k).data().asFloat());
        }
    }

    @Test
    void bad_parts_weights_and_inputs_are_refused_naming_what_is_wrong() throws Exception {
        Graph g = DnnlGraphTest.everyOp(33, 37);
        assertThatThrownBy(() -> new Nd4jGraphTrainer(g, "a1_relu", "add1", Set.of(), Set.of()))
                .hasMessageContaining("Layer add1 reads short_bn").hasMessageContaining("entryOf");
        assertThatThrownBy(() -> new Nd4jGraphTrainer(g, "pool", "gap", Set.of("c0"), Set.of()))
                .hasMessageContaining("Trainable layer c0 is not between pool and gap");
        assertThatThrownBy(() -> new Nd4jGraphTrainer(g, "pool", "gap", Set.of(), Set.of("c0_relu")))
                .hasMessageContaining("Gradient tensor c0_relu");
        Nd4jGraphTrainer t = new Nd4jGraphTrainer(g, Graph.INPUT, "gap", Set.of("a2"), Set.of());
        assertThatThrownBy(() -> t.backward(Nd4j.zeros(2, 1, 1, 12)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before any forward");
        Map<String, INDArray> params = params(g, randomWeights(g, 15));
        INDArray x = input(g, Graph.INPUT, 2, 1.0, 16);
        Map<String, INDArray> missing = new HashMap<>(params);
        missing.remove("a2_bn_moving_variance");
        assertThatThrownBy(() -> t.forward(x, missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Missing weight a2_bn_moving_variance [16]");
        Map<String, INDArray> misshapen = new HashMap<>(params);
        misshapen.put("a2_kernel", Nd4j.zeros(3, 3, 8, 15));
        assertThatThrownBy(() -> t.forward(x, misshapen)).hasMessageContaining("Weight a2_kernel must be FLOAT [3, 3, 8, 16]");
        assertThatThrownBy(() -> t.forward(Nd4j.zeros(2, 33, 36, 3), params))
                .hasMessageContaining("Input input_1 of every_op must be FLOAT [2, 33, 37, 3]");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Runs the whole graph {@code g} on the trainer with {@code trainable} layers and the input's gradient, checks the
     * output against the reference and every gradient against finite differences; returns the gradients.
     */
    private static Map<String, INDArray> check(Graph g, int n, double inputScale, Set<String> trainable, long seed)
            throws Exception {
        String to = g.names().get(g.names().size() - 1);
        Map<String, float[]> w = randomWeights(g, seed);
        INDArray xArray = input(g, Graph.INPUT, n, inputScale, seed + 100);
        float[] x = xArray.data().asFloat();
        Nd4jGraphTrainer trainer = new Nd4jGraphTrainer(g, Graph.INPUT, to, trainable, Set.of(Graph.INPUT));
        INDArray out = trainer.forward(xArray, params(g, w));
        Weights weights = weights(g, w);
        double[] want = GraphReference.forward(g, weights, x, n, to);
        float[] got = out.data().asFloat();
        assertThat(maxError(got, want) / maxAbs(want)).as("forward of %s", to).isLessThan(1e-5);
        for (Graph.Node node : g.nodes()) {
            boolean relu6 = node.op() instanceof Op.Relu r6 && r6.activation() == Activation.RELU6
                    || node.op() instanceof Op.Conv2D c && c.activation() == Activation.RELU6
                    || node.op() instanceof Op.DepthwiseConv2D d && d.activation() == Activation.RELU6;
            if (relu6) {
                double[] y = GraphReference.forward(g, weights, x, n, node.name());
                assertThat(Arrays.stream(y).filter(v -> v == 6).count()).as("values clipped at 6 by %s", node.name())
                        .isPositive();
            }
        }

        Random random = new Random(seed + 200);
        double[] r = new double[want.length];
        float[] rf = new float[want.length];
        for (int i = 0; i < r.length; i++) {
            rf[i] = (float) random.nextGaussian();
            r[i] = rf[i];
        }
        Map<String, INDArray> grads = trainer.backward(Nd4j.create(rf, out.shape(), 'c'));

        Set<String> expected = new TreeSet<>();
        expected.add(Graph.INPUT);
        for (Graph.Node node : g.nodes()) {
            if (trainable.contains(node.name())) {
                for (String wn : g.weightShapes(node).keySet()) {
                    if (!node.op().nonTrainable().contains(wn)) {
                        expected.add(node.name() + "_" + wn);
                    }
                }
            }
        }
        assertThat(new TreeSet<>(grads.keySet())).isEqualTo(expected);
        for (String key : expected) {
            float[] values = key.equals(Graph.INPUT) ? x : w.get(key);
            float[] analytic = grads.get(key).data().asFloat();
            assertThat(analytic).as(key).hasSize(values.length);
            double[] numeric = new double[values.length];
            double largest = 0;
            Random pick = new Random(seed + key.hashCode());
            boolean all = values.length <= CHECKED;
            boolean[] checked = new boolean[values.length];
            for (int k = 0; k < (all ? values.length : CHECKED); k++) {
                int i = all ? k : pick.nextInt(values.length);
                checked[i] = true;
                float saved = values[i];
                double eps = EPSILON * Math.max(1, Math.abs(saved));
                values[i] = (float) (saved + eps);
                double up = values[i];
                double lossUp = loss(g, weights, x, n, to, r);
                values[i] = (float) (saved - eps);
                double down = values[i];
                double lossDown = loss(g, weights, x, n, to, r);
                values[i] = saved;
                numeric[i] = (lossUp - lossDown) / (up - down);
            }
            for (int i = 0; i < values.length; i++) {
                largest = Math.max(largest, Math.abs(checked[i] ? numeric[i] : analytic[i]));
            }
            assertThat(largest).as("%s has a non-zero gradient", key).isPositive();
            for (int i = 0; i < values.length; i++) {
                if (checked[i]) {
                    assertThat(Math.abs(analytic[i] - numeric[i]) / largest)
                            .as("%s[%d]: analytic %s, finite differences %s", key, i, analytic[i], numeric[i])
                            .isLessThanOrEqualTo(TOLERANCE);
                }
            }
        }
        return grads;
    }

    private static double loss(Graph g, Weights w, float[] x, int n, String to, double[] r) {
        double[] y = GraphReference.forward(g, w, x, n, to);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += r[i] * y[i];
        }
        return s;
    }

    /** Random weights by {@code <layer>_<weight>} (the trainer's names), BN statistics non-trivial. */
    static Map<String, float[]> randomWeights(Graph g, long seed) {
        Map<String, float[]> keras = GraphReference.randomKerasArrays(g.layers(), seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Layer l : g.layers()) {
            for (Layer.Weight wt : l.weights()) {
                out.put(l.name() + "_" + wt.name(), keras.get(l.name() + "/" + wt.name() + ":0"));
            }
        }
        return out;
    }

    /** The same arrays (shared, so a test may perturb them) as the reference's {@link Weights}. */
    static Weights weights(Graph g, Map<String, float[]> w) throws Exception {
        Map<String, LayerWeights> byLayer = new HashMap<>();
        for (Graph.Node node : g.nodes()) {
            Map<String, int[]> shapes = g.weightShapes(node);
            if (shapes.isEmpty()) {
                continue;
            }
            LayerWeights.Builder b = LayerWeights.builder();
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                b.put(e.getKey(), Arrays.stream(e.getValue()).asLongStream().toArray(),
                        w.get(node.name() + "_" + e.getKey()));
            }
            byLayer.put(node.name(), b.build());
        }
        return Weights.of(g.layers(), byLayer, "test", "test weights");
    }

    static Map<String, INDArray> params(Graph g, Map<String, float[]> w) {
        Map<String, INDArray> out = new HashMap<>();
        for (Graph.Node node : g.nodes()) {
            for (Map.Entry<String, int[]> e : g.weightShapes(node).entrySet()) {
                String key = node.name() + "_" + e.getKey();
                out.put(key, Nd4j.create(w.get(key), Arrays.stream(e.getValue()).asLongStream().toArray(),
                        'c'));
            }
        }
        return out;
    }

    static INDArray input(Graph g, String tensor, int n, double scale, long seed) {
        int[] s = g.shape(tensor);
        Random r = new Random(seed);
        float[] x = new float[n * s[0] * s[1] * s[2]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return Nd4j.create(x, new long[] {n, s[0], s[1], s[2]}, 'c');
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    static double maxError(float[] got, double[] want) {
        assertThat(got).hasSize(want.length);
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            m = Math.max(m, Math.abs(got[i] - want[i]));
        }
        return m;
    }
}
