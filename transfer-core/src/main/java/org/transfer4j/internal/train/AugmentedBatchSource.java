package org.transfer4j.internal.train;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.augment.AugmentedBatch;
import org.transfer4j.augment.Augmenter;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.augment.ImageSource;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Preprocessing;

/**
 * Training batches made fresh every pass (the book's approach 2, listing 5-21): images are decoded and randomly
 * transformed by an {@link Augmenter} on worker threads (seeded per image, so a pass is the same whatever the
 * number of threads), preprocessed, and run through the frozen prefix; the batch holds the cut tensors. Only
 * training uses this; validation and test come unaugmented from the feature cache.
 *
 * <p>Owns the augmenter's threads: close it. A pass must be consumed by one thread.
 */
public final class AugmentedBatchSource implements BatchSource, AutoCloseable {
    private final List<ImageEntry> entries;
    private final ImageSource images;
    private final Augmenter augmenter;
    private final FeatureExtractor prefix;
    private final Preprocessing preprocessing;
    private final int units;
    private final int batchSize;

    /**
     * @param entries       training images with their classes
     * @param decoder       decodes at the base's input size, RGB
     * @param augmentation  the random transforms (its own seed makes passes reproducible); must not rescale (the
     *                      base's preprocessing does that)
     * @param prefix        the frozen prefix, up to the cut
     * @param units         head output units (1 = binary)
     * @param batchSize     ≥ 1
     * @param threads       augmentation threads, ≥ 1
     * @throws IllegalArgumentException if the augmentation rescales
     */
    public AugmentedBatchSource(List<ImageEntry> entries, ImageDecoder decoder, Augmentation augmentation,
            FeatureExtractor prefix, int units, int batchSize, int threads) {
        if (augmentation.rescale() != 0) {
            throw new IllegalArgumentException("The augmentation rescales by " + augmentation.rescale()
                    + "; in a pipeline, scaling is the base's preprocessing: drop rescale and use "
                    + "ConvBase.withPreprocessing(Preprocessing.RESCALE) for the book's 1/255");
        }
        this.entries = List.copyOf(entries);
        Objects.requireNonNull(decoder, "decoder");
        this.images = new ImageSource() {
            @Override
            public int size() {
                return AugmentedBatchSource.this.entries.size();
            }

            @Override
            public HwcImage image(int index) throws IOException {
                return decoder.decode(AugmentedBatchSource.this.entries.get(index).path());
            }
        };
        this.augmenter = Augmenter.builder(augmentation).threads(threads).batchSize(batchSize).shuffle(true).build();
        this.prefix = prefix;
        this.preprocessing = prefix.base().preprocessing();
        this.units = units;
        this.batchSize = batchSize;
    }

    @Override
    public int samples() {
        return entries.size();
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public long[] classCounts(int classes) {
        long[] counts = new long[classes];
        for (ImageEntry e : entries) {
            counts[e.classIndex()]++;
        }
        return counts;
    }

    @Override
    public Iterator<Batch> pass(int pass) {
        Augmenter.Epoch epoch = augmenter.epoch(images, pass);
        int[] cut = prefix.outputShape();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = epoch.hasNext();
                if (!more) {
                    epoch.close();
                }
                return more;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                AugmentedBatch b = epoch.next();
                float[] x = b.data();
                preprocessing.applyRgb(x, 0, x.length / 3);
                int n = b.size();
                float[] features = prefix.extractPreprocessed(x, n);
                float[] y = new float[n * units];
                int[] classes = new int[n];
                for (int i = 0; i < n; i++) {
                    classes[i] = entries.get(b.indices()[i]).classIndex();
                    if (units == 1) {
                        y[i] = classes[i];
                    } else {
                        y[i * units + classes[i]] = 1f;
                    }
                }
                return new Batch(Nd4j.create(features, new long[] {n, cut[0], cut[1], cut[2]}, 'c'),
                        Nd4j.create(y, new long[] {n, units}, 'c'), classes);
            }
        };
    }

    @Override
    public void close() {
        augmenter.close();
    }
}
