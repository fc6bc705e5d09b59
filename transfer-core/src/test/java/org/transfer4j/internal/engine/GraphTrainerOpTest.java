package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.GraphBuilder;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.internal.graph.Padding;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.testing.GraphReference;

/**
 * The op tests every {@link GraphTrainer} backend passes: one small graph per op (odd sizes, strides, "same" and
 * "valid", ReLU6 above 6), whose loss is {@code sum(R * output)} for a random {@code R}. The backend's gradients of
 * every trainable weight and of the input are compared with central finite differences of the double-precision
 * reference forward pass ({@link GraphReference}, plain Java from Keras's definitions), and its forward values with
 * that reference. Subclasses name the backend.
 */
abstract class GraphTrainerOpTest {
    /** Relative error allowed between an fp32 gradient and double-precision finite differences. */
    static final double GRADIENT_TOLERANCE = 1e-3;
    /** Weight entries (and input entries) checked by finite differences per array. */
    static final int SAMPLES = 8;

    /** The backend under test, fp32. */
    protected abstract GraphTrainer create(Graph g, String from, String to, Set<String> trainable,
            Set<String> gradientTensors);

    // ---------------------------------------------------------------------------------------------- one op each

    @Test
    void conv_same_stride_1_with_bias_and_relu() {
        GraphBuilder b = new GraphBuilder("conv_same", 7, 9, 3);
        b.conv("c", b.input(), 5, 3, 1, Padding.SAME, true, Activation.RELU);
        check(b.build(), 2, 1.0);
    }

    @Test
    void conv_valid_stride_2_without_bias_and_relu6_above_6() {
        GraphBuilder b = new GraphBuilder("conv_valid", 9, 8, 4);
        b.conv("c", b.input(), 6, 3, 2, Padding.VALID, false, Activation.RELU6);
        check(b.build(), 3, 4.0);
    }

    @Test
    void conv_same_stride_2_pads_the_odd_pixel_at_the_end() {
        GraphBuilder b = new GraphBuilder("conv_same_s2", 8, 7, 3);
        b.conv("c", b.input(), 4, 3, 2, Padding.SAME, true, Activation.NONE);
        b.conv("one", "c", 6, 1, 2, Padding.VALID, true, Activation.NONE); // ResNet's strided 1x1
        check(b.build(), 2, 1.0);
    }

    @Test
    void zero_padding_then_valid_conv_and_a_padding_no_conv_reads() {
        GraphBuilder b = new GraphBuilder("pad", 8, 9, 3);
        String x = b.zeroPad("pad", b.input(), 3, 3, 3, 3); // ResNet's conv1_pad
        x = b.conv("c", x, 4, 7, 2, Padding.VALID, true, Activation.NONE);
        b.zeroPad("tail_pad", x, 1, 0, 0, 1);
        check(b.build(), 2, 1.0);
    }

    @Test
    void depthwise_stride_1_same_with_relu6() {
        GraphBuilder b = new GraphBuilder("dw_same", 7, 6, 5);
        String x = b.depthwise("dw", b.input(), 3, 1, Padding.SAME, false);
        b.relu("dw_relu", x, Activation.RELU6);
        check(b.build(), 2, 4.0);
    }

    @Test
    void depthwise_stride_2_after_keras_correct_pad() {
        GraphBuilder b = new GraphBuilder("dw_s2", 9, 8, 4);
        // MobileNetV2's correct_pad for a 3x3 stride-2 depthwise convolution: (0, 1) on odd sizes, (1, 1) on even
        String x = b.zeroPad("dw_pad", b.input(), 0, 1, 1, 1);
        x = b.depthwise("dw", x, 3, 2, Padding.VALID, true);
        check(b.build(), 3, 1.0);
    }

    @Test
    void batch_normalization_in_inference_mode_trains_gamma_and_beta_only() {
        GraphBuilder b = new GraphBuilder("bn", 5, 6, 7);
        String x = b.conv("c", b.input(), 6, 1, 1, Padding.VALID, false, Activation.NONE);
        b.batchNorm("c_bn", x, 1.001e-5);
        Graph g = b.build();
        Map<String, INDArray> grads = check(g, 3, 1.0);
        assertThat(grads).containsKeys("c_bn_gamma", "c_bn_beta", "c_kernel")
                .doesNotContainKeys("c_bn_moving_mean", "c_bn_moving_variance");
    }

