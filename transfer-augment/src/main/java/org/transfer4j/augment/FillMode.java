package org.transfer4j.augment;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How points outside the input image are filled, as Keras's {@code ImageDataGenerator(fill_mode=...)} (which hands
 * it to {@code scipy.ndimage.affine_transform(mode=...)}).
 *
 * <p>For an input row or column of {@code n} pixels (abcd below, n = 4):
 * <ul>
 *   <li>{@link #CONSTANT}: {@code kkkk|abcd|kkkk} with k = {@code cval}; any coordinate outside [0, n-1] gives cval
 *       (hard edge, no blending with cval in the last half pixel).</li>
 *   <li>{@link #NEAREST}: {@code aaaa|abcd|dddd} (Keras's default).</li>
 *   <li>{@link #REFLECT}: {@code dcba|abcd|dcba}, half-sample symmetric.</li>
 *   <li>{@link #WRAP}: scipy's legacy wrap with period {@code n - 1} (first and last pixel coincide), not the
 *       {@code abcd|abcd} the Keras docstring shows.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public enum FillMode {
    /** Fill with the constant {@code cval}. */
    CONSTANT,
    /** Repeat the edge pixel. */
    NEAREST,
    /** Mirror about the pixel edge (half-sample symmetric). */
    REFLECT,
    /** Periodic with period n - 1 (scipy legacy "wrap"). */
    WRAP;

    /** The Keras spelling: {@code constant}, {@code nearest}, {@code reflect} or {@code wrap}. */
    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a Keras {@code fill_mode} string.
     *
     * @throws IllegalArgumentException if {@code name} is not one of the four Keras names
     */
    public static FillMode fromKeras(String name) {
        for (FillMode m : values()) {
            if (m.kerasName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("fill_mode must be one of "
                + Arrays.stream(values()).map(FillMode::kerasName).collect(Collectors.joining(", "))
                + "; got '" + name + "'");
    }
}
