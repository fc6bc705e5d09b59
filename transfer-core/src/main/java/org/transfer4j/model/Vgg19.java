package org.transfer4j.model;

import java.nio.file.Path;

import org.transfer4j.internal.graph.Architectures;

/**
 * VGG19's convolutional base (Simonyan and Zisserman, 2014), as Keras's
 * {@code VGG19(include_top=False, input_shape=(h, w, 3))} builds it: VGG16 with four convolutions in blocks 3, 4
 * and 5 ({@code block5_conv4}); 20,024,384 parameters; 224×224 → 7×7×512.
 *
 * <p>Expected preprocessing: {@link Preprocessing#CAFFE} for the ImageNet weights (the default here).
 */
public final class Vgg19 {
    /** The smallest input side Keras accepts for VGG19. */
    public static final int MIN_SIZE = 32;

    private Vgg19() {
    }

    /**
     * VGG19 with ImageNet weights (Keras's {@code vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5}), resolved when first needed from the cache directory or
     * by a verified download (see {@link ImagenetWeights#vgg19()}).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width) {
        return of(height, width, WeightsSource.imagenet());
    }

    /**
     * VGG19 with ImageNet weights read from {@code weightsFile} (Keras's notop h5).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width, Path weightsFile) {
        return of(height, width, WeightsSource.file(weightsFile));
    }

    /**
     * VGG19 with random weights, reproducible per seed (see {@link WeightsSource#random(long)}): for tests and
     * offline demos.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase random(int height, int width, long seed) {
        return of(height, width, WeightsSource.random(seed));
    }

    /**
     * VGG19 for {@code height × width × 3} inputs with the given weights and {@link Preprocessing#CAFFE}.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase of(int height, int width, WeightsSource weights) {
        if (height < MIN_SIZE || width < MIN_SIZE) {
            throw new IllegalArgumentException("VGG19 needs an input of at least " + MIN_SIZE + "x" + MIN_SIZE
                    + " pixels; got height=" + height + ", width=" + width);
        }
        return new ConvBase(Architectures.vgg19(height, width), weights, Preprocessing.CAFFE, Pooling.NONE);
    }
}
