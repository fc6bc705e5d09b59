package org.transfer4j.model;

import java.nio.file.Path;

import org.transfer4j.internal.graph.Architectures;

/**
 * VGG16's convolutional base (Simonyan and Zisserman, 2014), as Keras's
 * {@code VGG16(include_top=False, input_shape=(h, w, 3))} builds it: five blocks of 3×3 "same" convolutions with
 * ReLU (64, 128, 256, 512, 512 filters; 2, 2, 3, 3, 3 layers) each followed by a 2×2 max pool, stride 2, that
 * floor-halves the size. Layer names are Keras's ({@code block1_conv1} … {@code block5_pool}); 14,714,688 parameters.
 * 150×150 → 4×4×512, 224×224 → 7×7×512, 32×32 → 1×1×512.
 *
 * <p>Expected preprocessing: {@link Preprocessing#CAFFE} for the ImageNet weights (the default here).
 */
public final class Vgg16 {
    /** The smallest input side Keras accepts for VGG16. */
    public static final int MIN_SIZE = 32;
    /** The layer the book's fine-tuning unfreezes from. */
    public static final String BLOCK5_CONV1 = "block5_conv1";

    private Vgg16() {
    }

    /**
     * VGG16 with ImageNet weights, resolved when first needed from the cache directory or by a verified download
     * (see {@link ImagenetWeights}).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width) {
        return of(height, width, WeightsSource.imagenet());
    }

    /**
     * VGG16 with ImageNet weights read from {@code weightsFile} (Keras's notop h5 or DL4J's zoo zip).
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase imagenet(int height, int width, Path weightsFile) {
        return of(height, width, WeightsSource.file(weightsFile));
    }

    /**
     * VGG16 with He-normal random weights, reproducible per seed: for tests and offline demos.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase random(int height, int width, long seed) {
        return of(height, width, WeightsSource.random(seed));
    }

    /**
     * VGG16 for {@code height × width × 3} inputs with the given weights and {@link Preprocessing#CAFFE}.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is below 32
     */
    public static ConvBase of(int height, int width, WeightsSource weights) {
        if (height < MIN_SIZE || width < MIN_SIZE) {
            throw new IllegalArgumentException("VGG16 needs an input of at least " + MIN_SIZE + "x" + MIN_SIZE
                    + " pixels; got height=" + height + ", width=" + width);
        }
        return new ConvBase(Architectures.vgg16(height, width), weights, Preprocessing.CAFFE, Pooling.NONE);
    }
}
