package org.transfer4j.train;

/**
 * Keras's cross-entropy losses of predicted probabilities, mean over examples: probabilities are clipped to
 * {@code [1e-7, 1 - 1e-7]} (Keras's {@code epsilon()}) before the logarithm, as {@code keras.losses} does when
 * {@code from_logits=False}. The training engine computes the same losses from logits (numerically stabler); these
 * are for evaluation and checks.
 *
 * <p>Stateless and thread-safe.
 */
public final class Losses {
    /** Keras's {@code backend.epsilon()}. */
    public static final double EPSILON = 1e-7;

    private Losses() {
    }

    /**
     * Keras's {@code binary_crossentropy}: one sigmoid output per example, target class 0 or 1.
     *
     * @param probabilities {@code n} probabilities of class 1
     * @param classes       {@code n} classes, 0 or 1
     * @return the mean loss, NaN for no examples
     * @throws IllegalArgumentException if the lengths differ or a class is not 0 or 1
     */
    public static double binaryCrossentropy(float[] probabilities, int[] classes) {
        check(probabilities.length, classes.length, 1);
        double sum = 0;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] != 0 && classes[i] != 1) {
                throw new IllegalArgumentException("binary cross-entropy needs classes 0 and 1; got " + classes[i]
                        + " at example " + i);
            }
            double p = clip(probabilities[i]);
            sum -= classes[i] == 1 ? Math.log(p) : Math.log(1 - p);
        }
        return classes.length == 0 ? Double.NaN : sum / classes.length;
    }

    /**
     * Keras's {@code sparse_categorical_crossentropy}: softmax outputs, integer class labels. As in Keras, the
     * probabilities are clipped and then normalised per row (the log-probabilities feed a softmax cross-entropy).
     *
     * @param probabilities {@code n * units} probabilities, row-major
     * @param units         number of classes, ≥ 2
     * @param classes       {@code n} class indices in {@code [0, units)}
     * @return the mean loss, NaN for no examples
     * @throws IllegalArgumentException if the lengths do not fit or a class is out of range
     */
    public static double sparseCategoricalCrossentropy(float[] probabilities, int units, int[] classes) {
        check(probabilities.length, classes.length, units);
        double sum = 0;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= units) {
                throw new IllegalArgumentException("class " + classes[i] + " at example " + i + " is outside [0, "
                        + units + ")");
            }
            // Keras: log(clip(p)) are the logits of a softmax cross-entropy, i.e. clip, then normalise the row
            double clippedSum = 0;
            for (int j = 0; j < units; j++) {
                clippedSum += clip(probabilities[i * units + j]);
            }
            sum -= Math.log(clip(probabilities[i * units + classes[i]])) - Math.log(clippedSum);
        }
        return classes.length == 0 ? Double.NaN : sum / classes.length;
    }

    /**
     * Keras's {@code categorical_crossentropy}: softmax outputs, one-hot (or soft) targets, as
     * {@code flow_from_directory(class_mode='categorical')} yields them. Each row of probabilities is divided by its
     * sum, then clipped, as Keras does.
     *
     * @param probabilities {@code n * units} probabilities, row-major
     * @param targets       {@code n * units} targets, row-major (one-hot rows for hard labels)
     * @param units         number of classes, ≥ 2
     * @return the mean loss, NaN for no examples
     * @throws IllegalArgumentException if the lengths differ or do not divide by {@code units}
     */
    public static double categoricalCrossentropy(float[] probabilities, float[] targets, int units) {
        if (targets.length % Math.max(units, 1) != 0) {
            throw new IllegalArgumentException(targets.length + " targets do not divide into rows of " + units);
        }
        int n = targets.length / units;
        check(probabilities.length, n, units);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double norm = rowSum(probabilities, i, units);
            for (int j = 0; j < units; j++) {
                float t = targets[i * units + j];
                if (t != 0) {
                    sum -= t * Math.log(clip(probabilities[i * units + j] / norm));
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * The class index of each one-hot row (its largest entry, the first on ties), as Keras's
     * {@code argmax(y_true)}.
     *
     * @throws IllegalArgumentException if the length does not divide by {@code units}
     */
    public static int[] classesOfOneHot(float[] targets, int units) {
        if (units < 1 || targets.length % units != 0) {
            throw new IllegalArgumentException(targets.length + " targets do not divide into rows of " + units);
        }
        int[] classes = new int[targets.length / units];
        for (int i = 0; i < classes.length; i++) {
            int best = 0;
            for (int j = 1; j < units; j++) {
                if (targets[i * units + j] > targets[i * units + best]) {
                    best = j;
                }
            }
            classes[i] = best;
        }
        return classes;
    }

    private static double rowSum(float[] p, int row, int units) {
        double s = 0;
        for (int j = 0; j < units; j++) {
            s += p[row * units + j];
        }
        return s;
    }

    private static double clip(double p) {
        return Math.min(Math.max(p, EPSILON), 1 - EPSILON);
    }

    private static void check(int probabilities, int n, int units) {
        if (units < 1 || (long) n * units != probabilities) {
            throw new IllegalArgumentException(n + " examples with " + units + " outputs need " + (long) n * units
                    + " probabilities; got " + probabilities);
        }
    }
}
