package org.transfer4j.internal.graph;

/** Keras's {@code padding} argument of convolutions and pools. */
public enum Padding {
    /** Output {@code ceil(in / stride)}; the missing rows and columns are padded, the extra one at the end (TensorFlow's rule). */
    SAME,
    /** No padding: output {@code floor((in - k) / stride) + 1}. */
    VALID;

    /** Keras's output size for an input of {@code in}, window {@code k}, stride {@code s}. */
    public int outputSize(int in, int k, int s) {
        return this == SAME ? (in + s - 1) / s : (in - k) / s + 1;
    }

    /** Padding before (top or left) for an input of {@code in}: half the total, rounded down. */
    public int before(int in, int k, int s) {
        return total(in, k, s) / 2;
    }

    /** Padding after (bottom or right): the rest of the total. */
    public int after(int in, int k, int s) {
        int t = total(in, k, s);
        return t - t / 2;
    }

    private int total(int in, int k, int s) {
        if (this == VALID) {
            return 0;
        }
        int out = outputSize(in, k, s);
        return Math.max((out - 1) * s + k - in, 0);
    }
}
