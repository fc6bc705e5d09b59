package org.transfer4j.augment;

/**
 * The unit in which a {@code shear_range} is read.
 *
 * <p>Current keras_preprocessing (1.1.0, the version of the golden fixtures) passes the sampled shear through
 * {@code np.deg2rad}, so {@code shear_range=0.2} means ±0.2 degrees: practically no shear. Deep Learning with
 * Python was written when Keras read the value in radians, so the book's 0.2 meant ±0.2 rad ≈ ±11.5°.
 * {@link #DEGREES} is the default (current Keras); choose {@link #RADIANS} to reproduce the book-era behaviour.
 * Immutable and thread-safe.
 */
public enum ShearUnit {
    /** Current Keras: the range is in degrees. */
    DEGREES,
    /** The Keras the book was written against: the range is in radians. */
    RADIANS
}
