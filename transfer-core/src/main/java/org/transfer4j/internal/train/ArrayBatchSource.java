package org.transfer4j.internal.train;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches from arrays in memory: cached features (N×h×w×c float32) and their class indices. Shuffles each pass with
 * a permutation derived from (seed, pass), like Keras's {@code fit(shuffle=True)}; or keeps the order.
 *
 * <p>Immutable; the arrays are shared, not copied.
 */
public final class ArrayBatchSource implements BatchSource {
    private final float[] features;
    private final int[] shape;
    private final int[] classes;
    private final int units;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;

    /**
     * @param features  {@code n * h * w * c} values
     * @param shape     {@code [h, w, c]} of one example
     * @param classes   class index per example
     * @param units     output units: 1 for binary (target = class index), else one-hot of this width
     * @param batchSize ≥ 1
     * @param shuffle   whether each pass is shuffled
     * @param seed      seeds the shuffles
     */
    public ArrayBatchSource(float[] features, int[] shape, int[] classes, int units, int batchSize, boolean shuffle,
            long seed) {
        this.features = Objects.requireNonNull(features);
        this.shape = shape.clone();
        this.classes = classes.clone();
        this.units = units;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + batchSize);
        }
        long per = (long) shape[0] * shape[1] * shape[2];
        if (features.length != per * classes.length) {
            throw new IllegalArgumentException(classes.length + " labels need " + per * classes.length
                    + " feature values; got " + features.length);
        }
        for (int c : classes) {
            if (c < 0 || (units > 1 && c >= units) || (units == 1 && c > 1)) {
                throw new IllegalArgumentException("class index " + c + " does not fit a head with " + units
                        + (units == 1 ? " sigmoid output (classes 0 and 1)" : " softmax outputs"));
            }
        }
    }

    @Override
    public int samples() {
        return classes.length;
    }

    @Override
    public long[] classCounts(int k) {
        long[] counts = new long[k];
        for (int c : classes) {
            counts[c]++;
        }
        return counts;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The permutation of pass {@code pass}. */
    int[] order(int pass) {
        int[] order = new int[classes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + pass);
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    @Override
    public Iterator<Batch> pass(int pass) {
        int[] order = order(pass);
        int per = shape[0] * shape[1] * shape[2];
        return new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int n = Math.min(batchSize, order.length - next);
                float[] x = new float[n * per];
                float[] y = new float[n * units];
                int[] c = new int[n];
                for (int i = 0; i < n; i++) {
                    int src = order[next + i];
                    System.arraycopy(features, src * per, x, i * per, per);
                    c[i] = classes[src];
                    if (units == 1) {
                        y[i] = c[i];
                    } else {
                        y[i * units + c[i]] = 1f;
                    }
                }
                next += n;
                return new Batch(Nd4j.create(x, new long[] {n, shape[0], shape[1], shape[2]}, 'c'),
                        Nd4j.create(y, new long[] {n, units}, 'c'), c);
            }
        };
    }
}
