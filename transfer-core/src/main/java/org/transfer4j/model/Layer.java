package org.transfer4j.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One layer of a convolutional base, as Keras names and shapes it.
 *
 * @param name         Keras's layer name, e.g. {@code block1_conv1}
 * @param type         the layer kind
 * @param inputShape   {@code [h, w, c]} of one example (batch excluded)
 * @param outputShape  {@code [h, w, c]} of one example (batch excluded)
 * @param kernelSize   square kernel side for convolutions and pools, 0 otherwise
 * @param parameters   number of weights (kernel + bias), 0 for pools and inputs
 */
public record Layer(String name, LayerType type, int[] inputShape, int[] outputShape, int kernelSize, long parameters) {

    public Layer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        inputShape = inputShape.clone();
        outputShape = outputShape.clone();
    }

    /** Input channels. */
    public int inChannels() {
        return inputShape[inputShape.length - 1];
    }

    /** Output channels (filters for a convolution). */
    public int outChannels() {
        return outputShape[outputShape.length - 1];
    }

    /** True for layers that hold weights. */
    public boolean hasWeights() {
        return parameters > 0;
    }

    /** The Keras kernel shape {@code [kh, kw, in, out]} of a convolution. */
    public long[] kernelShape() {
        if (type != LayerType.CONV2D) {
            throw new IllegalStateException(name + " is a " + type.kerasName() + ", it has no kernel");
        }
        return new long[] {kernelSize, kernelSize, inChannels(), outChannels()};
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int[] outputShape() {
        return outputShape.clone();
    }

    /** Keras's output shape text with the batch as {@code None}, e.g. {@code (None, 4, 4, 512)}. */
    public String kerasOutputShape() {
        return Shapes.keras(outputShape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layer l && name.equals(l.name) && type == l.type && Arrays.equals(inputShape, l.inputShape)
                && Arrays.equals(outputShape, l.outputShape) && kernelSize == l.kernelSize && parameters == l.parameters;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(inputShape), Arrays.hashCode(outputShape), kernelSize, parameters);
    }

    @Override
    public String toString() {
        return name + " (" + type.kerasName() + ") " + kerasOutputShape() + " " + parameters;
    }
}
