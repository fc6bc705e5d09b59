package org.transfer4j.data;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.internal.image.ImageHeader;
import org.transfer4j.internal.image.ImageProbe;
import org.transfer4j.internal.image.NativeDecoder;
import org.transfer4j.internal.image.PillowOps;
import org.transfer4j.internal.image.RawImage;

/**
 * Decodes one image file the way Keras's {@code load_img(path, color_mode, target_size, interpolation)} does with
 * Pillow 9.4, and returns it as an {@link HwcImage} with values 0..255 ({@code img_to_array}).
 *
 * <p>Steps: read the file; recognise the format from its content (not its name) and check its structure without
 * decoding (a truncated JPEG or PNG is refused, as Pillow refuses it with "image file is truncated"); refuse images
 * whose header declares more than {@link #maxPixels()} pixels <em>before</em> decoding (decompression bombs);
 * decode at native size with OpenCV ({@code imdecode}, {@code IMREAD_UNCHANGED}: no EXIF rotation, like Pillow);
 * convert the colour mode exactly as Pillow's {@code convert} (RGBA to RGB drops alpha; RGB to L uses the integer
 * ITU-R 601 formula); then resize exactly as Pillow's {@code resize} with the chosen {@link Interpolation}, only when
 * the size differs. Formats: PNG, JPEG, BMP, PPM/PGM/PBM, TIFF (8 bits per sample or fewer) and GIF (first frame).
 *
 * <p>Differences from Pillow, on purpose: images with more than 8 bits per sample (16-bit PNG / TIFF / PNM, 12-bit
 * JPEG) are refused with {@link BadImageReason#UNSUPPORTED_BIT_DEPTH} instead of being mapped Pillow's way; PNG chunk
 * CRCs are checked for every chunk; CMYK JPEGs are converted by libjpeg / OpenCV, which may differ from Pillow's
 * CMYK-to-RGB formula by a few levels.
 *
 * <p>Instances are immutable and thread-safe; each step returns a new decoder. Example:
 * <pre>{@code
 * HwcImage img = ImageDecoder.create().targetSize(150, 150).decode(Path.of("cat.jpg"));
 * }</pre>
 */
public final class ImageDecoder {

    /**
     * Default pixel cap, 89,478,485 pixels: Pillow's {@code Image.MAX_IMAGE_PIXELS}, above which Pillow warns of a
     * decompression bomb (Pillow refuses at twice this). A capped RGBA image needs at most about 360 MB while it is
     * decoded.
     */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16L;

    private final ColorMode colorMode;
    private final boolean resize;
    private final int targetHeight;
    private final int targetWidth;
    private final Interpolation interpolation;
    private final long maxPixels;

    private ImageDecoder(ColorMode colorMode, boolean resize, int targetHeight, int targetWidth,
                         Interpolation interpolation, long maxPixels) {
        this.colorMode = colorMode;
        this.resize = resize;
        this.targetHeight = targetHeight;
        this.targetWidth = targetWidth;
        this.interpolation = interpolation;
        this.maxPixels = maxPixels;
    }

    /** RGB, native size, nearest, {@link #DEFAULT_MAX_PIXELS}: Keras's {@code load_img(path)} defaults. */
    public static ImageDecoder create() {
        return new ImageDecoder(ColorMode.RGB, false, 1, 1, Interpolation.NEAREST, DEFAULT_MAX_PIXELS);
    }

    /**
     * One-call form of {@code create().colorMode(colorMode).targetSize(targetHeight, targetWidth)
     * .interpolation(interpolation).maxPixels(maxPixels).decode(file)}.
     *
     * @throws BadImageException        when the file cannot be used (see {@link #decode(Path)})
     * @throws IllegalArgumentException for a target size below 1 or a cap below 1
     */
    public static HwcImage decode(Path file, ColorMode colorMode, int targetHeight, int targetWidth,
                                  Interpolation interpolation, long maxPixels) throws BadImageException {
        return create().colorMode(colorMode).targetSize(targetHeight, targetWidth).interpolation(interpolation)
                .maxPixels(maxPixels).decode(file);
    }

    /** The colour mode of the decoded image (channel count). */
    public ImageDecoder colorMode(ColorMode mode) {
        return new ImageDecoder(Objects.requireNonNull(mode, "colorMode"), resize, targetHeight, targetWidth,
                interpolation, maxPixels);
    }

