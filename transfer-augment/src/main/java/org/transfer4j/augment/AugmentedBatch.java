package org.transfer4j.augment;

import java.util.Arrays;

/**
 * A batch of augmented, standardised images of one shape, stored contiguously in NHWC order: the layout Keras's
 * iterators yield as {@code batch_x} and ND4J/TensorFlow take as input.
 *
 * <p>The arrays are owned by the batch and not copied by the accessors (the batch may be large); treat them as
 * read-only unless you own the batch. Not thread-safe if mutated.
 *
 * @param epoch    the epoch this batch belongs to
 * @param number   the batch's position in the epoch, from 0
 * @param indices  source index of each image (look labels up with these)
 * @param height   rows per image
 * @param width    columns per image
 * @param channels channels per image
 * @param data     {@code indices.length * height * width * channels} values, NHWC
 */
public record AugmentedBatch(long epoch, int number, int[] indices, int height, int width, int channels, float[] data) {

    /**
     * Checks the shape.
     *
     * @throws IllegalArgumentException if {@code data} does not hold exactly N×H×W×C values
     */
    public AugmentedBatch {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("Augmented batch image dimensions must be >= 1; got " + height + "x" + width + "x" + channels);
        }
        long expected = (long) indices.length * height * width * channels;
        if (data.length != expected) {
            throw new IllegalArgumentException("Augmented batch data has " + data.length + " values; " + indices.length + "x"
                    + height + "x" + width + "x" + channels + " needs " + expected);
        }
    }

    /** Number of images. */
    public int size() {
        return indices.length;
    }

    /** Values per image, {@code height * width * channels}. */
    public int imageSize() {
        return height * width * channels;
    }

    /** The NHWC shape {@code [N, H, W, C]}. */
    public long[] shape() {
        return new long[] {indices.length, height, width, channels};
    }

    /**
     * A copy of image {@code i} of the batch.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < size()}
     */
    public HwcImage image(int i) {
        if (i < 0 || i >= indices.length) {
            throw new IndexOutOfBoundsException("image " + i + " of a batch of " + indices.length);
        }
        int n = imageSize();
        return new HwcImage(height, width, channels, Arrays.copyOfRange(data, i * n, (i + 1) * n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AugmentedBatch b && epoch == b.epoch && number == b.number && height == b.height
                && width == b.width && channels == b.channels && Arrays.equals(indices, b.indices)
                && Arrays.equals(data, b.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(epoch) + number) + Arrays.hashCode(indices) * 17 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "AugmentedBatch[epoch=" + epoch + ", number=" + number + ", " + indices.length + "x" + height + "x" + width + "x"
                + channels + "]";
    }
}
