package org.transfer4j.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The weights of one layer, by Keras's short weight name ({@code kernel}, {@code bias}, {@code depthwise_kernel},
 * {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}), each in Keras's shape and row-major
 * order: a convolution kernel {@code [kh, kw, in, out]}, a depthwise kernel {@code [kh, kw, in, 1]}, vectors
 * {@code [c]}.
 *
 * <p>Immutable in structure; the float arrays are shared, not copied, so do not modify them.
 */
public final class LayerWeights {
    private final Map<String, long[]> shapes;
    private final Map<String, float[]> values;

    /**
     * The kernel and bias of a convolution.
     *
     * @param kernel       {@code kh * kw * in * out} values in C order of shape {@code [kh, kw, in, out]}
     * @param kernelShape  {@code [kh, kw, in, out]}
     * @param bias         {@code out} values
     * @throws IllegalArgumentException if the sizes do not match
     */
    public LayerWeights(float[] kernel, long[] kernelShape, float[] bias) {
        this(conv(kernel, kernelShape, bias), true);
        if (kernelShape.length != 4) {
            throw new IllegalArgumentException("kernel shape must be [kh, kw, in, out]; got " + Arrays.toString(kernelShape));
        }
        if (bias.length != kernelShape[3]) {
            throw new IllegalArgumentException("bias has " + bias.length + " values; expected " + kernelShape[3]);
        }
    }

    private LayerWeights(Map<String, Object[]> arrays, boolean unused) {
        Map<String, long[]> s = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (Map.Entry<String, Object[]> e : arrays.entrySet()) {
            long[] shape = ((long[]) e.getValue()[0]).clone();
            float[] data = (float[]) e.getValue()[1];
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (data.length != n) {
                throw new IllegalArgumentException(e.getKey() + " has " + data.length + " values; shape "
                        + Arrays.toString(shape) + " needs " + n);
            }
            s.put(e.getKey(), shape);
            v.put(e.getKey(), data);
        }
        this.shapes = Collections.unmodifiableMap(s);
        this.values = Collections.unmodifiableMap(v);
    }

    private static Map<String, Object[]> conv(float[] kernel, long[] kernelShape, float[] bias) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(bias, "bias");
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("kernel", new Object[] {kernelShape.clone(), kernel});
        m.put("bias", new Object[] {new long[] {bias.length}, bias});
        return m;
    }

    /** A builder for any set of named arrays. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects named arrays; {@link #build()} checks each array's size against its shape. */
    public static final class Builder {
        private final Map<String, Object[]> arrays = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds (or replaces) array {@code name} of {@code shape}; the array is shared, not copied. */
        public Builder put(String name, long[] shape, float[] values) {
            arrays.put(Objects.requireNonNull(name, "name"), new Object[] {shape.clone(), Objects.requireNonNull(values)});
            return this;
        }

        /** @throws IllegalArgumentException naming an array whose size does not match its shape */
        public LayerWeights build() {
            return new LayerWeights(arrays, true);
        }
    }

    /** The weight names, in order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Whether it holds array {@code name}. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The values of array {@code name} (shared). @throws IllegalArgumentException listing the names held */
    public float[] values(String name) {
        float[] v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("No weight '" + name + "'; held: " + names());
        }
        return v;
    }

    /** The shape of array {@code name}. @throws IllegalArgumentException listing the names held */
    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) {
            throw new IllegalArgumentException("No weight '" + name + "'; held: " + names());
        }
        return s.clone();
    }

    /** A convolution's kernel ({@code kernel}, else {@code depthwise_kernel}). */
    public float[] kernel() {
        return values(has("kernel") || !has("depthwise_kernel") ? "kernel" : "depthwise_kernel");
    }

    /** The kernel's shape, e.g. {@code [kh, kw, in, out]}. */
    public long[] kernelShape() {
        return shape(has("kernel") || !has("depthwise_kernel") ? "kernel" : "depthwise_kernel");
    }

    /** The bias. @throws IllegalArgumentException if the layer has none */
    public float[] bias() {
        return values("bias");
    }

    /** Number of parameters (every array). */
    public long parameters() {
        return values.values().stream().mapToLong(v -> v.length).sum();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LayerWeights w) || !values.keySet().equals(w.values.keySet())) {
            return false;
        }
        for (String k : values.keySet()) {
            if (!Arrays.equals(shapes.get(k), w.shapes.get(k)) || !Arrays.equals(values.get(k), w.values.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (String k : values.keySet()) {
            h = 31 * h + k.hashCode() + Arrays.hashCode(shapes.get(k)) + 7 * Arrays.hashCode(values.get(k));
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LayerWeights[");
        shapes.forEach((k, v) -> sb.append(sb.length() > 13 ? ", " : "").append(k).append(Arrays.toString(v)));
        return sb.append(']').toString();
    }
}
