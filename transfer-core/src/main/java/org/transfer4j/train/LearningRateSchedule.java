package org.transfer4j.train;

/**
 * Keras's {@code LearningRateScheduler}: the learning rate of each epoch, given its 0-based index and the base
 * rate.
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double learningRate(int epoch, double baseRate);

    /** The base rate throughout. */
    static LearningRateSchedule constant() {
        return (epoch, base) -> base;
    }

    /** The base rate multiplied by {@code factor} every {@code every} epochs. */
    static LearningRateSchedule stepDecay(double factor, int every) {
        if (!(factor > 0) || every < 1) {
            throw new IllegalArgumentException("step decay needs factor > 0 and every >= 1; got factor=" + factor
                    + ", every=" + every);
        }
        return (epoch, base) -> base * Math.pow(factor, epoch / every);
    }
}
