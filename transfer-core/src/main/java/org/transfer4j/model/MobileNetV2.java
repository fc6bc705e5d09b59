package org.transfer4j.model;

import java.nio.file.Path;

import org.transfer4j.internal.graph.Architectures;

/**
 * MobileNetV2's convolutional base (Sandler et al., 2018) with width multiplier 1.0, as Keras's
 * {@code MobileNetV2(include_top=False, alpha=1.0)} builds it: {@code Conv1} 3×3/2, 17 inverted residual blocks
 * ({@code expanded_conv_*}, {@code block_1_*} … {@code block_16_*}: 1×1 expansion, 3×3 depthwise convolution, 1×1
 * projection, an {@code Add} where input and output shapes agree), {@code Conv_1} to 1280 channels and
 * {@code out_relu}; ReLU6, no biases, BatchNormalization epsilon 1e-3, Keras's {@code correct_pad} zero padding before
 * each stride-2 depthwise convolution. 2,257,984 parameters (34,112 of them BatchNormalization statistics);
 * 224×224 → 7×7×1280. {@code TransferPipeline} puts global average pooling before the head by default.
 *
 * <p>Expected preprocessing: {@link Preprocessing#TF} for the ImageNet weights (the default here).
 */
public final class MobileNetV2 {
    /** The smallest input side Keras accepts for MobileNetV2. */
    public static final int MIN_SIZE = 32;

    private MobileNetV2() {
    }

    /**
     * MobileNetV2 with ImageNet weights (Keras's {@code mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5}), resolved when first needed from the cache directory or
     * by a verified download (see {@link ImagenetWeights#mobilenetV2()}).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width) {
        return of(height, width, WeightsSource.imagenet());
    }

    /**
     * MobileNetV2 with ImageNet weights read from {@code weightsFile} (Keras's notop h5).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width, Path weightsFile) {
        return of(height, width, WeightsSource.file(weightsFile));
    }

    /**
     * MobileNetV2 with random weights, reproducible per seed (see {@link WeightsSource#random(long)}): for tests and
     * offline demos.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase random(int height, int width, long seed) {
        return of(height, width, WeightsSource.random(seed));
    }

    /**
     * MobileNetV2 for {@code height × width × 3} inputs with the given weights and {@link Preprocessing#TF}.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase of(int height, int width, WeightsSource weights) {
        if (height < MIN_SIZE || width < MIN_SIZE) {
            throw new IllegalArgumentException("MobileNetV2 needs an input of at least " + MIN_SIZE + "x" + MIN_SIZE
                    + " pixels; got height=" + height + ", width=" + width);
        }
        return new ConvBase(Architectures.mobilenetV2(height, width), weights, Preprocessing.TF, Pooling.AVG);
    }
}
