package org.transfer4j.train;

/** Callbacks of a training run. Default methods do nothing. */
public interface TrainingListener {

    /** After each epoch, with its metrics. */
    default void onEpochEnd(EpochReport report) {
    }

    /** When the monitored metric reaches a new best (for a best-model checkpoint). */
    default void onNewBest(int epoch, String monitor, double value) {
    }

    /** When training stops before its planned end (early stopping, NaN loss), with the reason. */
    default void onStop(String reason) {
    }
}
