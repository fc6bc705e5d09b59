package org.transfer4j.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A Keras {@code width_shift_range} / {@code height_shift_range} value and its sampling rule, quirks included
 * (keras_preprocessing {@code ImageDataGenerator.get_random_transform}).
 *
 * <ul>
 *   <li>{@link #uniform(double) uniform(f)} with {@code 0 < f < 1}: {@code uniform(-f, f) * size} (fraction of the
 *       image size);</li>
 *   <li>{@link #uniform(double) uniform(p)} with {@code p >= 1}: {@code uniform(-p, p)} pixels (not scaled);</li>
 *   <li>{@link #integer(int) integer(n)}, {@code n >= 1}: {@code choice(n) * choice([-1, 1])} pixels, an integer in
 *       {@code (-n, n)}; so {@code 2} gives {-1, 0, 1} with P(0) = 1/2 and {@code 1} always gives 0 (Keras
 *       distinguishes the Python int 2 from the float 2.0);</li>
 *   <li>{@link #choices(double...) choices(v...)}: a random element times a random sign, multiplied by the size only
 *       if the largest element is {@code < 1} ({@link #choices(int...)} for a list of Python ints);</li>
 *   <li>{@link #none()} (or a value of 0): no shift and no random draw.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class ShiftRange {

    private enum Kind { NONE, UNIFORM, INTEGER, CHOICES, INTEGER_CHOICES }

    private static final ShiftRange NONE = new ShiftRange(Kind.NONE, 0, new double[0]);

    private final Kind kind;
    private final double value;
    private final double[] choices;

    private ShiftRange(Kind kind, double value, double[] choices) {
        this.kind = kind;
        this.value = value;
        this.choices = choices;
    }

    /** No shift. */
    public static ShiftRange none() {
        return NONE;
    }

    /**
     * A continuous range, as a Python float in Keras: a fraction of the size if {@code < 1}, pixels otherwise;
     * 0 means none.
     *
     * @throws IllegalArgumentException if {@code range} is negative, NaN or infinite
     */
    public static ShiftRange uniform(double range) {
        if (!(range >= 0) || Double.isInfinite(range)) {
            throw new IllegalArgumentException("shift range must be a finite number >= 0 (a fraction of the size if < 1,"
                    + " pixels if >= 1); got " + range);
        }
        return range == 0 ? NONE : new ShiftRange(Kind.UNIFORM, range, new double[0]);
    }

    /**
     * A discrete range, as a Python int in Keras: {@code choice(n) * choice([-1, 1])} pixels; 0 means none.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public static ShiftRange integer(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("integer shift range must be >= 0 (shift in whole pixels in (-n, n)); got " + n);
        }
        return n == 0 ? NONE : new ShiftRange(Kind.INTEGER, n, new double[0]);
    }

    /**
     * A list of choices, as a Python list in Keras: a random element with a random sign, scaled by the size if the
     * largest element is {@code < 1}.
     *
     * @throws IllegalArgumentException if {@code values} is empty or holds NaN or infinite values
     */
    public static ShiftRange choices(double... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("shift choices must hold at least one finite value; got none");
        }
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("shift choices must be finite; got " + Arrays.toString(values));
            }
        }
        return new ShiftRange(Kind.CHOICES, 0, values.clone());
    }

    /**
     * A list of integer choices, as a Python list of ints in Keras: like {@link #choices(double...)} but the result
     * is an integer number of pixels (no {@code -0.0}), as numpy's integer arithmetic gives.
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static ShiftRange choices(int... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("shift choices must hold at least one value; got none");
        }
        return new ShiftRange(Kind.INTEGER_CHOICES, 0, Arrays.stream(values).asDoubleStream().toArray());
    }

    /** Whether a shift is drawn at all. */
    public boolean isEnabled() {
        return kind != Kind.NONE;
    }

    /** Whether the drawn value is multiplied by the image size ({@code np.max(range) < 1} in Keras). */
    public boolean scalesWithSize() {
        return switch (kind) {
            case NONE, INTEGER -> false;
            case UNIFORM -> value < 1;
            case CHOICES, INTEGER_CHOICES -> Arrays.stream(choices).max().orElseThrow() < 1;
        };
    }

    /**
     * Draws a shift in pixels for an axis of {@code size} pixels, as Keras does.
     *
     * @param rng  the random source; draws are consumed only if {@link #isEnabled()}
     * @param size the number of rows (for {@code tx}) or columns (for {@code ty})
     */
    public double sample(RandomGenerator rng, int size) {
        double v;
        switch (kind) {
            case NONE:
                return 0.0;
            case UNIFORM:
                v = Augmentation.uniform(rng, -value, value);
                break;
            case INTEGER: {
                long k = rng.nextInt((int) value);
                return k * (rng.nextBoolean() ? 1 : -1);          // integer arithmetic: never -0.0
            }
            case INTEGER_CHOICES: {
                long k = (long) choices[rng.nextInt(choices.length)];
                k *= rng.nextBoolean() ? 1 : -1;
                return scalesWithSize() ? (double) (k * size) : (double) k;
            }
            case CHOICES:
                v = choices[rng.nextInt(choices.length)];
                v *= rng.nextBoolean() ? 1 : -1;
                break;
            default:
                throw new AssertionError(kind);
        }
        return scalesWithSize() ? v * size : v;
    }

    /** The value as Keras takes it: a Double, an Integer, a {@code List<Double>}, or 0 for none. */
    public Object toKeras() {
        return switch (kind) {
            case NONE -> 0.0;
            case UNIFORM -> value;
            case INTEGER -> (int) value;
            case CHOICES -> Arrays.stream(choices).boxed().toList();
            case INTEGER_CHOICES -> Arrays.stream(choices).mapToObj(d -> (int) d).toList();
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShiftRange s && kind == s.kind && Double.compare(value, s.value) == 0
                && Arrays.equals(choices, s.choices);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * kind.hashCode() + Double.hashCode(value)) + Arrays.hashCode(choices);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "0";
            case UNIFORM -> Double.toString(value);
            case INTEGER -> Integer.toString((int) value);
            case CHOICES -> Arrays.toString(choices);
            case INTEGER_CHOICES -> Arrays.toString(Arrays.stream(choices).mapToInt(d -> (int) d).toArray());
        };
    }
}
