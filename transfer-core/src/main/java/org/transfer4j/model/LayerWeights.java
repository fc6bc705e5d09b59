package org.transfer4j.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * The kernel and bias of one convolution, in Keras's layout.
 *
 * @param kernel       {@code kh * kw * in * out} values in C order of shape {@code [kh, kw, in, out]}
 * @param kernelShape  {@code [kh, kw, in, out]}
 * @param bias         {@code out} values
 */
public record LayerWeights(float[] kernel, long[] kernelShape, float[] bias) {

    public LayerWeights {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(bias, "bias");
        kernelShape = kernelShape.clone();
        if (kernelShape.length != 4) {
            throw new IllegalArgumentException("kernel shape must be [kh, kw, in, out]; got " + Arrays.toString(kernelShape));
        }
        long n = kernelShape[0] * kernelShape[1] * kernelShape[2] * kernelShape[3];
        if (kernel.length != n) {
            throw new IllegalArgumentException("kernel has " + kernel.length + " values; shape "
                    + Arrays.toString(kernelShape) + " needs " + n);
        }
        if (bias.length != kernelShape[3]) {
            throw new IllegalArgumentException("bias has " + bias.length + " values; expected " + kernelShape[3]);
        }
    }

    @Override
    public long[] kernelShape() {
        return kernelShape.clone();
    }

    /** Number of parameters (kernel and bias). */
    public long parameters() {
        return kernel.length + (long) bias.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerWeights w && Arrays.equals(kernel, w.kernel) && Arrays.equals(kernelShape, w.kernelShape)
                && Arrays.equals(bias, w.bias);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(kernel), Arrays.hashCode(kernelShape), Arrays.hashCode(bias));
    }

    @Override
    public String toString() {
        return "LayerWeights" + Arrays.toString(kernelShape);
    }
}
