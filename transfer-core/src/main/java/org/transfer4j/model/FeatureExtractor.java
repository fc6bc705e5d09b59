package org.transfer4j.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.Precision;
import org.transfer4j.internal.engine.PrefixEngine;

/**
 * Runs a convolutional base, frozen, from its input up to a cut layer: the book's "run the conv base once over the
 * images" step. The engine calls libnd4j's NHWC convolution and pooling ops directly, which run through oneDNN, into
 * reused buffers (see {@link FrozenPrefix} and the README's "Engine" section); DL4J's {@code ConvolutionLayer} im2col
 * path is not used.
 *
 * <p>Setting that up (copying the weights in) and oneDNN's first pass cost about half a second for VGG16. So
 * {@link #close()} keeps the most recently closed extractor's engine with its weights (one, process-wide; its
 * activation buffers are freed), and the next extractor of the same base, weights (by {@link Weights#checksum()}) and
 * cut layer takes it over: extracting the book's train, validation and test folders one after the other sets it up
 * once. The key includes the precision. Another key replaces the kept engine; {@link #releaseIdle()} drops it.
 *
 * <p>Not thread-safe: use one extractor per thread (ND4J parallelises each batch over the cores already).
 */
public final class FeatureExtractor implements AutoCloseable {
    private static final Object IDLE_LOCK = new Object();
    private static String idleKey;
    private static PrefixEngine idleEngine;

    private final ConvBase base;
    private final Weights weights;
    private final Layer cut;
    private final String key;
    private final Precision precision;
    private final PrefixEngine engine;
    private final boolean reused;
    private final AtomicLong images = new AtomicLong();
    private boolean closed;

    FeatureExtractor(ConvBase base, Weights weights, String cutLayer, Precision precision) {
        Backend.describe();
        this.base = base;
        this.precision = precision.resolve();
        this.weights = weights;
        int end = base.indexOf(cutLayer);
        this.cut = base.layers().get(end);
        List<Layer> run = base.layers().subList(0, end + 1);
        if (!base.graph().isPlainStack()) {
            Set<String> needed = new HashSet<>();
            base.graph().ancestorsOf(cutLayer).forEach(node -> needed.add(node.name()));
            run = run.stream().filter(l -> needed.contains(l.name())).toList();
        }
        this.key = base.name() + Arrays.toString(base.inputShape()) + run.stream().map(Layer::name).toList() + "@"
                + weights.checksum() + "#" + sample(run, weights) + "/" + this.precision + "/"
                + System.getProperty(PrefixEngine.BACKEND_PROPERTY, "");
        PrefixEngine kept = takeIdle(key);
        this.reused = kept != null;
        this.engine = kept != null ? kept : PrefixEngine.create(base.graph(), cutLayer, run, weights, this.precision);
    }

    /**
     * A hash of 64 values spread over each conv layer's kernel and of its bias: with the checksum in the key, weights
     * that merely share a checksum (hand-built {@link Weights#of} with a careless one) do not take over another's
     * engine.
     */
    private static long sample(List<Layer> run, Weights weights) {
        long h = 17;
        for (Layer l : run) {
            if (!l.hasWeights()) {
                continue;
            }
            LayerWeights w = weights.layer(l.name());
            for (String name : w.names()) {
                float[] k = w.values(name);
                int step = Math.max(1, k.length / 64);
                for (int i = 0; i < k.length; i += step) {
                    h = h * 31 + Float.floatToIntBits(k[i]);
                }
            }
        }
        return h;
    }

    private static PrefixEngine takeIdle(String key) {
        synchronized (IDLE_LOCK) {
            if (!key.equals(idleKey)) {
                return null;
            }
            PrefixEngine g = idleEngine;
            idleKey = null;
            idleEngine = null;
            return g;
        }
    }

    /** Drops the engine kept by the last {@link #close()}, if any (its native memory goes with the next GC). */
    public static void releaseIdle() {
        synchronized (IDLE_LOCK) {
            idleKey = null;
            idleEngine = null;
        }
    }

    /** Whether this extractor took over the engine of an earlier, closed one instead of setting up its own. */
    public boolean reusedEngine() {
        return reused;
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
        return engine.description();
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
        if (closed) {
            throw new IllegalStateException("FeatureExtractor is closed");
        }
        int[] in = base.inputShape();
        if (nhwc.rank() != 4 || nhwc.size(1) != in[0] || nhwc.size(2) != in[1] || nhwc.size(3) != in[2]) {
            throw new IllegalArgumentException("Expected NHWC input [n, " + in[0] + ", " + in[1] + ", " + in[2]
                    + "]; got " + Arrays.toString(nhwc.shape()));
        }
        INDArray x = nhwc.dataType() == DataType.FLOAT ? nhwc : nhwc.castTo(DataType.FLOAT);
        INDArray out = engine.forward(x);
        images.addAndGet(nhwc.size(0));
        return out;
    }

    /** Ends this extractor; its engine is kept for the next extractor of the same base, weights and cut. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        engine.releaseBuffers();
        synchronized (IDLE_LOCK) {
            idleKey = key;
            idleEngine = engine;
        }
    }
}