    /**
     * Resize to {@code height} x {@code width} (Keras's {@code target_size=(height, width)}).
     *
     * @throws IllegalArgumentException if either is below 1
     */
    public ImageDecoder targetSize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("targetSize must be >= 1x1 (height, width); got " + height + "x" + width);
        }
        return new ImageDecoder(colorMode, true, height, width, interpolation, maxPixels);
    }

    /** Keep each image's own size (Keras's {@code target_size=None}). */
    public ImageDecoder nativeSize() {
        return new ImageDecoder(colorMode, false, 1, 1, interpolation, maxPixels);
    }

    /** The resampling filter used when resizing (default {@link Interpolation#NEAREST}, as Keras). */
    public ImageDecoder interpolation(Interpolation filter) {
        return new ImageDecoder(colorMode, resize, targetHeight, targetWidth,
                Objects.requireNonNull(filter, "interpolation"), maxPixels);
    }

    /**
     * Refuse images whose header declares more than {@code pixels} pixels (width x height), before decoding.
     *
     * @throws IllegalArgumentException if {@code pixels} is below 1
     */
    public ImageDecoder maxPixels(long pixels) {
        if (pixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1; got " + pixels);
        }
        return new ImageDecoder(colorMode, resize, targetHeight, targetWidth, interpolation, pixels);
    }

    public ColorMode colorMode() {
        return colorMode;
    }

    public Interpolation interpolation() {
        return interpolation;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** Whether images are resized to {@link #targetHeight()} x {@link #targetWidth()}. */
    public boolean resizes() {
        return resize;
    }

    /**
     * Target height.
     *
     * @throws IllegalStateException if the decoder keeps native size
     */
    public int targetHeight() {
        requireResize();
        return targetHeight;
    }

    /**
     * Target width.
     *
     * @throws IllegalStateException if the decoder keeps native size
     */
    public int targetWidth() {
        requireResize();
        return targetWidth;
    }

    private void requireResize() {
        if (!resize) {
            throw new IllegalStateException("this decoder keeps native size; it has no target size");
        }
    }

    /**
     * Decodes {@code file}.
     *
     * @return the image, height x width x {@link ColorMode#channels()}, values 0..255
     * @throws BadImageException naming the file when it is empty, unreadable, not an image, truncated or corrupt, of
     *                           an unsupported format or bit depth, or larger than {@link #maxPixels()}
     */
    public HwcImage decode(Path file) throws BadImageException {
        RawImage raw = decodeRaw(file);
        byte[] b = raw.data();
        float[] px = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            px[i] = b[i] & 0xFF;
        }
        return new HwcImage(raw.height(), raw.width(), raw.channels(), px);
    }

    /** Decode, convert and resize; returns 8-bit data in the target mode. */
    RawImage decodeRaw(Path file) throws BadImageException {
        Objects.requireNonNull(file, "file");
        byte[] data = readFile(file);
        ImageHeader header = ImageProbe.probe(data, file);
        if (header.pixels() > maxPixels) {
            throw new BadImageException(file, BadImageReason.TOO_LARGE, header.width() + "x" + header.height() + " = "
                    + header.pixels() + " pixels exceeds the cap of " + maxPixels + " pixels (maxPixels)");
        }
        RawImage raw = NativeDecoder.decode(data, header, file);
        raw = PillowOps.convert(raw, colorMode);
        if (resize) {
            raw = PillowOps.resize(raw, targetHeight, targetWidth, interpolation);
        }
        return raw;
    }

    private static byte[] readFile(Path file) throws BadImageException {
        try {
            if (!Files.exists(file)) {
                throw new BadImageException(file, BadImageReason.UNREADABLE, Files.isSymbolicLink(file)
                        ? "broken symbolic link" : "no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new BadImageException(file, BadImageReason.UNREADABLE, "not a regular file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new BadImageException(file, BadImageReason.TOO_LARGE, "file of " + size + " bytes; files up to "
                        + MAX_FILE_BYTES + " bytes can be read");
            }
            return Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new BadImageException(file, BadImageReason.UNREADABLE, "permission denied", e);
        } catch (NoSuchFileException e) {
            throw new BadImageException(file, BadImageReason.UNREADABLE, "no such file", e);
        } catch (IOException e) {
            throw new BadImageException(file, BadImageReason.UNREADABLE, e.toString(), e);
        }
    }

    @Override
    public String toString() {
        return "ImageDecoder[colorMode=" + colorMode.kerasName() + ", targetSize="
                + (resize ? "(" + targetHeight + ", " + targetWidth + ")" : "None") + ", interpolation="
                + interpolation.kerasName() + ", maxPixels=" + maxPixels + "]";
    }
}
