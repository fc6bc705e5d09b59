package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.Precision;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;

/**
 * The oneDNN engine gives what the libnd4j-ops engine ({@link FrozenPrefix}, the reference backend) gives: within
 * 1e-4 relative in fp32 (direct and Winograd), within 2e-2 in bf16, at conv and pool cuts and for changing batch
 * sizes; its outputs survive later passes.
 */
class DnnlPrefixTest {
    static final int SIZE = 40;
    static ConvBase base;
    static Weights weights;

    @BeforeAll
    static void setUp() throws Exception {
        base = Vgg16.random(SIZE, SIZE, 91);
        weights = base.loadWeights();
    }

    static List<Layer> upTo(String cut) {
        return base.layers().subList(0, base.indexOf(cut) + 1);
    }

    /** Largest |a - b| over the largest |b|: a relative error that ReLU zeros cannot blow up. */
    static double relativeError(INDArray actual, INDArray expected) {
        float[] a = actual.data().asFloat();
        float[] e = expected.data().asFloat();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < e.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / scale;
    }

    static void assertMatchesReference(PrefixEngine engine, String cut, double tolerance) {
        assertMatchesReference(engine, cut, tolerance, 3, 1, 2, 3);
    }

    static void assertMatchesReference(PrefixEngine engine, String cut, double tolerance, int... batches) {
        FrozenPrefix reference = new FrozenPrefix(upTo(cut), weights);
        for (int n : batches) {
            INDArray x = FrozenPrefixTest.images(n, n * 7L + cut.length());
            INDArray expected = reference.forward(x);
            INDArray actual = engine.forward(x);
            assertThat(actual.shape()).as("%s, batch %d", cut, n).containsExactly(expected.shape());
            assertThat(relativeError(actual, expected)).as("%s, %s, batch %d", engine.description(), cut, n)
                    .isLessThan(tolerance);
            assertThat(actual.maxNumber().doubleValue()).as("%s has positive activations", cut).isPositive();
        }
    }

    @Test
    void fp32_direct_equals_the_libnd4j_engine_within_1e_4_at_conv_and_pool_cuts_for_changing_batch_sizes() {
        for (String cut : List.of("block1_conv1", "block1_pool", "block3_conv3", "block5_pool")) {
            assertMatchesReference(new DnnlPrefix(upTo(cut), weights, Precision.FP32,
                    DnnlPrefix.ConvAlgorithm.DIRECT), cut, 1e-4);
        }
    }

    @Test
    void fp32_winograd_equals_the_libnd4j_engine_within_1e_4_of_the_largest_feature() {
        for (String cut : List.of("block1_conv1", "block2_conv2", "block5_pool")) {
            DnnlPrefix engine = new DnnlPrefix(upTo(cut), weights, Precision.FP32, DnnlPrefix.ConvAlgorithm.WINOGRAD);
            int big = DnnlPrefix.WINOGRAD_MIN_BATCH;
            assertMatchesReference(engine, cut, 1e-4, big, 1, big);
            if (!cut.equals("block1_conv1")) {
                assertThat(engine.implementations(big)).as("winograd where channels are multiples of 16")
                        .anyMatch(s -> s.contains("wino"));
                assertThat(engine.implementations(1)).as("direct at batch 1").noneMatch(s -> s.contains("wino"));
            }
        }
    }

    @Test
    void bf16_is_within_2e_2_of_fp32_where_the_cpu_has_it() {
        assumeThat(Dnnl.bf16Unsupported()).as("bf16 support").isNull();
        for (String cut : List.of("block1_pool", "block4_conv3", "block5_pool")) {
            DnnlPrefix bf16 = new DnnlPrefix(upTo(cut), weights, Precision.BF16);
            assertMatchesReference(bf16, cut, 2e-2);
            assertThat(bf16.implementations(2)).as("optimised kernels, not oneDNN's reference ones")
                    .noneMatch(s -> s.contains(": ref"));
        }
    }

    @Test
    void bf16_where_the_cpu_lacks_it_is_a_clear_error() {
        assumeThat(Dnnl.bf16Unsupported()).as("bf16 support").isNotNull();
        assertThatThrownBy(() -> new DnnlPrefix(upTo("block1_pool"), weights, Precision.BF16))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("BF16").hasMessageContaining("FP32");
    }

    @Test
    void fp32_runs_optimised_kernels_and_reorders_only_at_the_ends() {
        DnnlPrefix engine = new DnnlPrefix(upTo("block5_pool"), weights, Precision.FP32);
        List<String> impls = engine.implementations(2);
        assertThat(impls).noneMatch(s -> s.contains(": ref"));
        assertThat(impls.stream().filter(s -> s.startsWith("reorder")).toList())
                .as("reorders: %s", impls).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void a_returned_output_is_not_overwritten_by_later_passes_or_a_release() {
        DnnlPrefix engine = new DnnlPrefix(upTo("block2_pool"), weights, Precision.FP32);
        INDArray first = engine.forward(FrozenPrefixTest.images(2, 1));
        float[] kept = first.data().asFloat().clone();
        engine.forward(FrozenPrefixTest.images(2, 2));
        engine.forward(FrozenPrefixTest.images(4, 3));
        engine.forward(FrozenPrefixTest.images(1, 3));
        engine.releaseBuffers();
        assertThat(first.data().asFloat()).isEqualTo(kept);
        assertThat(engine.forward(FrozenPrefixTest.images(2, 1)).data().asFloat()).as("after a release")
                .isEqualTo(kept);
    }

    @Test
    void rejects_an_input_of_the_wrong_shape_naming_the_first_layer() {
        DnnlPrefix engine = new DnnlPrefix(upTo("block1_pool"), weights, Precision.FP32);
        assertThatThrownBy(() -> engine.forward(FrozenPrefixTest.images(1, 1).reshape(1, SIZE, 3, SIZE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block1_conv1")
                .hasMessageContaining("[1, 40, 3, 40]");
    }

    @Test
    void auto_precision_is_never_passed_unresolved() {
        assertThatThrownBy(() -> new DnnlPrefix(upTo("block1_pool"), weights, Precision.AUTO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTO");
    }
}
