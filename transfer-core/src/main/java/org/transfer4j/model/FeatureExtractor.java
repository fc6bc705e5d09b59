package org.transfer4j.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.PrefixEngine;

/**
 * Runs a convolutional base, frozen, from its input up to a cut layer: the book's "run the conv base once over the
 * images" step. The engine calls oneDNN directly (or libnd4j's NHWC ops; see {@link PrefixEngine} and the README's
 * "Engine" section) into reused buffers; DL4J's {@code ConvolutionLayer} im2col path is not used.
 *
 * <p>Owns its engine: the primitives, the weights reordered for them and the activation buffers, set up on the first
 * batch (about half a second for VGG16) and released by {@link #close()}. No engine is shared between extractors or
 * kept after one is closed. To run several folders through one engine, keep one extractor open and pass it to
 * {@link org.transfer4j.features.FeatureCache#extract(org.transfer4j.data.ImageFolder, FeatureExtractor,
 * org.transfer4j.features.ExtractionListener)} for each (a pipeline's training run does this for its training and
 * validation folders).
 *
 * <p>Not thread-safe: use one extractor per thread (the engine parallelises each batch over the cores already).
 */
public final class FeatureExtractor implements AutoCloseable {
    private final ConvBase base;
    private final Weights weights;
    private final Layer cut;
    private final List<Layer> run;
    private final Precision precision;
    private final AtomicLong images = new AtomicLong();
    private PrefixEngine engine;
    private boolean closed;

    FeatureExtractor(ConvBase base, Weights weights, String cutLayer, Precision precision) {
        Backend.describe();
        this.base = base;
        this.precision = precision.resolve();
        this.weights = weights;
        int end = base.indexOf(cutLayer);
        this.cut = base.layers().get(end);
        List<Layer> upToCut = base.layers().subList(0, end + 1);
        if (!base.graph().isPlainStack()) {
            // a graph's prefix runs only the layers the cut tensor depends on
            Set<String> needed = new HashSet<>();
            base.graph().ancestorsOf(cutLayer).forEach(node -> needed.add(node.name()));
            upToCut = upToCut.stream().filter(l -> needed.contains(l.name())).toList();
        }
        this.run = List.copyOf(upToCut);
    }

    /** The engine, set up on first use. */
    private PrefixEngine engine() {
        if (closed) {
            throw new IllegalStateException("FeatureExtractor is closed");
        }
        if (engine == null) {
            engine = PrefixEngine.create(base.graph(), cut.name(), run, weights, precision);
        }
        return engine;
    }

    /** Whether the engine has been set up (by a first batch or {@link #engineDescription()}) and not released. */
    public boolean engineReady() {
        return engine != null;
    }

    public ConvBase base() {
        return base;
    }

    public Weights weights() {
        return weights;
    }

    /** The precision the base runs in: {@code FP32} or {@code BF16}, never {@code AUTO}. */
    public Precision precision() {
        return precision;
    }

    /** The engine's backend and precision, e.g. {@code oneDNN fp32 on avx512_core_bf16}. */
    public String engineDescription() {
        return engine().description();
    }

    /** The last layer run. */
    public Layer cutLayer() {
        return cut;
    }

    /** {@code [h, w, c]} of one image's features. */
    public int[] outputShape() {
        return cut.outputShape();
    }

    /** Values per image's features, {@code h * w * c}. */
    public int featureSize() {
        return Math.toIntExact(Shapes.product(cut.outputShape()));
    }

    /** Images run through the base so far (a counter for tests and progress; not reset). */
    public long imagesProcessed() {
        return images.get();
    }

    /**
     * Features of already preprocessed images.
     *
     * @param nhwc  {@code n * h * w * c} preprocessed values (see {@link ConvBase#preprocessing()})
     * @param n     number of images
     * @return      {@code n * featureSize()} values, NHWC
     * @throws IllegalArgumentException if the array length does not match {@code n} images of the input shape
     */
    public float[] extractPreprocessed(float[] nhwc, int n) {
        int[] in = base.inputShape();
        long per = (long) in[0] * in[1] * in[2];
        if (n < 1 || nhwc.length != per * n) {
            throw new IllegalArgumentException("Expected " + n + " images of " + Arrays.toString(in) + " ("
                    + per * n + " values); got " + nhwc.length + " values");
        }
        INDArray input = Nd4j.create(nhwc, new long[] {n, in[0], in[1], in[2]}, 'c');
        return forward(input).data().asFloat();
    }

    /**
     * Features of decoded RGB images (0..255), preprocessed here with the base's {@link ConvBase#preprocessing()}.
     *
     * @throws IllegalArgumentException if an image does not have the base's input shape
     */
    public float[] extract(List<HwcImage> batch) {
        int[] in = base.inputShape();
        int per = in[0] * in[1] * in[2];
        float[] nhwc = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            HwcImage img = batch.get(i);
            if (img.height() != in[0] || img.width() != in[1] || img.channels() != in[2]) {
                throw new IllegalArgumentException("Image " + i + " is " + img.height() + "x" + img.width() + "x"
                        + img.channels() + "; " + base.name() + " expects " + in[0] + "x" + in[1] + "x" + in[2]);
            }
            System.arraycopy(img.pixels(), 0, nhwc, i * per, per);
        }
        base.preprocessing().applyRgb(nhwc, 0, nhwc.length / 3);
        return extractPreprocessed(nhwc, batch.size());
    }

    /**
     * Features of a preprocessed NHWC float batch (ND4J users: {@code Nd4jArrays.forward}).
     *
     * @return an array of shape {@code [n, h, w, c]}
     */
    INDArray forward(INDArray nhwc) {
        int[] in = base.inputShape();
        if (nhwc.rank() != 4 || nhwc.size(1) != in[0] || nhwc.size(2) != in[1] || nhwc.size(3) != in[2]) {
            throw new IllegalArgumentException("Expected NHWC input [n, " + in[0] + ", " + in[1] + ", " + in[2]
                    + "]; got " + Arrays.toString(nhwc.shape()));
        }
        INDArray x = nhwc.dataType() == DataType.FLOAT ? nhwc : nhwc.castTo(DataType.FLOAT);
        INDArray out = engine().forward(x);
        images.addAndGet(nhwc.size(0));
        return out;
    }

    /** Releases the engine (its buffers now, the rest with the engine object); later batches are refused. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (engine != null) {
            engine.releaseBuffers();
            engine = null;
        }
    }
}
