package org.transfer4j.internal.train;

import java.util.Iterator;

/**
 * Where a training loop takes its batches from: cached features, or images run through the frozen prefix (with
 * augmentation for training). An epoch is one pass over all samples, in an order derived from the source's seed and
 * the epoch number only.
 */
public interface BatchSource {

    /** Number of samples in one pass. */
    int samples();

    /** Batch size (the last batch of a pass may be smaller). */
    int batchSize();

    /** Batches per pass. */
    default int batchesPerPass() {
        return (samples() + batchSize() - 1) / batchSize();
    }

    /** Samples per class index, over one pass ({@code classes} entries; for class weights and warnings). */
    long[] classCounts(int classes);

    /** The batches of pass {@code pass} (0-based), shuffled if the source shuffles. */
    Iterator<Batch> pass(int pass);
}
