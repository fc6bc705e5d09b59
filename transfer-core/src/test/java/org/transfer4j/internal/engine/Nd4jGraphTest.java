package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Architectures;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.GraphReference;

/**
 * The libnd4j graph engine (what {@code -Dtransfer4j.engine=nd4j} and CUDA run for ResNet50 and MobileNetV2) against
 * the double-precision reference and the oneDNN graph engine, with the same random weights, at the end and at cuts
 * inside residual blocks.
 */
class Nd4jGraphTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void resnet50_features_equal_the_reference_and_the_onednn_engine_at_several_cuts() throws Exception {
        Graph g = Architectures.resnet50(37, 33);
        Weights w = DnnlGraphTest.weights(g, 5);
        for (String cut : List.of("conv1_relu", "conv2_block1_2_relu", "conv3_block1_0_bn", "conv3_block2_add",
                "conv5_block3_out")) {
            assertSameFeatures(g, w, cut, 1);
        }
    }

    @Test
    void mobilenet_v2_features_equal_the_reference_and_the_onednn_engine_at_several_cuts() throws Exception {
        Graph g = Architectures.mobilenetV2(33, 36);
        Weights w = DnnlGraphTest.weights(g, 6);
        for (String cut : List.of("block_1_pad", "block_2_add", "block_13_depthwise_relu", "block_16_project_BN",
                "out_relu")) {
            assertSameFeatures(g, w, cut, 2);
        }
    }

    @Test
    void each_pass_returns_a_new_array_and_a_batch_of_one_gives_the_first_image_of_a_batch_of_three()
            throws Exception {
        Graph g = Architectures.mobilenetV2(32, 32);
        Nd4jGraph engine = new Nd4jGraph(g, "block_5_add", DnnlGraphTest.weights(g, 9));
        int[] in = g.inputShape();
        float[] x = DnnlGraphTest.input(3, in, 2);
        INDArray three = engine.forward(Nd4j.create(x, new long[] {3, in[0], in[1], in[2]}, 'c'));
        float[] kept = three.data().asFloat();
        INDArray one = engine.forward(Nd4j.create(x, new long[] {3, in[0], in[1], in[2]}, 'c').get(
                NDArrayIndex.interval(0, 1)).dup('c'));
        assertThat(three.data().asFloat()).isEqualTo(kept);
        float[] first = one.data().asFloat();
        for (int i = 0; i < first.length; i++) {
            assertThat((double) first[i]).isCloseTo(kept[i], offset(1e-5 * (1 + Math.abs(kept[i]))));
        }
        assertThat(engine.description()).contains("libnd4j").contains("fp32");
    }

    @Test
    void unknown_cut_and_wrong_input_are_refused_with_their_names() throws Exception {
        Graph g = Architectures.mobilenetV2(32, 32);
        Weights w = DnnlGraphTest.weights(g, 3);
        assertThatThrownBy(() -> new Nd4jGraph(g, "block_99_add", w)).hasMessageContaining("Unknown layer 'block_99_add'")
                .hasMessageContaining("block_16_project_BN");
        assertThatThrownBy(() -> new Nd4jGraph(g, "Conv1_relu", w).forward(Nd4j.zeros(1, 32, 31, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 32, 32, 3]");
    }

    private static void assertSameFeatures(Graph g, Weights w, String cut, int n) {
        int[] in = g.inputShape();
        float[] x = DnnlGraphTest.input(n, in, 7);
        INDArray input = Nd4j.create(x, new long[] {n, in[0], in[1], in[2]}, 'c');
        float[] got = new Nd4jGraph(g, cut, w).forward(input).data().asFloat();
        double[] reference = GraphReference.forward(g, w, x, n, cut);
        float[] onednn = new DnnlGraph(g, cut, w, Precision.FP32).forward(input).data().asFloat();
        double scale = 0;
        for (double v : reference) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(got).as(cut).hasSize(reference.length);
        double worstReference = 0;
        double worstOnednn = 0;
        for (int i = 0; i < reference.length; i++) {
            worstReference = Math.max(worstReference, Math.abs(got[i] - reference[i]));
            worstOnednn = Math.max(worstOnednn, Math.abs(got[i] - onednn[i]));
        }
        assertThat(worstReference / scale).as("largest error against the reference at %s", cut).isLessThan(TOLERANCE);
        assertThat(worstOnednn / scale).as("largest difference from oneDNN at %s", cut).isLessThan(TOLERANCE);
    }
}
