package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;

/**
 * {@link FrozenPrefix} (direct ops into two reused buffers, ReLU moved after pools) gives exactly what the SameDiff
 * graph of the same layers gives, at conv and pool cuts, for changing batch sizes, and its outputs survive later
 * passes.
 */
class FrozenPrefixTest {
    static final int SIZE = 40;
    static ConvBase base;
    static Weights weights;

    @BeforeAll
    static void setUp() throws Exception {
        base = Vgg16.random(SIZE, SIZE, 91);
        weights = base.loadWeights();
    }

    static INDArray images(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[n * SIZE * SIZE * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 240 - 120);
        }
        return Nd4j.create(px, new long[] {n, SIZE, SIZE, 3}, 'c');
    }

    static List<Layer> upTo(String cut) {
        return base.layers().subList(0, base.indexOf(cut) + 1);
    }

    static INDArray oracle(String cut, INDArray x) {
        SameDiff graph = ConvGraph.build(base.inputShape(), upTo(cut), weights, false);
        return ConvGraph.run(graph, x, cut);
    }

    @Test
    void equals_the_samediff_graph_bit_for_bit_at_pool_and_conv_cuts_for_changing_batch_sizes() {
        for (String cut : List.of("block1_conv1", "block1_pool", "block3_conv3", "block5_pool")) {
            FrozenPrefix prefix = new FrozenPrefix(upTo(cut), weights);
            for (int n : new int[] {3, 1, 2}) {
                INDArray x = images(n, n * 7L + cut.length());
                INDArray expected = oracle(cut, x);
                INDArray actual = prefix.forward(x);
                assertThat(actual.shape()).as("%s, batch %d", cut, n).containsExactly(expected.shape());
                assertThat(actual.data().asFloat()).as("%s, batch %d", cut, n)
                        .isEqualTo(expected.dup('c').data().asFloat());
                assertThat(actual.maxNumber().doubleValue()).as("%s has positive activations", cut).isPositive();
            }
        }
    }

    @Test
    void a_returned_output_is_not_overwritten_by_later_passes_or_a_release() {
        FrozenPrefix prefix = new FrozenPrefix(upTo("block2_pool"), weights);
        INDArray first = prefix.forward(images(2, 1));
        float[] kept = first.data().asFloat().clone();
        prefix.forward(images(2, 2));
        prefix.forward(images(4, 3));
        prefix.releaseBuffers();
        assertThat(first.data().asFloat()).isEqualTo(kept);
        assertThat(prefix.forward(images(2, 1)).data().asFloat()).as("after a release").isEqualTo(kept);
    }

    @Test
    void layers_other_than_conv_and_pool_are_refused_by_name() {
        Layer dense = new Layer("fc1", LayerType.INPUT, new int[] {SIZE, SIZE, 3}, new int[] {SIZE, SIZE, 3}, 0, 0);
        assertThatThrownBy(() -> new FrozenPrefix(List.of(dense), weights))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fc1");
    }
}
