package org.transfer4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

import org.transfer4j.train.EpochReport;
import org.transfer4j.train.TrainingListener;

/**
 * Keras's {@code ModelCheckpoint(save_best_only=True)}: each time the monitored metric (the early-stopping metric,
 * else {@code val_loss}) reaches a new best, the model is saved to {@code file} (atomically; see
 * {@link TransferModel#save}), with the history up to that epoch. Add it with
 * {@link TransferPipeline#listener}; a pipeline's training binds it to the model being trained.
 *
 * <p>Not thread-safe; use one instance per training run at a time.
 */
public final class ModelCheckpoint implements TrainingListener {
    private final Path file;
    private final boolean includeBaseWeights;
    private TransferModel model;
    private History before = History.empty();
    private History phase = History.empty();
    private int saved;

    /** Saves the best model to {@code file}, referencing the base weights by checksum. */
    public ModelCheckpoint(Path file) {
        this(file, false);
    }

    /** Saves the best model to {@code file}; with {@code includeBaseWeights}, the base weights too. */
    public ModelCheckpoint(Path file, boolean includeBaseWeights) {
        this.file = Objects.requireNonNull(file, "file");
        this.includeBaseWeights = includeBaseWeights;
    }

    void bind(TransferModel trained, History previousPhases) {
        this.model = trained;
        this.before = previousPhases;
        this.phase = History.empty();
    }

    @Override
    public void onEpochEnd(EpochReport report) {
        phase = phase.plus(report.metrics());
    }

    @Override
    public void onNewBest(int epoch, String monitor, double value) {
        if (model == null) {
            throw new IllegalStateException("ModelCheckpoint(" + file + ") is not bound to a model: add it to a "
                    + "TransferPipeline with listener(...)");
        }
        try {
            model.saveWithHistory(file, includeBaseWeights, before.then(phase));
            saved++;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot save checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** How many times a new best was saved. */
    public int saves() {
        return saved;
    }
}
