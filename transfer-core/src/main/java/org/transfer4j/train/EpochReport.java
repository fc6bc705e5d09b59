package org.transfer4j.train;

import java.util.Locale;
import java.util.Map;

/**
 * What one finished epoch reports to listeners.
 *
 * @param epoch          1-based epoch number within the run
 * @param epochs         epochs planned for the run
 * @param metrics        {@code loss}, {@code acc} and, with validation data, {@code val_loss}, {@code val_acc}
 * @param seconds        wall time of the epoch (training and validation)
 * @param imagesPerSecond training examples per second
 * @param etaSeconds     estimated time to the end of the run
 * @param learningRate   the base learning rate used in this epoch
 */
public record EpochReport(int epoch, int epochs, Map<String, Double> metrics, double seconds, double imagesPerSecond,
        double etaSeconds, double learningRate) {

    /** Keras-like one-line summary: {@code Epoch 3/30 - 2.1s - 950 img/s - ETA 57s - loss: 0.4213 - acc: ...}. */
    public String line() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Epoch %d/%d - %.1fs - %.0f img/s - ETA %.0fs",
                epoch, epochs, seconds, imagesPerSecond, etaSeconds));
        metrics.forEach((k, v) -> sb.append(String.format(Locale.ROOT, " - %s: %.4f", k, v)));
        return sb.toString();
    }
}
