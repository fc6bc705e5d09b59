package org.transfer4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import org.transfer4j.io.History;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.TrainingListener;

/**
 * Keras's {@code ModelCheckpoint(save_best_only=True)}: each time the monitored metric (the early-stopping metric,
 * else {@code val_loss}) reaches a new best, the model is saved to {@code file} (atomically; see
 * {@link TransferModel#save}), with the history up to that epoch. Add it with {@link TransferPipeline#listener}.
 *
 * <p>A checkpoint is a setting, not a participant: each training run binds it afresh to the model that run trains
 * (the run's own copy keeps the epochs seen so far), so one pipeline holding a checkpoint can train several models,
 * even at once; give concurrent runs different files. Thread-safe.
 */
public final class ModelCheckpoint implements TrainingListener {
    private final Path file;
    private final boolean includeBaseWeights;
    private final AtomicInteger saved = new AtomicInteger();

    /** Saves the best model to {@code file}, referencing the base weights by checksum. */
    public ModelCheckpoint(Path file) {
        this(file, false);
    }

    /** Saves the best model to {@code file}; with {@code includeBaseWeights}, the base weights too. */
    public ModelCheckpoint(Path file, boolean includeBaseWeights) {
        this.file = Objects.requireNonNull(file, "file");
        this.includeBaseWeights = includeBaseWeights;
    }

    /** How a run saves its model as it is at an epoch, with the history of this phase so far. */
    @FunctionalInterface
    interface Saver {
        void save(Path file, boolean includeBaseWeights, History phaseSoFar) throws IOException;
    }

    /** This checkpoint bound to one training run: the listener the run calls. */
    TrainingListener forRun(Saver saver) {
        Objects.requireNonNull(saver, "saver");
        return new TrainingListener() {
            private History phase = History.empty();

            @Override
            public void onEpochEnd(EpochReport report) {
                phase = phase.plus(report.metrics());
            }

            @Override
            public void onNewBest(int epoch, String monitor, double value) {
                try {
                    saver.save(file, includeBaseWeights, phase);
                    saved.incrementAndGet();
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot save checkpoint " + file + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * Not called by training (a run calls its own binding); called directly, it has no model to save.
     *
     * @throws IllegalStateException always
     */
    @Override
    public void onNewBest(int epoch, String monitor, double value) {
        throw new IllegalStateException("ModelCheckpoint(" + file + ") is not bound to a model: add it to a "
                + "TransferPipeline with listener(...)");
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** How many times a new best was saved, over all runs. */
    public int saves() {
        return saved.get();
    }
}
