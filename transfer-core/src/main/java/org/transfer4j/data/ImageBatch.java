package org.transfer4j.data;

import java.util.List;
import java.util.Objects;
import org.transfer4j.augment.HwcImage;

/**
 * One batch of an {@link ImageFolderBatches} epoch: images as one NHWC float array (values 0..255, no rescaling)
 * and their labels. Under {@link BadImagePolicy#SKIP} a batch may hold fewer images than the batch size (even none)
 * when some of its files were bad; {@link #filenames()} and {@link #indices()} list the images actually present.
 *
 * <p>The arrays are owned by the batch and not copied; treat them as read-only unless you made the batch. Not
 * thread-safe if mutated.
 *
 * @param epoch      the epoch it belongs to
 * @param index      its position in the epoch
 * @param size       number of images
 * @param height     image rows
 * @param width      image columns
 * @param channels   image channels
 * @param x          {@code size * height * width * channels} values, NHWC
 * @param labelWidth values per image in {@code y}: 1 (binary, sparse), the number of classes (categorical),
 *                   {@code height * width * channels} (input) or 0 (none)
 * @param y          {@code size * labelWidth} labels
 * @param filenames  Keras filenames of the images, in batch order
 * @param indices    positions of the images in {@link FolderListing#entries()} (Keras's {@code index_array})
 */
public record ImageBatch(int epoch, int index, int size, int height, int width, int channels, float[] x, int labelWidth,
                    float[] y, List<String> filenames, int[] indices) {

    public ImageBatch {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        filenames = List.copyOf(filenames);
        Objects.requireNonNull(indices, "indices");
        if (x.length != (long) size * height * width * channels) {
            throw new IllegalArgumentException("x has " + x.length + " values; " + size + "x" + height + "x" + width
                    + "x" + channels + " needs " + (long) size * height * width * channels);
        }
        if (y.length != (long) size * labelWidth) {
            throw new IllegalArgumentException("y has " + y.length + " values; " + size + "x" + labelWidth + " needed");
        }
        if (filenames.size() != size || indices.length != size) {
            throw new IllegalArgumentException("batch of " + size + " images has " + filenames.size()
                    + " filenames and " + indices.length + " indices");
        }
    }

    /** Whether the batch carries labels (every class mode but {@link ClassMode#NONE}). */
    public boolean hasLabels() {
        return labelWidth > 0;
    }

    /** Image {@code i} as an {@link HwcImage} (a copy). */
    public HwcImage image(int i) {
        Objects.checkIndex(i, size);
        int n = height * width * channels;
        float[] px = new float[n];
        System.arraycopy(x, i * n, px, 0, n);
        return new HwcImage(height, width, channels, px);
    }

    @Override
    public String toString() {
        return "ImageBatch[epoch=" + epoch + ", index=" + index + ", size=" + size + ", " + height + "x" + width + "x"
                + channels + ", labelWidth=" + labelWidth + "]";
    }
}
