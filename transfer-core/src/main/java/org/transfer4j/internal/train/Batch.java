package org.transfer4j.internal.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch for the trainable suffix.
 *
 * @param x        cut tensors, {@code [n, h, w, c]}
 * @param y        targets, {@code [n, units]} (binary: the class index 0/1; categorical: one-hot)
 * @param classes  class index of each example
 */
public record Batch(INDArray x, INDArray y, int[] classes) {
    public int size() {
        return classes.length;
    }
}
