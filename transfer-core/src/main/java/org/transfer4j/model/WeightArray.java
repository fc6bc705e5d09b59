package org.transfer4j.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named weight array of a model, copied out: its shape (Keras's layout, e.g. {@code [kh, kw, in, out]} for a
 * convolution kernel, {@code [in, out]} for a dense one) and its values in row-major order. Equal to another with the
 * same shape and values. Immutable: the arrays are copied in and out.
 *
 * @param shape  the array's shape
 * @param values {@code product(shape)} values, row-major
 */
public record WeightArray(int[] shape, float[] values) {
    /**
     * Copies and checks the arrays.
     *
     * @throws IllegalArgumentException if the number of values does not match the shape
     */
    public WeightArray {
        shape = Objects.requireNonNull(shape, "shape").clone();
        values = Objects.requireNonNull(values, "values").clone();
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values; got "
                    + values.length);
        }
    }

    /** A copy of the shape. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the values. */
    @Override
    public float[] values() {
        return values.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightArray w && Arrays.equals(shape, w.shape) && Arrays.equals(values, w.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "WeightArray" + Arrays.toString(shape);
    }
}
