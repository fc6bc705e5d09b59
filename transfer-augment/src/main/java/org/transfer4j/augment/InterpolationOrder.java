package org.transfer4j.augment;

/**
 * The spline order of the affine stage's resampling, as Keras's {@code ImageDataGenerator(interpolation_order=...)}:
 * order 0 is nearest neighbour (source index {@code floor(x + 0.5)}), order 1 is bilinear (Keras's default).
 * Immutable and thread-safe.
 *
 * <p>Not to be confused with {@code org.transfer4j.data.Interpolation}, the filter {@code load_img} resizes with
 * (Keras's {@code interpolation='nearest'|'bilinear'|'bicubic'}).
 */
public enum InterpolationOrder {
    /** Spline order 0: the nearest source pixel, ties rounding up. */
    NEAREST(0),
    /** Spline order 1: bilinear interpolation of the four neighbours. */
    BILINEAR(1);

    private final int order;

    InterpolationOrder(int order) {
        this.order = order;
    }

    /** The spline order Keras and scipy use: 0 or 1. */
    public int order() {
        return order;
    }

    /**
     * The interpolation for a Keras {@code interpolation_order}.
     *
     * @throws IllegalArgumentException unless {@code order} is 0 or 1 (higher scipy spline orders are not
     *                                  implemented)
     */
    public static InterpolationOrder fromOrder(int order) {
        return switch (order) {
            case 0 -> NEAREST;
            case 1 -> BILINEAR;
            default -> throw new IllegalArgumentException(
                    "interpolation_order must be 0 (nearest) or 1 (bilinear); got " + order);
        };
    }
}
