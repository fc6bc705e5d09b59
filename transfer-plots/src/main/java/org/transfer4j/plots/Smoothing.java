package org.transfer4j.plots;

/**
 * Exponential smoothing of a training curve, exactly as {@code smooth_curve(points, factor=0.8)} in Chollet,
 * <i>Deep Learning with Python</i>, listing 5.24.
 *
 * <p>The first point is kept; every later point becomes {@code previous * factor + point * (1 - factor)}, where
 * {@code previous} is the previous <em>smoothed</em> value. A factor of 0 returns the curve unchanged; factors
 * closer to 1 smooth more.
 *
 * <p><b>NaN</b> (a missing value, e.g. a diverged loss) is where this class goes beyond the book, whose code would
 * turn every point after a NaN into NaN: a NaN point stays NaN in the output (drawn as a gap) and does not enter
 * the running average, and smoothing starts at the first non-NaN point. On curves without NaN the result is the
 * book's, bit for bit.
 *
 * <p>Stateless and thread-safe.
 */
public final class Smoothing {

    /** The book's default smoothing factor, {@value}. */
    public static final double DEFAULT_FACTOR = 0.8;

    private Smoothing() {
    }

    /**
     * Smooths with the book's default factor {@value #DEFAULT_FACTOR}.
     *
     * @param points the curve, one value per epoch; not modified
     * @return a new array of the same length
     * @throws IllegalArgumentException if {@code points} is null
     */
    public static double[] exponential(double[] points) {
        return exponential(points, DEFAULT_FACTOR);
    }

    /**
     * Smooths {@code points} with an exponential moving average.
     *
     * @param points the curve, one value per epoch; not modified; may be empty; NaN entries are gaps
     * @param factor weight of the previous smoothed value, in [0, 1) (0 inclusive, 1 exclusive)
     * @return a new array of the same length
     * @throws IllegalArgumentException if {@code points} is null or {@code factor} lies outside [0, 1)
     */
    public static double[] exponential(double[] points, double factor) {
        if (points == null) {
            throw new IllegalArgumentException("points must not be null");
        }
        checkFactor(factor);
        double[] smoothed = new double[points.length];
        boolean started = false;
        double previous = 0;
        for (int i = 0; i < points.length; i++) {
            double point = points[i];
            if (Double.isNaN(point)) {
                smoothed[i] = Double.NaN;
                continue;
            }
            previous = started ? previous * factor + point * (1 - factor) : point;
            started = true;
            smoothed[i] = previous;
        }
        return smoothed;
    }

    /**
     * Checks a smoothing factor.
     *
     * @param factor the factor to check
     * @return {@code factor}
     * @throws IllegalArgumentException unless {@code 0 <= factor < 1}
     */
    public static double checkFactor(double factor) {
        if (!(factor >= 0 && factor < 1)) {
            throw new IllegalArgumentException(
                    "smoothing factor must be in [0, 1) (0 inclusive, 1 exclusive); got " + factor);
        }
        return factor;
    }
}
