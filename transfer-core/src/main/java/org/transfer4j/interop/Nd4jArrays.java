package org.transfer4j.interop;

import java.util.Arrays;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.AugmentedBatch;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.ImageBatch;
import org.transfer4j.model.FeatureExtractor;

/**
 * The escape hatch to ND4J, for users who hand transfer4j's data to their own DL4J/ND4J code: the one public class
 * whose signatures carry ND4J types. Everything else in the public API speaks {@code float[]}, {@link HwcImage} and
 * records. Images are channels-last (HWC for one image, NHWC for a batch, float32); arrays are copied in both
 * directions. Stateless and thread-safe.
 */
public final class Nd4jArrays {

    private Nd4jArrays() {
    }

    /** A float32 {@code [H, W, C]} array holding a copy of {@code image}. */
    public static INDArray toHwc(HwcImage image) {
        return Nd4j.create(image.pixels().clone(), new long[] {image.height(), image.width(), image.channels()}, 'c');
    }

    /** A float32 {@code [N, H, W, C]} array holding a copy of the batch. */
    public static INDArray toNhwc(AugmentedBatch batch) {
        return Nd4j.create(batch.data().clone(), batch.shape(), 'c');
    }

    /**
     * Features of a preprocessed NHWC batch ({@code [n, h, w, c]}, any data type) through {@code extractor}, as a
     * float32 {@code [n, h', w', c']} array.
     *
     * @throws IllegalArgumentException if the batch does not have the extractor's input shape
     */
    public static INDArray forward(FeatureExtractor extractor, INDArray nhwc) {
        if (nhwc.rank() != 4) {
            throw new IllegalArgumentException("expected an NHWC batch of rank 4; got shape "
                    + Arrays.toString(nhwc.shape()));
        }
        int n = Math.toIntExact(nhwc.size(0));
        float[] out = extractor.extractPreprocessed(floats(nhwc), n);
        int[] s = extractor.outputShape();
        return Nd4j.create(out, new long[] {n, s[0], s[1], s[2]}, 'c');
    }

    /** A float32 {@code [size, height, width, channels]} array holding a copy of the batch's images. */
    public static INDArray x(ImageBatch batch) {
        return Nd4j.create(batch.x().clone(), new long[] {batch.size(), batch.height(), batch.width(), batch.channels()},
                'c');
    }

    /**
     * A float32 {@code [size, labelWidth]} array holding a copy of the batch's labels.
     *
     * @throws IllegalStateException for a batch without labels ({@code ClassMode.NONE})
     */
    public static INDArray y(ImageBatch batch) {
        if (!batch.hasLabels()) {
            throw new IllegalStateException("this batch has no labels (classMode NONE)");
        }
        return Nd4j.create(batch.y().clone(), new long[] {batch.size(), batch.labelWidth()}, 'c');
    }

    /**
     * A float32 {@code [N, H, W, C]} array of images of one shape.
     *
     * @throws IllegalArgumentException if {@code images} is empty or the shapes differ
     */
    public static INDArray toNhwc(List<HwcImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images must hold at least one image; got none");
        }
        HwcImage first = images.get(0);
        int size = first.size();
        float[] data = new float[Math.multiplyExact(images.size(), size)];
        for (int i = 0; i < images.size(); i++) {
            HwcImage img = images.get(i);
            if (img.height() != first.height() || img.width() != first.width() || img.channels() != first.channels()) {
                throw new IllegalArgumentException("image " + i + " is " + img.height() + "x" + img.width() + "x"
                        + img.channels() + "; image 0 is " + first.height() + "x" + first.width() + "x" + first.channels());
            }
            System.arraycopy(img.pixels(), 0, data, i * size, size);
        }
        return Nd4j.create(data, new long[] {images.size(), first.height(), first.width(), first.channels()}, 'c');
    }

    /**
     * An image from a {@code [H, W, C]} array (or {@code [1, H, W, C]}), of any data type and ordering; values are
     * converted to float.
     *
     * @throws IllegalArgumentException for another rank or a batch of more than one image
     */
    public static HwcImage fromHwc(INDArray array) {
        long[] s = array.shape();
        if (array.rank() == 4 && s[0] == 1) {
            return fromNhwc(array, 0);
        }
        if (array.rank() != 3) {
            throw new IllegalArgumentException("expected an HWC array of rank 3 (or [1, H, W, C]); got shape "
                    + Arrays.toString(s));
        }
        return new HwcImage(Math.toIntExact(s[0]), Math.toIntExact(s[1]), Math.toIntExact(s[2]), floats(array));
    }

    /**
     * Image {@code index} of an NHWC {@code [N, H, W, C]} array.
     *
     * @throws IllegalArgumentException if the rank is not 4
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < N}
     */
    public static HwcImage fromNhwc(INDArray array, int index) {
        long[] s = array.shape();
        if (array.rank() != 4) {
            throw new IllegalArgumentException("expected an NHWC array of rank 4; got shape " + Arrays.toString(s));
        }
        if (index < 0 || index >= s[0]) {
            throw new IndexOutOfBoundsException("image " + index + " of an NHWC array of " + s[0]);
        }
        INDArray one = array.slice(index);
        return new HwcImage(Math.toIntExact(s[1]), Math.toIntExact(s[2]), Math.toIntExact(s[3]), floats(one));
    }

    private static float[] floats(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (f.ordering() != 'c' || f.isView()) {
            f = f.dup('c');
        }
        return f.reshape(f.length()).toFloatVector();
    }
}
