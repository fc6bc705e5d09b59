package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.Heads;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.interop.Nd4jArrays;

/**
 * The two conv engines agree on real VGG16 layers: libnd4j's ops ({@link NativeOps}, the CUDA and reference backend)
 * and the frozen path as users run it ({@link FeatureExtractor}, on oneDNN's own primitives by default; see
 * {@link Dnnl#selected()}), at 32x32 with He-normal weights.
 */
class SuffixNetVsFrozenGraphTest {
    static final int SIZE = 32;
    static final int BATCH = 2;
    static ConvBase base;
    static Weights weights;
    static INDArray images;

    @BeforeAll
    static void setUp() throws Exception {
        base = Vgg16.random(SIZE, SIZE, 77);
        weights = base.loadWeights();
        SplittableRandom r = new SplittableRandom(78);
        float[] px = new float[BATCH * SIZE * SIZE * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 240 - 120); // roughly the range of caffe-preprocessed pixels
        }
        images = Nd4j.create(px, new long[] {BATCH, SIZE, SIZE, 3}, 'c');
    }

    @Test
    void native_ops_chain_equals_the_frozen_graph_at_block1_pool_and_block2_pool() {
        INDArray a = images;
        for (Layer l : base.layers().subList(0, base.indexOf("block2_pool") + 1)) {
            if (l.type() == LayerType.CONV2D) {
                var w = weights.layer(l.name());
                a = Transforms.relu(NativeOps.conv2d(a, Nd4j.create(w.kernel(), w.kernelShape(), 'c'),
                        Nd4j.create(w.bias(), new long[] {w.bias().length}, 'c')), false);
            } else {
                a = NativeOps.maxPool(a);
            }
            if (l.name().endsWith("_pool")) {
                try (FeatureExtractor frozen = base.extractor(weights, l.name())) {
                    INDArray expected = Nd4jArrays.forward(frozen, images);
                    assertThat(a.shape()).as(l.name()).containsExactly(expected.shape());
                    assertClose(a.dup('c').data().asFloat(), expected.dup('c').data().asFloat(), l.name());
                }
            }
        }
    }

    @Test
    void suffix_net_forward_over_block2_equals_the_frozen_graph_projected_on_its_dense_weights() {
        // The suffix block2_conv1 .. block2_pool on block1_pool features, with a sigmoid head whose logit is a known
        // projection of the flattened block2_pool output: logit = features . r + b.
        List<Layer> block2 = base.layers().subList(base.indexOf("block2_conv1"), base.indexOf("block2_pool") + 1);
        INDArray cut;
        float[] block2Out;
        try (FeatureExtractor toCut = base.extractor(weights, "block1_pool");
                FeatureExtractor toEnd = base.extractor(weights, "block2_pool")) {
            cut = Nd4jArrays.forward(toCut, images);
            block2Out = Nd4jArrays.forward(toEnd, images).dup('c').data().asFloat();
        }
        int flat = block2Out.length / BATCH;
        SuffixNet net = new SuffixNet(base.layer("block1_pool").outputShape(), block2, weights, Heads.sigmoid(), 1);
        double rms = Math.sqrt(Arrays.stream(toDouble(block2Out)).map(v -> v * v).sum() / block2Out.length);
        assertThat(rms).as("block2_pool features are not all zero").isPositive();
        SplittableRandom r = new SplittableRandom(79);
        float[] projection = new float[flat];
        for (int i = 0; i < flat; i++) {
            projection[i] = (float) (r.nextGaussian() / (rms * Math.sqrt(flat))); // logits of order 1
        }
        float bias = 0.25f;
        Map<String, INDArray> values = net.variableValues();
        values.put("dense_1_W", Nd4j.create(projection, new long[] {flat, 1}, 'c'));
        values.put("dense_1_b", Nd4j.create(new float[] {bias}, new long[] {1, 1}, 'c'));
        net.setVariableValues(values);

        float[] p = net.predict(cut).dup('c').data().asFloat();

        for (int n = 0; n < BATCH; n++) {
            double expected = bias;
            double magnitude = Math.abs(bias);
            for (int i = 0; i < flat; i++) {
                expected += (double) block2Out[n * flat + i] * projection[i];
                magnitude += Math.abs((double) block2Out[n * flat + i] * projection[i]);
            }
            double logit = Math.log(p[n] / (1.0 - p[n]));
            assertThat(Math.abs(logit - expected)).as("image %d: logit %s, expected %s", n, logit, expected)
                    .isLessThanOrEqualTo(1e-5 * magnitude + 1e-5);
        }
    }

    /** Within 1e-4 of the reference's largest magnitude. */
    static void assertClose(float[] actual, float[] expected, String what) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(scale).as("%s reference is not all zero", what).isPositive();
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) Math.abs(actual[i] - expected[i])).as("%s[%d]: libnd4j ops %s, frozen prefix %s", what, i,
                    actual[i], expected[i]).isLessThanOrEqualTo(1e-4 * scale);
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
