package org.transfer4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One layer of a convolutional base, as Keras names and shapes it.
 *
 * @param name         Keras's layer name, e.g. {@code block1_conv1}
 * @param type         the layer kind
 * @param inputShape   {@code [h, w, c]} of one example (batch excluded), of the first input
 * @param outputShape  {@code [h, w, c]} of one example (batch excluded)
 * @param kernelSize   square kernel side for convolutions and pools, 0 otherwise
 * @param parameters   number of weights (all of them, trainable or not), 0 for layers without
 * @param weights      its weights with Keras's short names ({@code kernel}, {@code gamma}, ...) and shapes, in order
 * @param inputs       the layers it reads (Keras's "Connected to"; {@code input_1} for the image), or empty where
 *                     not recorded
 */
public record Layer(String name, LayerType type, int[] inputShape, int[] outputShape, int kernelSize, long parameters,
        List<Weight> weights, List<String> inputs) {

    /**
     * One weight array of a layer.
     *
     * @param name      Keras's short name, e.g. {@code kernel}, {@code moving_variance} (the file holds
     *                  {@code <layer>/<name>:0})
     * @param shape     its Keras shape, e.g. {@code [kh, kw, in, out]}
     * @param trainable false for BatchNormalization's moving statistics
     */
    public record Weight(String name, int[] shape, boolean trainable) {
        public Weight {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of values. */
        public long size() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weight w && name.equals(w.name) && Arrays.equals(shape, w.shape)
                    && trainable == w.trainable;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), trainable);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + (trainable ? "" : " (non-trainable)");
        }
    }

    public Layer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        inputShape = inputShape.clone();
        outputShape = outputShape.clone();
        weights = List.copyOf(weights);
        inputs = List.copyOf(inputs);
    }

    /**
     * A layer of a sequential stack: a {@code Conv2D} with kernel and bias, a {@code Dense} with kernel and bias, or
     * a layer without weights.
     */
    public Layer(String name, LayerType type, int[] inputShape, int[] outputShape, int kernelSize, long parameters) {
        this(name, type, inputShape, outputShape, kernelSize, parameters,
                defaultWeights(type, inputShape, outputShape, kernelSize, parameters), List.of());
    }

    private static List<Weight> defaultWeights(LayerType type, int[] in, int[] out, int k, long parameters) {
        List<Weight> ws = new ArrayList<>();
        if (parameters > 0 && type == LayerType.CONV2D) {
            ws.add(new Weight("kernel", new int[] {k, k, in[in.length - 1], out[out.length - 1]}, true));
            ws.add(new Weight("bias", new int[] {out[out.length - 1]}, true));
        } else if (parameters > 0 && type == LayerType.DENSE) {
            ws.add(new Weight("kernel", new int[] {in[in.length - 1], out[out.length - 1]}, true));
            ws.add(new Weight("bias", new int[] {out[out.length - 1]}, true));
        }
        return ws;
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

    /** Parameters that do not train (BatchNormalization's moving mean and variance). */
    public long nonTrainableParameters() {
        return weights.stream().filter(w -> !w.trainable()).mapToLong(Weight::size).sum();
    }

    /** The weight called {@code weightName}. @throws IllegalArgumentException listing the layer's weights */
    public Weight weight(String weightName) {
        for (Weight w : weights) {
            if (w.name().equals(weightName)) {
                return w;
            }
        }
        throw new IllegalArgumentException("Layer " + name + " has no weight '" + weightName + "'; its weights are "
                + weights.stream().map(Weight::name).toList());
    }

    /** The Keras kernel shape {@code [kh, kw, in, out]} of a convolution. */
    public long[] kernelShape() {
        if (type != LayerType.CONV2D) {
            throw new IllegalStateException(name + " is a " + type.kerasName() + ", it has no kernel");
        }
        for (Weight w : weights) {
            if (w.name().equals("kernel")) {
                return Arrays.stream(w.shape).asLongStream().toArray();
            }
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
        if (type == LayerType.GLOBAL_AVERAGE_POOLING2D) {
            return Shapes.keras(new int[] {outChannels()});
        }
        return Shapes.keras(outputShape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layer l && name.equals(l.name) && type == l.type && Arrays.equals(inputShape, l.inputShape)
                && Arrays.equals(outputShape, l.outputShape) && kernelSize == l.kernelSize && parameters == l.parameters
                && weights.equals(l.weights);
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
