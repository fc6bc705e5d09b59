package org.transfer4j.internal.graph;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.transfer4j.model.LayerType;

/**
 * One typed layer spec, as Keras configures it: shape inference from its inputs' shapes ({@code [h, w, c]} per
 * example, or {@code [n]} after {@link Flatten}/{@link GlobalAveragePooling2D}) and its weights with Keras's short
 * names ({@code kernel}, {@code bias}, {@code depthwise_kernel}, {@code gamma}, {@code beta}, {@code moving_mean},
 * {@code moving_variance}) and shapes, in Keras's order.
 */
public sealed interface Op {

    /** The public layer kind (Keras's class name in {@code summary()}). */
    LayerType type();

    /** Output shape for the shapes of the inputs. @throws IllegalArgumentException if they do not fit */
    int[] outputShape(List<int[]> inputs);

    /** Weight short name → Keras shape, in Keras's order; empty for layers without weights. */
    default Map<String, int[]> weightShapes(int[] input) {
        return Map.of();
    }

    /** The weights that do not train (BatchNormalization's moving statistics). */
    default Set<String> nonTrainable() {
        return Set.of();
    }

    /** Number of inputs it takes. */
    default int arity() {
        return 1;
    }

    /** Square window of convolutions and pools, 0 otherwise (for the public {@code Layer}). */
    default int kernelSize() {
        return 0;
    }

    private static int[] hwc(List<int[]> inputs, Op op) {
        int[] s = inputs.get(0);
        if (s.length != 3) {
            throw new IllegalArgumentException(op + " needs an [h, w, c] input; got rank " + s.length);
        }
        return s;
    }