    @Test
    void batch_normalization_alone_after_an_activation() {
        GraphBuilder b = new GraphBuilder("late_bn", 5, 5, 4);
        String x = b.conv("c", b.input(), 4, 3, 1, Padding.SAME, true, Activation.RELU6);
        b.batchNorm("late_bn", x, 1e-3);
        check(b.build(), 2, 3.0);
    }

    @Test
    void relu_and_relu6_layers() {
        GraphBuilder b = new GraphBuilder("relus", 5, 4, 3);
        String x = b.conv("c", b.input(), 5, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.relu("r6", x, Activation.RELU6);
        x = b.conv("c2", x, 4, 1, 1, Padding.VALID, true, Activation.NONE);
        b.relu("r", x, Activation.RELU);
        check(b.build(), 2, 4.0);
    }

    @Test
    void max_pools_valid_after_padding_and_same() {
        GraphBuilder b = new GraphBuilder("pools", 11, 10, 3);
        String x = b.conv("c", b.input(), 4, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.zeroPad("pool_pad", x, 1, 1, 1, 1); // ResNet's pool1: pad 1, 3x3 stride 2 valid
        x = b.maxPool("pool", x, 3, 2, Padding.VALID);
        x = b.conv("c2", x, 5, 3, 1, Padding.SAME, true, Activation.RELU);
        b.maxPool("pool_same", x, 2, 2, Padding.SAME);
        check(b.build(), 2, 1.0);
    }

    @Test
    void add_of_a_tensor_read_twice_sums_both_gradients() {
        GraphBuilder b = new GraphBuilder("identity_block", 6, 7, 4);
        String x = b.conv("c0", b.input(), 6, 1, 1, Padding.VALID, true, Activation.RELU);
        String y = b.conv("c1", x, 6, 3, 1, Padding.SAME, false, Activation.NONE);
        y = b.batchNorm("c1_bn", y, 1.001e-5);
        String s = b.sum("add", x, y);
        b.relu("out", s, Activation.RELU);
        check(b.build(), 2, 1.0);
    }

    @Test
    void global_average_pooling() {
        GraphBuilder b = new GraphBuilder("gap", 5, 7, 3);
        String x = b.conv("c", b.input(), 6, 3, 2, Padding.SAME, true, Activation.RELU);
        b.add("avg_pool", new Op.GlobalAveragePooling2D(), x);
        check(b.build(), 3, 1.0);
    }

    @Test
    void every_op_in_one_graph() {
        check(DnnlGraphTest.everyOp(19, 17), 2, 1.0);
    }

    // ---------------------------------------------------------------------------------------------- the contract

    @Test
    void frozen_layers_before_the_freeze_point_get_no_gradients() {
        Graph g = projectionBlock();
        Set<String> trainable = Set.of("a2", "a2_bn", "out_conv");
        Map<String, INDArray> grads = check(g, Graph.INPUT, "out_conv", trainable, Set.of(), 2, 1.0);
        assertThat(grads.keySet()).containsExactlyInAnyOrder("a2_kernel", "a2_bias", "a2_bn_gamma", "a2_bn_beta",
                "out_conv_kernel", "out_conv_bias");
    }

    @Test
    void a_part_entering_a_residual_block_from_its_input() {
        Graph g = projectionBlock();
        // a cut at a2 inside the block: the part starts at the block's input and runs the first layers frozen
        String from = g.entryOf("a2");
        assertThat(from).isEqualTo("stem_relu");
        Set<String> trainable = Set.of("a2", "a2_bn", "add", "out", "out_conv");
        Map<String, INDArray> grads = check(g, from, "out_conv", trainable, Set.of(from), 3, 1.0);
        assertThat(grads).containsKeys("a2_kernel", "out_conv_bias", from).doesNotContainKeys("a1_kernel",
                "short_kernel");
    }

    @Test
    void an_inner_tensor_s_activation_and_gradient_equal_a_part_starting_there() {
        GraphBuilder b = new GraphBuilder("chain", 6, 5, 3);
        String t = b.conv("c0", b.input(), 4, 3, 1, Padding.SAME, true, Activation.RELU);
        String u = b.conv("c1", t, 5, 3, 2, Padding.SAME, true, Activation.RELU6);
        b.depthwise("dw", u, 3, 1, Padding.SAME, true);
        Graph chain = b.build();
        int n = 2;
        Map<String, float[]> arrays = GraphReference.randomKerasArrays(chain.layers(), 14);
        float[] x = input(chain, n, 15, 3.0);
        float[] r = input(chain.shape("dw"), n, 16);
        try (GraphTrainer whole = create(chain, Graph.INPUT, "dw", Set.of(), Set.of("c0"));
                GraphTrainer tail = create(chain, "c0", "dw", Set.of(), Set.of("c0"))) {
            whole.forward(array(x, n, chain.inputShape()), params(chain, arrays));
            INDArray c0 = whole.activation("c0").dup();
            assertClose(toFloat(c0), GraphReference.forward(chain, weights(chain, arrays), x, n, "c0"), 1e-4,
                    "activation of c0");
            INDArray fromWhole = whole.backward(array(r, n, chain.shape("dw"))).get("c0").dup();
            tail.forward(c0, params(chain, arrays));
            INDArray fromTail = tail.backward(array(r, n, chain.shape("dw"))).get("c0");
            assertThat(norm(toFloat(fromWhole))).isPositive();
            assertClose(toFloat(fromWhole), toDouble(toFloat(fromTail)), 1e-5, "gradient at c0");
        }
    }

    @Test
    void two_backward_passes_after_one_forward_each_give_their_own_gradients() {
        Graph g = projectionBlock();
        int n = 2;
        Map<String, float[]> arrays = GraphReference.randomKerasArrays(g.layers(), 31);
        float[] x = input(g, n, 32, 1.0);
        float[] r1 = input(g.shape("out_conv"), n, 33);
        float[] r2 = input(g.shape("out_conv"), n, 34);
        Set<String> all = Set.copyOf(g.names());
        try (GraphTrainer t = create(g, Graph.INPUT, "out_conv", all, Set.of(Graph.INPUT, "a1_relu"))) {
            t.forward(array(x, n, g.inputShape()), params(g, arrays));
            Map<String, INDArray> first = copy(t.backward(array(r1, n, g.shape("out_conv"))));
            Map<String, INDArray> second = copy(t.backward(array(r2, n, g.shape("out_conv"))));
            checkGradients(g, Graph.INPUT, "out_conv", arrays, x, r1, n, first, all, Set.of(Graph.INPUT, "a1_relu"));
            checkGradients(g, Graph.INPUT, "out_conv", arrays, x, r2, n, second, all, Set.of(Graph.INPUT, "a1_relu"));
            assertClose(toFloat(t.activation("a1_relu")),
                    GraphReference.forward(g, weights(g, arrays), x, n, "a1_relu"), 1e-4, "activation of a1_relu");
        }
    }

    @Test
    void a_part_reading_a_tensor_from_before_its_start_is_refused_naming_it() {
        Graph g = projectionBlock();
        assertThatThrownBy(() -> create(g, "a1_relu", "out_conv", Set.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short_bn");
    }

    @Test
    void batch_size_and_weights_change_between_steps() {
        Graph g = projectionBlock();
        Set<String> all = Set.copyOf(g.names());
        try (GraphTrainer t = create(g, Graph.INPUT, "out_conv", all, Set.of(Graph.INPUT))) {
            long seed = 20;
            for (int n : new int[] {3, 2, 3, 1}) {
                Map<String, float[]> arrays = GraphReference.randomKerasArrays(g.layers(), seed++);
                float[] x = input(g, n, seed++, 1.0);
                float[] r = input(g.shape("out_conv"), n, seed++);
                INDArray y = t.forward(array(x, n, g.inputShape()), params(g, arrays));
                assertClose(toFloat(y), GraphReference.forward(g, weights(g, arrays), x, n, "out_conv"), 1e-4,
                        "forward at batch " + n);
                Map<String, INDArray> grads = t.backward(array(r, n, g.shape("out_conv")));
                checkGradients(g, Graph.INPUT, "out_conv", arrays, x, r, n, grads, all, Set.of(Graph.INPUT));
            }
        }
    }

    @Test
    void a_missing_weight_and_a_misshapen_input_are_named() {
        Graph g = projectionBlock();
        Map<String, float[]> arrays = GraphReference.randomKerasArrays(g.layers(), 3);
        Map<String, INDArray> params = params(g, arrays);
        params.remove("a2_bn_gamma");
        try (GraphTrainer t = create(g, Graph.INPUT, "out_conv", Set.of("a2_bn"), Set.of())) {
            assertThatThrownBy(() -> t.forward(array(input(g, 2, 4, 1.0), 2, g.inputShape()), params))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a2_bn_gamma");
            assertThatThrownBy(() -> t.forward(Nd4j.zeros(2, 5, 5, 3), params(g, arrays)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 5, 5, 3]");
        }
        assertThatThrownBy(() -> create(g, Graph.INPUT, "out_conv", Set.of("no_such_layer"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no_such_layer");
    }

    /** A ResNet-style projection block over a small stem: the shortcut and the main path both read the stem. */
    static Graph projectionBlock() {
        GraphBuilder b = new GraphBuilder("projection_block", 9, 11, 3);
        String x = b.conv("stem", b.input(), 6, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.relu("stem_relu", x, Activation.RELU);
        String s = b.conv("short", x, 8, 1, 2, Padding.VALID, true, Activation.NONE);
        s = b.batchNorm("short_bn", s, 1.001e-5);
        String y = b.conv("a1", x, 4, 1, 2, Padding.VALID, true, Activation.NONE);
        y = b.batchNorm("a1_bn", y, 1.001e-5);
        y = b.relu("a1_relu", y, Activation.RELU);
        y = b.conv("a2", y, 8, 3, 1, Padding.SAME, true, Activation.NONE);
        y = b.batchNorm("a2_bn", y, 1.001e-5);
        String add = b.sum("add", s, y);
        add = b.relu("out", add, Activation.RELU);
        b.conv("out_conv", add, 5, 1, 1, Padding.VALID, true, Activation.NONE);
        return b.build();
    }

    // ---------------------------------------------------------------------------------------------- machinery

    /** Everything trainable, the input's gradient asked for, from the input to the last layer. */
    private Map<String, INDArray> check(Graph g, int n, double inputScale) {
        String to = g.nodes().get(g.nodes().size() - 1).name();
        return check(g, Graph.INPUT, to, Set.copyOf(g.names()), Set.of(Graph.INPUT), n, inputScale);
    }

    /**
     * Forward from {@code from} (fed with the reference's value of it) to {@code to}, backward of
     * {@code sum(R * to)}; forward values and every gradient against the reference.
     */
    private Map<String, INDArray> check(Graph g, String from, String to, Set<String> trainable,
            Set<String> gradientTensors, int n, double inputScale) {
        Map<String, float[]> arrays = GraphReference.randomKerasArrays(g.layers(), 1);
        float[] x = input(g, n, 2, inputScale);
        float[] r = input(g.shape(to), n, 3);
        try (GraphTrainer t = create(g, from, to, trainable, gradientTensors)) {
            Weights w = weights(g, arrays);
            float[] in = from.equals(Graph.INPUT) ? x : toFloat(GraphReference.forward(g, w, x, n, from));
            INDArray y = t.forward(array(in, n, g.shape(from)), params(g, arrays));
            assertThat(y.shape()).containsExactly(withBatch(n, g.shape(to)));
            assertClose(toFloat(y), GraphReference.forward(g, w, x, n, to), 1e-4, "forward of " + to);
            Map<String, INDArray> grads = copy(t.backward(array(r, n, g.shape(to))));
            checkGradients(g, from, to, arrays, x, r, n, grads, trainable, gradientTensors);
            return grads;
        }
    }

    private static void checkGradients(Graph g, String from, String to, Map<String, float[]> arrays, float[] x,
            float[] r, int n, Map<String, INDArray> grads, Set<String> trainable, Set<String> gradientTensors) {
        Set<String> expected = new HashSet<>(gradientTensors);
        for (Graph.Node node : g.between(from, to)) {
            if (!trainable.contains(node.name())) {
                continue;
            }
            Set<String> frozen = node.op().nonTrainable();
            for (String weight : g.weightShapes(node).keySet()) {
                if (!frozen.contains(weight)) {
                    expected.add(node.name() + "_" + weight);
                }
            }
        }
        assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        Random pick = new Random(99);
        for (Graph.Node node : g.between(from, to)) {
            if (!trainable.contains(node.name())) {
                continue;
            }
            for (Map.Entry<String, int[]> e : g.weightShapes(node).entrySet()) {
                String key = node.name() + "_" + e.getKey();
                if (!expected.contains(key)) {
                    continue;
                }
                float[] analytic = toFloat(grads.get(key));
                float[] values = arrays.get(node.name() + "/" + e.getKey() + ":0");
                assertThat(analytic).as(key).hasSize(values.length);
                double[] a = new double[SAMPLES];
                double[] fd = new double[SAMPLES];
                for (int s = 0; s < SAMPLES; s++) {
                    int i = pick.nextInt(values.length);
                    a[s] = analytic[i];
                    float saved = values[i];
                    fd[s] = difference(values, i, () -> loss(g, arrays, x, r, n, to));
                    values[i] = saved;
                }
                assertGradient(a, fd, key);
            }
        }
        if (gradientTensors.contains(Graph.INPUT) && from.equals(Graph.INPUT)) {
            float[] analytic = toFloat(grads.get(Graph.INPUT));
            double[] a = new double[SAMPLES];
            double[] fd = new double[SAMPLES];
            for (int s = 0; s < SAMPLES; s++) {
                int i = pick.nextInt(x.length);
                a[s] = analytic[i];
                float saved = x[i];
                fd[s] = difference(x, i, () -> loss(g, arrays, x, r, n, to));
                x[i] = saved;
            }
            assertGradient(a, fd, "d/d" + Graph.INPUT);
        }
    }

    /** Central difference of {@code f} in entry {@code i} of {@code v}, divided by the step the floats really took. */
    private static double difference(float[] v, int i, DoubleSupplier f) {
        float base = v[i];
        double h = 1e-5 * Math.max(1.0, Math.abs(base));
        v[i] = (float) (base + h);
        double up = f.getAsDouble();
        double stepUp = (double) v[i] - base;
        v[i] = (float) (base - h);
        double down = f.getAsDouble();
        double stepDown = base - (double) v[i];
        v[i] = base;
        return (up - down) / (stepUp + stepDown);
    }

    private static double loss(Graph g, Map<String, float[]> arrays, float[] x, float[] r, int n, String to) {
        double[] y = GraphReference.forward(g, weights(g, arrays), x, n, to);
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += r[i] * y[i];
        }
        return l;
    }

    private static void assertGradient(double[] analytic, double[] fd, String what) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < fd.length; i++) {
            diff += (analytic[i] - fd[i]) * (analytic[i] - fd[i]);
            scale += fd[i] * fd[i];
        }
        assertThat(Math.sqrt(diff)).as("gradient of %s: analytic %s vs finite differences %s", what,
                Arrays.toString(analytic), Arrays.toString(fd))
                .isLessThanOrEqualTo(GRADIENT_TOLERANCE * Math.sqrt(scale) + 1e-6);
    }

    static Weights weights(Graph g, Map<String, float[]> arrays) {
        try {
            return WeightsSource.ofKerasArrays("op-test", arrays).load(g.name(), g.layers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code <layer>_<weight>} → array in Keras's shape, for every weight of the graph. */
    static Map<String, INDArray> params(Graph g, Map<String, float[]> arrays) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (Layer l : g.layers()) {
            for (Layer.Weight w : l.weights()) {
                long[] shape = Arrays.stream(w.shape()).asLongStream().toArray();
                p.put(l.name() + "_" + w.name(),
                        Nd4j.create(arrays.get(l.name() + "/" + w.name() + ":0").clone(), shape, 'c'));
            }
        }
        return p;
    }

    static float[] input(Graph g, int n, long seed, double scale) {
        float[] x = input(g.inputShape(), n, seed);
        for (int i = 0; i < x.length; i++) {
            x[i] *= (float) scale;
        }
        return x;
    }

    static float[] input(int[] shape, int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * shape[0] * shape[1] * shape[2]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    static INDArray array(float[] v, int n, int[] shape) {
        return Nd4j.create(v.clone(), withBatch(n, shape), 'c');
    }

    static long[] withBatch(int n, int[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = n;
        for (int i = 0; i < shape.length; i++) {
            s[i + 1] = shape[i];
        }
        return s;
    }

    static float[] toFloat(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new HashMap<>();
        m.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    /** Every value within {@code rel} of the reference's largest magnitude (per-element relative errors explode at 0). */
    static void assertClose(float[] actual, double[] expected, double rel, String what) {
        assertThat(actual).as(what + ": length").hasSize(expected.length);
        double max = 0;
        for (double e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertThat(worst).as("%s: largest difference at %d (%s vs %s), scale %s", what, at,
                at < 0 ? "-" : actual[at], at < 0 ? "-" : expected[at], max).isLessThanOrEqualTo(rel * max + 1e-7);
    }
}
