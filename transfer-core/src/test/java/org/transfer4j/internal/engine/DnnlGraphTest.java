package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Architectures;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.GraphBuilder;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.internal.graph.Padding;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.testing.GraphReference;

/** The oneDNN graph engine against the double-precision reference of the same specs. */
class DnnlGraphTest {

    /** Every op: asymmetric pads, strides, same/valid, BN folded and alone, depthwise, Add fused and not, ReLU6, GAP. */
    static Graph everyOp(int h, int w) {
        GraphBuilder b = new GraphBuilder("every_op", h, w, 3);
        String x = b.zeroPad("pad0", b.input(), 1, 2, 0, 1);
        x = b.conv("c0", x, 8, 3, 2, Padding.VALID, true, Activation.NONE);
        x = b.batchNorm("c0_bn", x, 1.001e-5);
        x = b.relu("c0_relu", x, Activation.RELU);
        String p = b.zeroPad("pool_pad", x, 1, 1, 1, 1);
        p = b.maxPool("pool", p, 3, 2, Padding.VALID);
        String s = b.conv("short", p, 16, 1, 2, Padding.VALID, true, Activation.NONE);
        s = b.batchNorm("short_bn", s, 1.001e-5);
        String y = b.conv("a1", p, 8, 1, 2, Padding.VALID, true, Activation.NONE);
        y = b.batchNorm("a1_bn", y, 1.001e-5);
        y = b.relu("a1_relu", y, Activation.RELU);
        y = b.conv("a2", y, 16, 3, 1, Padding.SAME, true, Activation.NONE);
        y = b.batchNorm("a2_bn", y, 1.001e-5);
        String add = b.sum("add1", s, y);
        add = b.relu("add1_out", add, Activation.RELU);
        // MobileNet-style: expand, correct_pad, depthwise stride 2, project, then a residual with depthwise stride 1
        int[] sh = b.shape(add);
        String m = b.zeroPad("dw_pad", add, sh[0] % 2, 1, sh[1] % 2, 1);
        m = b.depthwise("dw", m, 3, 2, Padding.VALID, false);
        m = b.batchNorm("dw_bn", m, 1e-3);
        m = b.relu("dw_relu", m, Activation.RELU6);
        String q = b.conv("proj", m, 16, 1, 1, Padding.SAME, false, Activation.NONE);
        q = b.batchNorm("proj_bn", q, 1e-3);
        String d2 = b.depthwise("dw2", q, 3, 1, Padding.SAME, false);
        d2 = b.batchNorm("dw2_bn", d2, 1e-3);
        d2 = b.relu("dw2_relu", d2, Activation.RELU6);
        // an Add whose operands are not convolutions: a binary primitive with its ReLU
        String add2 = b.sum("add2", q, d2);
        add2 = b.relu("add2_relu", add2, Activation.RELU);
        // a conv with a fused activation, then a BatchNormalization that cannot fold (after the activation)
        String f = b.conv("fused", add2, 12, 3, 1, Padding.SAME, true, Activation.RELU6);
        f = b.batchNorm("late_bn", f, 1e-3);
        // a max pool with "same" padding and the last zero padding not read by a conv
        f = b.maxPool("pool_same", f, 2, 2, Padding.SAME);
        f = b.zeroPad("tail_pad", f, 1, 0, 0, 1);
        b.add("gap", new Op.GlobalAveragePooling2D(), f);
        return b.build();
    }

    static Weights weights(Graph g, long seed) throws Exception {
        return WeightsSource.ofKerasArrays("test-" + seed, GraphReference.randomKerasArrays(g.layers(), seed))
                .load(g.name(), g.layers());
    }

    static float[] input(int n, int[] shape, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * shape[0] * shape[1] * shape[2]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    static void assertClose(Graph g, Weights w, String cut, int n, Precision precision, double tolerance) {
        int[] in = g.inputShape();
        float[] x = input(n, in, 7);
        DnnlGraph engine = new DnnlGraph(g, cut, w, precision);
        INDArray out = engine.forward(Nd4j.create(x, new long[] {n, in[0], in[1], in[2]}, 'c'));
        float[] got = out.data().asFloat();
        double[] want = GraphReference.forward(g, w, x, n, cut);
        assertThat(got).as(cut).hasSize(want.length);
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        double errSq = 0;
        double normSq = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            errSq += (got[i] - want[i]) * (got[i] - want[i]);
            normSq += want[i] * want[i];
        }
        if (precision == Precision.BF16) {
            assertThat(Math.sqrt(errSq / normSq)).as("bf16 error norm relative to the features' norm at %s", cut)
                    .isLessThan(tolerance);
        } else {
            assertThat(worst / Math.max(scale, 1e-12)).as("largest error at cut %s relative to the largest value %s",
                    cut, scale).isLessThan(tolerance);
        }
        // a second pass over the same plan gives the same features (buffers reused, nothing stale)
        float[] again = engine.forward(Nd4j.create(x, new long[] {n, in[0], in[1], in[2]}, 'c')).data().asFloat();
        assertThat(again).isEqualTo(got);
    }

