package org.transfer4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java generator gives the Python reference's weights and inputs bit for bit (the contract of
 * {@code transfer-core/src/test/python/reference/README.md}), checked against the README's test vectors, every weight of every base in
 * {@code weights.csv}, and every stored input.
 */
class ReferenceWeightsTest {

    @Test
    void fnv1a64_and_the_stream_match_the_readmes_test_vectors() {
        assertThat(ReferenceWeights.fnv1a64("")).isEqualTo(0xcbf29ce484222325L);
        assertThat(ReferenceWeights.fnv1a64("input")).isEqualTo(0x1ebbae8f5810b65bL);
        assertThat(ReferenceWeights.fnv1a64("conv1_conv/kernel:0")).isEqualTo(0x6f57a8abfd8727b9L);
        assertThat(ReferenceWeights.uniform("input", 14, 0)).isEqualTo(0.3546265959739685);
        assertThat(ReferenceWeights.uniform("input", 14, 1)).isEqualTo(0.577768087387085);
        assertThat(ReferenceWeights.uniform("input", 14, 2)).isEqualTo(0.6214821934700012);
        float[] k = ReferenceWeights.generate("conv1_conv/kernel:0", new long[] {7, 7, 3, 64}, 14);
        assertThat(k).hasSize(7 * 7 * 3 * 64);
        assertThat(k[0]).isEqualTo((float) 0.12514759600162506);
        assertThat(k[1]).isEqualTo((float) 0.056388020515441895);
        assertThat(k[2]).isEqualTo((float) 0.03361064940690994);
        float[] g = ReferenceWeights.generate("conv1_bn/gamma:0", new long[] {64}, 14);
        assertThat(g[0]).isEqualTo((float) 0.5821362733840942);
        assertThat(g[1]).isEqualTo((float) 0.5762060880661011);
        float[] x = ReferenceWeights.input("mobilenet_v2", 1, 32, 32, 14);
        assertThat(x[0]).isEqualTo((float) -0.872240424156189);
        assertThat(x[1]).isEqualTo((float) 0.46660852432250977);
    }

    @Test
    void a_negative_seed_is_its_twos_complement() {
        // Python: kerasref.uniform_stream("x", -1, 2) == [0.6742004752159119, 0.9577894806861877]
        assertThat(ReferenceWeights.uniform("x", -1, 0)).isEqualTo(0.6742004752159119);
        assertThat(ReferenceWeights.uniform("x", -1, 1)).isEqualTo(0.9577894806861877);
    }

    @Test
    void values_stay_in_their_documented_ranges() {
        float[] k = ReferenceWeights.generate("block1_conv1/kernel:0", new long[] {3, 3, 3, 64}, 1);
        assertThat(range(k)).satisfies(r -> {
            assertThat(r[0]).isBetween(-Math.sqrt(3.0 / 27), -0.9 * Math.sqrt(3.0 / 27));
            assertThat(r[1]).isBetween(0.9 * Math.sqrt(3.0 / 27), Math.sqrt(3.0 / 27));
        });
        float[] dw = ReferenceWeights.generate("block_1_depthwise/depthwise_kernel:0", new long[] {3, 3, 96, 1}, 1);
        assertThat(range(dw)[0]).isGreaterThanOrEqualTo(-Math.sqrt(3.0 / 9));
        assertThat(range(dw)[1]).isLessThan(Math.sqrt(3.0 / 9)).isGreaterThan(0.9 * Math.sqrt(3.0 / 9));
        assertThat(range(ReferenceWeights.generate("a/moving_variance:0", new long[] {100}, 1)))
                .satisfies(r -> assertThat(r[0]).isGreaterThanOrEqualTo(0.5), r -> assertThat(r[1]).isLessThan(1.5));
        assertThat(range(ReferenceWeights.generate("a/beta:0", new long[] {100}, 1)))
                .satisfies(r -> assertThat(r[0]).isGreaterThanOrEqualTo(-0.1), r -> assertThat(r[1]).isLessThan(0.1));
        assertThat(range(ReferenceWeights.input("vgg19", 1, 32, 32, 1)))
                .satisfies(r -> assertThat(r[0]).isBetween(-128.0, -120.0), r -> assertThat(r[1]).isBetween(120.0, 128.0));
        assertThat(range(ReferenceWeights.input("mobilenet_v2", 1, 32, 32, 1)))
                .satisfies(r -> assertThat(r[0]).isBetween(-3.0, -2.9), r -> assertThat(r[1]).isBetween(2.9, 3.0));
    }

    private static double[] range(float[] values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new double[] {min, max};
    }

    @Test
    void an_unknown_variable_or_base_is_named() {
        assertThatThrownBy(() -> ReferenceWeights.generate("dense/weights:0", new long[] {2}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dense/weights:0");
        assertThatThrownBy(() -> ReferenceWeights.listing("resnet18"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resnet18")
                .hasMessageContaining("mobilenet_v2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void every_listed_weight_is_generated_as_the_reference_generated_it(String base) {
        long seed = ReferenceCases.seed();
        List<ReferenceWeights.WeightSpec> listing = ReferenceWeights.listing(base);
        Map<String, float[]> weights = ReferenceWeights.weights(base, seed);
        assertThat(weights.keySet()).containsExactlyElementsOf(listing.stream().map(ReferenceWeights.WeightSpec::name)
                .toList());
        long total = 0;
        long frozen = 0;
        for (ReferenceWeights.WeightSpec spec : listing) {
            float[] w = weights.get(spec.name());
            assertThat(w).as(spec.name()).hasSize(Math.toIntExact(spec.size()));
            assertThat(w[0]).as("%s first value", spec.name()).isEqualTo((float) spec.first());
            double sumAbs = 0;
            for (float v : w) {
                sumAbs += Math.abs(v);
            }
            assertThat(sumAbs).as("%s sum |x|", spec.name()).isCloseTo(spec.sumAbs(), within(1e-9 * spec.sumAbs()));
            total += spec.size();
            frozen += spec.trainable() ? 0 : spec.size();
        }
        long[] counts = ReferenceCases.parameters(base);
        assertThat(new long[] {total, total - frozen, frozen}).containsExactly(counts);
    }

    @Test
    void keras_parameter_counts_are_the_documented_ones() {
        assertThat(ReferenceCases.parameters("vgg19")).containsExactly(20_024_384L, 20_024_384L, 0L);
        assertThat(ReferenceCases.parameters("resnet50")).containsExactly(23_587_712L, 23_534_592L, 53_120L);
        assertThat(ReferenceCases.parameters("mobilenet_v2")).containsExactly(2_257_984L, 2_223_872L, 34_112L);
    }

    @TestFactory
    Stream<DynamicTest> every_stored_input_is_the_generated_one() {
        return ReferenceCases.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            float[] x = ReferenceWeights.input(c.base(), c.batch(), c.height(), c.width(), c.seed());
            double maxAbs = 0;
            for (float v : x) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).isEqualTo(c.inputMaxAbs());
            if (c.input() != null) {
                Npy.Array stored = Npy.read(c.input());
                assertThat(stored.shape()).containsExactly(c.batch(), c.height(), c.width(), 3);
                assertThat(x).containsExactly(stored.data());
            }
        }));
    }
}
