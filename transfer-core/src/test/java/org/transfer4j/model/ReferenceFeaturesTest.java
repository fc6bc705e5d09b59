package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.interop.Nd4jArrays;
import org.transfer4j.testing.Npy;
import org.transfer4j.testing.ReferenceCases;
import org.transfer4j.testing.ReferenceWeights;

/**
 * Features of VGG19, ResNet50 and MobileNetV2 equal the independent reference ({@code transfer-core/src/test/python/reference}, float64,
 * written from Keras's source and validated against torchvision) with the same generated weights: every case of
 * {@code testdata/reference/cases.json} — odd and non-square sizes, cuts inside residual blocks and after
 * {@code correct_pad}, batch 2 — through the oneDNN engine, fp32 within 1e-4 and bf16 within 2e-2 of the tensor's
 * max |x|.
 */
class ReferenceFeaturesTest {
    static final double FP32_TOLERANCE = 1e-4;
    static final double BF16_TOLERANCE = 2e-2;

    @TestFactory
    Stream<DynamicNode> fp32_features_equal_the_reference_within_1e_4() {
        return cases(Precision.FP32, FP32_TOLERANCE);
    }

    @TestFactory
    Stream<DynamicNode> bf16_features_are_within_2e_2_of_the_reference_where_the_cpu_has_bf16() {
        assumeTrue(Precision.AUTO.resolve() == Precision.BF16, "this CPU has no bf16");
        return cases(Precision.BF16, BF16_TOLERANCE);
    }

    private static Stream<DynamicNode> cases(Precision precision, double tolerance) {
        List<DynamicNode> nodes = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.all()) {
            List<DynamicTest> tests = new ArrayList<>();
            for (ReferenceCases.Output o : c.outputs()) {
                tests.add(DynamicTest.dynamicTest(o.toString(), () -> check(c, o, precision, tolerance)));
            }
            nodes.add(DynamicContainer.dynamicContainer(c + " " + precision.cliName(), tests));
        }
        return nodes.stream();
    }

    /** The base and weights of the case being checked (one at a time: ResNet50's weights are 94 MB). */
    private static Weights lastWeights;
    private static ReferenceCases.Case lastCase;

    private static synchronized Weights weightsFor(ReferenceCases.Case c, ConvBase base) throws WeightsException {
        if (!c.equals(lastCase)) {
            lastWeights = base.loadWeights();
            lastCase = c;
        }
        return lastWeights;
    }

    private static void check(ReferenceCases.Case c, ReferenceCases.Output o, Precision precision, double tolerance)
            throws Exception {
        ConvBase base = ReferenceBases.of(c.base(), c.height(), c.width(), ReferenceBases.source(c.base(), c.seed()));
        Weights weights = weightsFor(c, base);
        float[] input = c.input() != null ? Npy.read(c.input()).data()
                : ReferenceWeights.input(c.base(), c.batch(), c.height(), c.width(), c.seed());
        INDArray x = Nd4j.create(input, new long[] {c.batch(), c.height(), c.width(), 3}, 'c');
        float[] features;
        long[] shape;
        try (FeatureExtractor extractor = base.extractor(weights, o.layer(), precision)) {
            INDArray out = Nd4jArrays.forward(extractor, x);
            shape = out.shape();
            features = out.castTo(DataType.FLOAT).dup('c').data().asFloat();
        }
        assertThat(shape).as("%s %s output shape", c, o.layer())
                .containsExactly(Arrays.stream(o.fullShape()).asLongStream().toArray());
        float[] ours = switch (o.kind()) {
            case FULL -> features;
            case MEAN_HW -> meanHw(features, o.fullShape());
            case CROP -> crop(features, o.fullShape(), o.crop());
        };
        float[] expected = Npy.read(o.file()).data();
        assertThat(ours).as("%s %s values", c, o).hasSameSizeAs(expected);
        Error e = Error.of(ours, expected);
        String report = String.format(Locale.ROOT,
                "%s %s %s: max|ref| %.4g, max|diff| %.3g = %.2e of max|ref|; elementwise (|ref| >= 1%% of max) "
                        + "max rel %.2e, mean rel %.2e", c, o, precision.cliName(), e.scale, e.maxAbs,
                e.relative(), e.elementMax, e.elementMean);
        System.out.println(report);
        assertThat(e.scale).as("%s %s: the reference is not all zero", c, o).isPositive();
        assertThat(e.scale).as("stored max|x| of %s", o.file()).isCloseTo(o.maxAbs(),
                within(1e-6 * o.maxAbs()));
        assertThat(e.relative()).as(report).isLessThanOrEqualTo(tolerance);
    }

    /** Spatial mean of an NHWC tensor: {@code [n, c]}. */
    static float[] meanHw(float[] nhwc, int[] shape) {
        int n = shape[0];
        int hw = shape[1] * shape[2];
        int ch = shape[3];
        float[] out = new float[n * ch];
        for (int b = 0; b < n; b++) {
            for (int k = 0; k < ch; k++) {
                double s = 0;
                for (int p = 0; p < hw; p++) {
                    s += nhwc[(b * hw + p) * ch + k];
                }
                out[b * ch + k] = (float) (s / hw);
            }
        }
        return out;
    }

    /** {@code nhwc[:, :crop[0], :crop[1], :crop[2]]}. */
    static float[] crop(float[] nhwc, int[] shape, int[] crop) {
        int ch = Math.min(crop[2], shape[3]);
        int ch0 = Math.min(crop[0], shape[1]);
        int cw = Math.min(crop[1], shape[2]);
        float[] out = new float[shape[0] * ch0 * cw * ch];
        int i = 0;
        for (int b = 0; b < shape[0]; b++) {
            for (int y = 0; y < ch0; y++) {
                for (int x = 0; x < cw; x++) {
                    for (int k = 0; k < ch; k++) {
                        out[i++] = nhwc[((b * shape[1] + y) * shape[2] + x) * shape[3] + k];
                    }
                }
            }
        }
        return out;
    }

    /** Error of {@code ours} against {@code ref}, relative to max |ref| and elementwise. */
    record Error(double scale, double maxAbs, double elementMax, double elementMean) {
        static Error of(float[] ours, float[] ref) {
            double scale = 0;
            for (float v : ref) {
                scale = Math.max(scale, Math.abs(v));
            }
            double maxAbs = 0;
            double elementMax = 0;
            double elementSum = 0;
            int counted = 0;
            for (int i = 0; i < ref.length; i++) {
                double d = Math.abs((double) ours[i] - ref[i]);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                maxAbs = Math.max(maxAbs, d);
                if (Math.abs(ref[i]) >= 0.01 * scale) {
                    double r = d / Math.abs(ref[i]);
                    elementMax = Math.max(elementMax, r);
                    elementSum += r;
                    counted++;
                }
            }
            return new Error(scale, maxAbs, elementMax, counted == 0 ? 0 : elementSum / counted);
        }

        double relative() {
            return scale == 0 ? maxAbs : maxAbs / scale;
        }
    }
}