    @Test
    void every_op_matches_the_reference_at_every_cut_for_odd_sizes() throws Exception {
        for (int[] size : new int[][] {{33, 37}, {37, 33}}) {
            Graph g = everyOp(size[0], size[1]);
            Weights w = weights(g, 11);
            for (String cut : g.names()) {
                assertClose(g, w, cut, 2, Precision.FP32, 1e-5);
            }
        }
    }

    @Test
    void fuses_batch_norm_add_and_relu_into_convolutions() {
        Graph g = everyOp(33, 37);
        List<String> steps = new DnnlGraph(g, "gap", weightsUnchecked(g), Precision.FP32).steps();
        assertThat(steps).anyMatch(s -> s.startsWith("CONV c0 [input_1] -> c0_relu RELU"));
        assertThat(steps).anyMatch(s -> s.startsWith("CONV a2 [a1_relu] + short_bn -> add1_out RELU"));
        assertThat(steps).anyMatch(s -> s.startsWith("CONV dw [add1_out] -> dw_relu RELU6"));
        assertThat(steps).anyMatch(s -> s.startsWith("ADD add2 [proj_bn, dw2_relu] -> add2_relu RELU"));
        assertThat(steps).anyMatch(s -> s.startsWith("CONV late_bn"));
        assertThat(steps).anyMatch(s -> s.startsWith("PAD tail_pad"));
        assertThat(steps).noneMatch(s -> s.contains(" pad0") || s.contains("pool_pad") || s.contains("dw_pad"));
    }

    private static Weights weightsUnchecked(Graph g) {
        try {
            return weights(g, 3);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void resnet50_matches_the_reference_at_the_end_and_inside_a_residual_block() throws Exception {
        Graph g = Architectures.resnet50(37, 33);
        Weights w = weights(g, 5);
        for (String cut : List.of("conv2_block1_2_relu", "conv3_block1_0_bn", "conv3_block2_add", "conv5_block3_out")) {
            assertClose(g, w, cut, 1, Precision.FP32, 1e-4);
        }
    }

    @Test
    void mobilenet_v2_matches_the_reference_at_the_end_and_inside_a_block() throws Exception {
        Graph g = Architectures.mobilenetV2(33, 36);
        Weights w = weights(g, 6);
        for (String cut : List.of("block_1_pad", "block_2_add", "block_16_project_BN", "out_relu")) {
            assertClose(g, w, cut, 2, Precision.FP32, 1e-4);
        }
    }

    @Test
    void bf16_stays_within_two_percent_where_the_cpu_has_it() throws Exception {
        if (Dnnl.bf16Unsupported() != null) {
            return;
        }
        // bf16 rounds activations and weights to 8 significant bits at every layer: on random weights the error
        // grows with depth (measured: 0.3 % after Conv1, 1.2 % after block 3, 7 % at out_relu of MobileNetV2)
        Graph g = Architectures.mobilenetV2(32, 32);
        Weights w = weights(g, 8);
        assertClose(g, w, "block_3_project_BN", 2, Precision.BF16, 2e-2);
        assertClose(g, w, "out_relu", 2, Precision.BF16, 1e-1);
    }

    @Test
    void plans_for_two_batch_sizes_share_weights_and_agree_per_image() throws Exception {
        Graph g = Architectures.mobilenetV2(32, 35);
        DnnlGraph engine = new DnnlGraph(g, "out_relu", weights(g, 9), Precision.FP32);
        int[] in = g.inputShape();
        int per = in[0] * in[1] * in[2];
        float[] x = input(3, in, 2);
        float[] three = engine.forward(Nd4j.create(x, new long[] {3, in[0], in[1], in[2]}, 'c')).data().asFloat();
        float[] first = Arrays.copyOf(x, per);
        float[] one = engine.forward(Nd4j.create(first, new long[] {1, in[0], in[1], in[2]}, 'c')).data().asFloat();
        int out = one.length;
        for (int i = 0; i < out; i++) {
            assertThat((double) one[i]).isCloseTo(three[i], offset(1e-4 * (1 + Math.abs(three[i]))));
        }
        float[] threeAgain = engine.forward(Nd4j.create(x, new long[] {3, in[0], in[1], in[2]}, 'c')).data()
                .asFloat();
        assertThat(threeAgain).isEqualTo(three);
    }

    @Test
    void unknown_cut_lists_the_layers() {
        Graph g = everyOp(33, 33);
        assertThatThrownBy(() -> new DnnlGraph(g, "nope", weightsUnchecked(g), Precision.FP32))
                .hasMessageContaining("Unknown layer 'nope'").hasMessageContaining("add1_out");
    }
}
