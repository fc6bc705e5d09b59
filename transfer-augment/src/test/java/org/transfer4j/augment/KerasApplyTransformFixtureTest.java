package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the fixtures' {@code augment/cases.json} (Keras {@code apply_transform} outputs): the matrix, the
 * output image, and the agreement of the fast and the reference implementation. The fixture root comes from
 * {@code -Dtransfer4j.fixtures}, so another set of the same format can be checked with the same test.
 */
class KerasApplyTransformFixtureTest {

    static Stream<Arguments> cases() {
        JsonNode cases = Fixtures.json("augment/cases.json").get("cases");
        assertThat(cases.size()).as("fixture cases").isGreaterThan(0);
        return StreamSupport.stream(cases.spliterator(), false)
                .map(c -> Arguments.of(c.get("id").asInt() + " " + c.get("name").asText(), c));
    }

    private record Case(JsonNode node, HwcImage input, HwcImage expected, Augmentation aug, RandomTransform t) {
        static Case of(JsonNode c) {
            HwcImage input = Fixtures.npy(c.get("input").asText()).image();
            HwcImage expected = Fixtures.npy(c.get("output").asText()).image();
            Augmentation aug = Augmentation.fromKerasArguments(Fixtures.map(c.get("generator_kwargs")));
            RandomTransform t = RandomTransform.fromKerasParams(Fixtures.map(c.get("params")));
            return new Case(c, input, expected, aug, t);
        }

        boolean affine() {
            return node.get("affine_applied").asBoolean();
        }

        Set<Integer> sensitive() {
            Set<Integer> s = new HashSet<>();
            JsonNode list = node.get("sensitive_pixels");
            if (list != null) {
                for (JsonNode rc : list) {
                    s.add(rc.get(0).asInt() * input.width() + rc.get(1).asInt());
                }
            }
            return s;
        }

        /** Pixels Keras flags as sensitive but does not list (only when there are more than the file lists). */
        int unlistedSensitive() {
            JsonNode list = node.get("sensitive_pixels");
            return list == null ? node.get("sensitive_pixel_count").asInt() : 0;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void transform_matrix_equals_keras(String name, JsonNode c) {
        Case k = Case.of(c);
        assertThat(k.t.isAffine()).as("affine_applied").isEqualTo(k.affine());
        if (!k.affine()) {
            return;
        }
        assertMatrix(k.t.uncenteredMatrix(), c.get("matrix_uncentered"), "matrix_uncentered");
        assertMatrix(k.t.matrix(k.input.height(), k.input.width()), c.get("matrix"), "matrix");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void output_image_equals_keras_except_sensitive_pixels(String name, JsonNode c) {
        Case k = Case.of(c);
        HwcImage actual = k.aug.applyTransform(k.input, k.t);
        double tolerance;
        if (!k.affine()) {
            tolerance = 0;                                   // flips, channel shift, brightness: exact float32
        } else if (k.aug.interpolationOrder() == InterpolationOrder.NEAREST) {
            tolerance = 0;
        } else {
            tolerance = 1e-3;
        }
        if (k.affine() && k.t.brightness().isPresent()) {
            // uint8 truncation after resampling amplifies last-bit matrix differences (see the fixtures' README)
            tolerance = Math.max(tolerance, c.get("suggested_tolerance").get("abs").asDouble());
        }
        assertImage(actual, k.expected, tolerance, k.sensitive(), k.unlistedSensitive(), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void resampling_with_the_keras_matrix_is_bit_exact(String name, JsonNode c) {
        Case k = Case.of(c);
        double[][] matrix = k.affine() ? matrix(c.get("matrix")) : null;
        HwcImage actual = ReferenceTransforms.applyTransform(k.aug, k.input, k.t, matrix);
        assertImage(actual, k.expected, 0, Set.of(), 0, name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fast_path_equals_reference_path_bit_for_bit(String name, JsonNode c) {
        Case k = Case.of(c);
        HwcImage fast = k.aug.applyTransform(k.input, k.t);
        HwcImage reference = ReferenceTransforms.applyTransform(k.aug, k.input, k.t);
        assertThat(fast).isEqualTo(reference);
    }

    static void assertImage(HwcImage actual, HwcImage expected, double tolerance, Set<Integer> skip,
                            int allowedUnlisted, String name) {
        assertThat(new int[] {actual.height(), actual.width(), actual.channels()})
                .containsExactly(expected.height(), expected.width(), expected.channels());
        int c = actual.channels();
        List<String> bad = new ArrayList<>();
        int badPixels = 0;
        double worst = 0;
        for (int p = 0; p < actual.height() * actual.width(); p++) {
            if (skip.contains(p)) {
                continue;
            }
            boolean pixelBad = false;
            for (int k = 0; k < c; k++) {
                float a = actual.pixels()[p * c + k];
                float e = expected.pixels()[p * c + k];
                double d = Math.abs((double) a - e);
                boolean ok = tolerance == 0 ? Float.compare(a, e) == 0 || a == e : d <= tolerance;
                if (!ok) {
                    pixelBad = true;
                    worst = Math.max(worst, d);
                    if (bad.size() < 5) {
                        bad.add("(" + p / actual.width() + "," + p % actual.width() + "," + k + "): " + a + " vs keras " + e);
                    }
                }
            }
            if (pixelBad) {
                badPixels++;
            }
        }
        assertThat(badPixels)
                .as("%s: pixels differing by more than %s (worst %s), first: %s", name, tolerance, worst, bad)
                .isLessThanOrEqualTo(allowedUnlisted);
    }

    private static void assertMatrix(double[][] actual, JsonNode expected, String what) {
        double[][] e = matrix(expected);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertThat(Math.abs(actual[i][j] - e[i][j])).as("%s[%d][%d]: %s vs keras %s", what, i, j, actual[i][j], e[i][j])
                        .isLessThanOrEqualTo(1e-9);
            }
        }
    }

    private static double[][] matrix(JsonNode node) {
        double[][] m = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                m[i][j] = node.get(i).get(j).asDouble();
            }
        }
        return m;
    }
}
