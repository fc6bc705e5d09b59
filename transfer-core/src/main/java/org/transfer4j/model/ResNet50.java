package org.transfer4j.model;

import java.nio.file.Path;

import org.transfer4j.internal.graph.Architectures;

/**
 * ResNet50 v1's convolutional base (He et al., 2015), as Keras's {@code ResNet50(include_top=False)} builds it:
 * {@code conv1} 7×7/2, a 3×3/2 max pool, then 16 bottleneck blocks in four stacks ({@code conv2_block1} …
 * {@code conv5_block3}), each block 1×1 → 3×3 → 1×1 convolutions with BatchNormalization (epsilon 1.001e-5) added to
 * its shortcut (a 1×1 convolution in a stack's first block) and a ReLU ({@code conv5_block3_out} is the last layer).
 * The stride 2 of a stack sits on its first 1×1 convolution (v1; torchvision's v1.5 puts it on the 3×3).
 * 23,587,712 parameters, 53,120 of them BatchNormalization statistics that never train; 224×224 → 7×7×2048.
 * {@code TransferPipeline} puts global average pooling before the head by default (Keras's {@code pooling='avg'}).
 *
 * <p>Expected preprocessing: {@link Preprocessing#CAFFE} for the ImageNet weights (the default here).
 */
public final class ResNet50 {
    /** The smallest input side Keras accepts for ResNet50. */
    public static final int MIN_SIZE = 32;

    private ResNet50() {
    }

    /**
     * ResNet50 with ImageNet weights (Keras's {@code resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5}), resolved when first needed from the cache directory or
     * by a verified download (see {@link ImagenetWeights#resnet50()}).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width) {
        return of(height, width, WeightsSource.imagenet());
    }

    /**
     * ResNet50 with ImageNet weights read from {@code weightsFile} (Keras's notop h5).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width, Path weightsFile) {
        return of(height, width, WeightsSource.file(weightsFile));
    }

    /**
     * ResNet50 with random weights, reproducible per seed (see {@link WeightsSource#random(long)}): for tests and
     * offline demos.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase random(int height, int width, long seed) {
        return of(height, width, WeightsSource.random(seed));
    }

    /**
     * ResNet50 for {@code height × width × 3} inputs with the given weights and {@link Preprocessing#CAFFE}.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase of(int height, int width, WeightsSource weights) {
        if (height < MIN_SIZE || width < MIN_SIZE) {
            throw new IllegalArgumentException("ResNet50 needs an input of at least " + MIN_SIZE + "x" + MIN_SIZE
                    + " pixels; got height=" + height + ", width=" + width);
        }
        return new ConvBase(Architectures.resnet50(height, width), weights, Preprocessing.CAFFE, Pooling.AVG);
    }
}
