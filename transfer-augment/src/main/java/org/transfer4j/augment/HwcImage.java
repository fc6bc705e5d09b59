package org.transfer4j.augment;

import java.util.Arrays;
import java.util.Objects;

/**
 * An image as a float array in height × width × channels (HWC, channels last) order, the layout Keras and
 * NumPy use. Values are on whatever scale the producer chose (decoded images are 0..255).
 *
 * <p>The pixel array is owned by the image: the constructor and {@link #pixels()} do not copy, so treat it as
 * read-only unless you created it. Instances are not thread-safe if their array is mutated.
 *
 * @param height    rows, ≥ 1
 * @param width     columns, ≥ 1
 * @param channels  channels, ≥ 1 (1 grayscale, 3 RGB, 4 RGBA)
 * @param pixels    {@code height * width * channels} values, index {@code (r * width + c) * channels + ch}
 */
public record HwcImage(int height, int width, int channels, float[] pixels) {

    public HwcImage {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException(
                    "Image dimensions must be >= 1; got height=" + height + ", width=" + width + ", channels=" + channels);
        }
        Objects.requireNonNull(pixels, "pixels");
        long expected = (long) height * width * channels;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " values; " + height + "x" + width + "x"
                    + channels + " needs " + expected);
        }
    }

    /** A zero-filled image. */
    public static HwcImage zeros(int height, int width, int channels) {
        return new HwcImage(height, width, channels, new float[Math.multiplyExact(Math.multiplyExact(height, width), channels)]);
    }

    /** Value at row {@code r}, column {@code c}, channel {@code ch}. */
    public float get(int r, int c, int ch) {
        return pixels[(r * width + c) * channels + ch];
    }

    /** Number of values, {@code height * width * channels}. */
    public int size() {
        return pixels.length;
    }

    /** A deep copy. */
    public HwcImage copy() {
        return new HwcImage(height, width, channels, pixels.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HwcImage other && height == other.height && width == other.width
                && channels == other.channels && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(height, width, channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "HwcImage[" + height + "x" + width + "x" + channels + "]";
    }
}
