package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sampler ({@code get_random_transform}) against the distributions Keras produced in the fixtures'
 * {@code random/stats.json}: means, stds and deciles within a few standard errors, exact sets of discrete values
 * with matching frequencies, flip rates, and None-ness. Both samples are random, so bounds allow for the error of
 * both (factor sqrt 2) at about 5 standard errors; the Java draws use a fixed seed so the test is deterministic.
 */
class KerasRandomTransformStatsTest {

    private static final double Z = 5.0;

    static Stream<Arguments> configs() {
        JsonNode configs = Fixtures.json("random/stats.json").get("configs");
        assertThat(configs.size()).as("stats configs").isGreaterThan(0);
        List<Arguments> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(Arguments.of(e.getKey(), e.getValue()));
        }
        return out.stream();
    }

    private static final Map<String, Function<RandomTransform, Double>> NUMERIC = Map.of(
            "theta", RandomTransform::theta, "tx", RandomTransform::tx, "ty", RandomTransform::ty,
            "shear", RandomTransform::shear, "zx", RandomTransform::zx, "zy", RandomTransform::zy,
            "channel_shift_intensity", t -> value(t.channelShiftIntensity()),
            "brightness", t -> value(t.brightness()));

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void sampled_distributions_match_keras(String name, JsonNode config) {
        Augmentation aug = Augmentation.fromKerasArguments(Fixtures.map(config.get("generator_kwargs")));
        JsonNode shape = config.get("img_shape");
        int h = shape.get(0).asInt();
        int w = shape.get(1).asInt();
        JsonNode stats = config.get("stats");
        int n = stats.get("theta").has("count") ? stats.get("theta").get("count").asInt() : 20000;
        SplittableRandom rng = new SplittableRandom(0x5eed_2024_0611L ^ name.hashCode());
        List<RandomTransform> draws = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            draws.add(aug.randomTransform(h, w, rng));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = stats.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String param = e.getKey();
            JsonNode s = e.getValue();
            String what = name + "." + param;
            if (s.has("always")) {
                assertThat(draws).as(what + " is always None").allSatisfy(t -> assertThat(NUMERIC.get(param).apply(t)).isNull());
            } else if (param.startsWith("flip")) {
                double frac = draws.stream().filter(param.equals("flip_horizontal")
                        ? RandomTransform::flipHorizontal : RandomTransform::flipVertical).count() / (double) n;
                assertFraction(what + " fraction_true", frac, s.get("fraction_true").asDouble(), n);
            } else {
                double[] v = draws.stream().mapToDouble(t -> NUMERIC.get(param).apply(t)).toArray();
                if (s.has("distinct_values")) {
                    assertDiscrete(what, v, s.get("distinct_values"), n);
                } else {
                    assertContinuous(what, v, s, n);
                }
            }
        }
    }

    private static void assertDiscrete(String what, double[] v, JsonNode distinct, int n) {
        Map<Double, Integer> counts = new TreeMap<>();
        for (double x : v) {
            counts.merge(x, 1, Integer::sum);
        }
        Map<Double, Double> expected = new TreeMap<>();
        distinct.fields().forEachRemaining(e -> expected.put(Double.parseDouble(e.getKey()), e.getValue().asDouble()));
        assertThat(counts.keySet()).as(what + " distinct values").containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<Double, Double> e : expected.entrySet()) {
            assertFraction(what + " P(" + e.getKey() + ")", counts.get(e.getKey()) / (double) n, e.getValue(), n);
        }
    }

    private static void assertContinuous(String what, double[] v, JsonNode s, int n) {
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / n;
        double std = Math.sqrt(var);
        double m4 = Arrays.stream(v).map(x -> Math.pow(x - mean, 4)).sum() / n;
        double kerasStd = s.get("std").asDouble();
        double kerasMin = s.get("min").asDouble();
        double kerasMax = s.get("max").asDouble();

        double seMean = kerasStd / Math.sqrt(n);
        assertThat(Math.abs(mean - s.get("mean").asDouble())).as(what + " mean " + mean + " vs keras " + s.get("mean"))
                .isLessThanOrEqualTo(Z * Math.sqrt(2) * seMean);

        double kurtosis = m4 / (var * var);
        double seStd = std * Math.sqrt(Math.max(kurtosis - 1, 0.1) / (4.0 * n));
        assertThat(Math.abs(std - kerasStd)).as(what + " std " + std + " vs keras " + kerasStd)
                .isLessThanOrEqualTo(Z * Math.sqrt(2) * seStd);

        double[] sorted = v.clone();
        Arrays.sort(sorted);
        JsonNode deciles = s.get("deciles_10_to_90");
        for (int i = 0; i < deciles.size(); i++) {
            double p = (i + 1) / 10.0;
            double q = deciles.get(i).asDouble();
            double cdf = upperBound(sorted, q) / (double) n;
            assertFraction(what + " P(x <= keras decile " + p + " = " + q + ")", cdf, p, n);
        }

        double width = kerasMax - kerasMin;
        double edge = 12.0 * width / n;
        assertThat(Math.abs(sorted[0] - kerasMin)).as(what + " min " + sorted[0] + " vs keras " + kerasMin)
                .isLessThanOrEqualTo(edge);
        assertThat(Math.abs(sorted[n - 1] - kerasMax)).as(what + " max " + sorted[n - 1] + " vs keras " + kerasMax)
                .isLessThanOrEqualTo(edge);
    }

    private static void assertFraction(String what, double actual, double expected, int n) {
        double p = Math.min(Math.max(expected, 1.0 / n), 1 - 1.0 / n);
        double tol = Z * Math.sqrt(2 * p * (1 - p) / n);
        if (expected == 0 || expected == 1) {
            tol = 0;   // a never / always event must stay so
        }
        assertThat(Math.abs(actual - expected)).as(what + ": " + actual + " vs keras " + expected).isLessThanOrEqualTo(tol);
    }

    private static int upperBound(double[] sorted, double q) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= q) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static Double value(OptionalDouble d) {
        return d.isPresent() ? d.getAsDouble() : null;
    }
}