    /**
     * {@code [h', w', channels]} after a {@code window×window} window sliding by {@code stride} over an
     * {@code [h, w, c]} input (Keras's output-size formulas for {@code padding}).
     *
     * @throws IllegalArgumentException naming the op and the input if nothing is left
     */
    private static int[] windowed(List<int[]> inputs, Op op, int window, int stride, Padding padding, int channels) {
        int[] in = hwc(inputs, op);
        int h = padding.outputSize(in[0], window, stride);
        int w = padding.outputSize(in[1], window, stride);
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(op.type().kerasName() + " " + window + "x" + window + " " + padding
                    + " on " + in[0] + "x" + in[1] + " leaves nothing");
        }
        return new int[] {h, w, channels < 0 ? in[2] : channels};
    }

    /**
     * Keras's {@code Conv2D}.
     *
     * @param filters    output channels
     * @param kernel     square kernel side
     * @param stride     equal strides in both directions
     */
    record Conv2D(int filters, int kernel, int stride, Padding padding, boolean useBias, Activation activation)
            implements Op {
        public Conv2D {
            Objects.requireNonNull(padding, "padding");
            Objects.requireNonNull(activation, "activation");
            if (filters < 1 || kernel < 1 || stride < 1) {
                throw new IllegalArgumentException("Conv2D needs positive filters, kernel and stride; got " + filters
                        + ", " + kernel + ", " + stride);
            }
        }

        @Override
        public LayerType type() {
            return LayerType.CONV2D;
        }

        @Override
        public int kernelSize() {
            return kernel;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            return windowed(inputs, this, kernel, stride, padding, filters);
        }

        @Override
        public Map<String, int[]> weightShapes(int[] input) {
            Map<String, int[]> m = new LinkedHashMap<>();
            m.put("kernel", new int[] {kernel, kernel, input[2], filters});
            if (useBias) {
                m.put("bias", new int[] {filters});
            }
            return m;
        }
    }

    /** Keras's {@code DepthwiseConv2D} with {@code depth_multiplier=1}: one {@code k×k} filter per channel. */
    record DepthwiseConv2D(int kernel, int stride, Padding padding, boolean useBias, Activation activation)
            implements Op {
        public DepthwiseConv2D {
            Objects.requireNonNull(padding, "padding");
            Objects.requireNonNull(activation, "activation");
            if (kernel < 1 || stride < 1) {
                throw new IllegalArgumentException("DepthwiseConv2D needs a positive kernel and stride");
            }
        }

        @Override
        public LayerType type() {
            return LayerType.DEPTHWISE_CONV2D;
        }

        @Override
        public int kernelSize() {
            return kernel;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            return windowed(inputs, this, kernel, stride, padding, -1);
        }

        @Override
        public Map<String, int[]> weightShapes(int[] input) {
            Map<String, int[]> m = new LinkedHashMap<>();
            m.put("depthwise_kernel", new int[] {kernel, kernel, input[2], 1});
            if (useBias) {
                m.put("bias", new int[] {input[2]});
            }
            return m;
        }
    }

    /** Keras's {@code BatchNormalization} over the channels, always in inference mode (moving statistics). */
    record BatchNormalization(double epsilon) implements Op {
        public BatchNormalization {
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("BatchNormalization epsilon must be positive; got " + epsilon);
            }
        }

        @Override
        public LayerType type() {
            return LayerType.BATCH_NORMALIZATION;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            return inputs.get(0).clone();
        }

        @Override
        public Map<String, int[]> weightShapes(int[] input) {
            int c = input[input.length - 1];
            Map<String, int[]> m = new LinkedHashMap<>();
            m.put("gamma", new int[] {c});
            m.put("beta", new int[] {c});
            m.put("moving_mean", new int[] {c});
            m.put("moving_variance", new int[] {c});
            return m;
        }

        @Override
        public Set<String> nonTrainable() {
            return Set.of("moving_mean", "moving_variance");
        }
    }

    /**
     * An activation layer: Keras's {@code Activation('relu')} ({@link Activation#RELU}) or {@code ReLU(6.)}
     * ({@link Activation#RELU6}).
     */
    record Relu(Activation activation) implements Op {
        public Relu {
            if (activation != Activation.RELU && activation != Activation.RELU6) {
                throw new IllegalArgumentException("An activation layer is RELU or RELU6; got " + activation);
            }
        }

        @Override
        public LayerType type() {
            return activation == Activation.RELU ? LayerType.ACTIVATION : LayerType.RELU;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            return inputs.get(0).clone();
        }
    }

    /** Keras's {@code MaxPooling2D}. */
    record MaxPooling2D(int pool, int stride, Padding padding) implements Op {
        public MaxPooling2D {
            Objects.requireNonNull(padding, "padding");
            if (pool < 1 || stride < 1) {
                throw new IllegalArgumentException("MaxPooling2D needs a positive pool and stride");
            }
        }

        @Override
        public LayerType type() {
            return LayerType.MAX_POOLING2D;
        }

        @Override
        public int kernelSize() {
            return pool;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            return windowed(inputs, this, pool, stride, padding, -1);
        }
    }

    /** Keras's {@code ZeroPadding2D(((top, bottom), (left, right)))}. */
    record ZeroPadding2D(int top, int bottom, int left, int right) implements Op {
        public ZeroPadding2D {
            if (top < 0 || bottom < 0 || left < 0 || right < 0) {
                throw new IllegalArgumentException("ZeroPadding2D needs non-negative padding");
            }
        }

        @Override
        public LayerType type() {
            return LayerType.ZERO_PADDING2D;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            int[] in = hwc(inputs, this);
            return new int[] {in[0] + top + bottom, in[1] + left + right, in[2]};
        }
    }

    /** Keras's {@code Add}: the element-wise sum of two tensors of one shape. */
    record Add() implements Op {
        @Override
        public LayerType type() {
            return LayerType.ADD;
        }

        @Override
        public int arity() {
            return 2;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            if (inputs.size() != 2 || !Arrays.equals(inputs.get(0), inputs.get(1))) {
                throw new IllegalArgumentException("Add needs two inputs of one shape; got "
                        + inputs.stream().map(Arrays::toString).toList());
            }
            return inputs.get(0).clone();
        }
    }

    /**
     * Keras's {@code GlobalAveragePooling2D}: the mean over height and width. Its shape here is {@code [1, 1, c]}
     * (the same values as Keras's {@code [c]}, in NHWC order), so that caches and batches keep one feature rank;
     * {@code Layer.kerasOutputShape()} prints Keras's {@code (None, c)}.
     */
    record GlobalAveragePooling2D() implements Op {
        @Override
        public LayerType type() {
            return LayerType.GLOBAL_AVERAGE_POOLING2D;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            int[] in = hwc(inputs, this);
            return new int[] {1, 1, in[2]};
        }
    }

    /** Keras's {@code Flatten}: {@code [h * w * c]} in NHWC order. */
    record Flatten() implements Op {
        @Override
        public LayerType type() {
            return LayerType.FLATTEN;
        }

        @Override
        public int[] outputShape(List<int[]> inputs) {
            long n = 1;
            for (int d : inputs.get(0)) {
                n *= d;
            }
            return new int[] {Math.toIntExact(n)};
        }
    }
}
