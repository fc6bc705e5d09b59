package org.transfer4j.train;

import java.util.Objects;

/**
 * Keras's {@code EarlyStopping}: stop when {@code monitor} has not improved by more than {@code minDelta} for
 * {@code patience} epochs. Metrics whose name contains {@code acc} are maximised, others minimised.
 *
 * @param monitor     e.g. {@code val_loss} or {@code val_acc}
 * @param patience    epochs without improvement before stopping, ≥ 0
 * @param minDelta    the smallest change that counts as an improvement, ≥ 0
 * @param restoreBest whether to restore the weights of the best epoch at the end
 */
public record EarlyStopping(String monitor, int patience, double minDelta, boolean restoreBest) {
    public EarlyStopping {
        Objects.requireNonNull(monitor, "monitor");
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0; got " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("minDelta must be >= 0; got " + minDelta);
        }
    }

    /** Stop on {@code val_loss} with this patience, restoring the best weights. */
    public static EarlyStopping onValLoss(int patience) {
        return new EarlyStopping("val_loss", patience, 0, true);
    }

    /** True if larger values of the monitored metric are better. */
    public boolean maximise() {
        return maximise(monitor);
    }

    /** True if larger values of {@code metric} are better: accuracies and AUCs (Keras's {@code mode='auto'}). */
    public static boolean maximise(String metric) {
        return metric.contains("acc") || metric.contains("auc");
    }
}
