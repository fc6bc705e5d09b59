package org.transfer4j.internal.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImageReason;

/**
 * Decodes a probed image at its native size into an 8-bit {@link RawImage} in RGB(A) order.
 *
 * <p>PNG, JPEG, BMP, PNM and TIFF go through OpenCV's {@code imdecode} (the decoder DataVec's
 * {@code NativeImageLoader} wraps) with {@code IMREAD_UNCHANGED}: no EXIF orientation is applied (Pillow applies
 * none either), alpha and gray are kept, and BGR(A) is reordered to RGB(A) here. GIF (which this OpenCV build does
 * not read) goes through {@code javax.imageio}, first frame only. Callers must have checked the header's pixel count
 * against their cap before calling. Stateless and thread-safe.
 */
public final class NativeDecoder {

    private NativeDecoder() {
    }

    /**
     * @throws BadImageException naming {@code file} when the decoder rejects the data or its result disagrees with
     *                           the header
     */
    public static RawImage decode(byte[] data, ImageHeader header, Path file) throws BadImageException {
        RawImage img = switch (header.format()) {
            case GIF -> imageIo(data, header, file);
            case TIFF -> openCv(ImageProbe.tiffForOpenCv(data, header), header, file);
            default -> openCv(data, header, file);
        };
        if (img.height() != header.height() || img.width() != header.width()) {
            throw new BadImageException(file, BadImageReason.CORRUPT, "decoded " + img.width() + "x" + img.height()
                    + " but the header says " + header.width() + "x" + header.height());
        }
        if (img.channels() == 4 && !header.hasAlpha() && header.format() == ImageFormat.BMP) {
            return dropAlpha(img); // Pillow reads 32-bit BI_RGB bitmaps as RGB ("BGRX")
        }
        return img;
    }

    private static RawImage openCv(byte[] data, ImageHeader header, Path file) throws BadImageException {
        try (BytePointer bytes = new BytePointer(data);
             Mat buf = new Mat(1, data.length, CV_8UC1, bytes);
             Mat m = imdecode(buf, IMREAD_UNCHANGED)) {
            if (m == null || m.empty()) {
                throw new BadImageException(file, BadImageReason.CORRUPT, "OpenCV could not decode the "
                        + header.format() + " data");
            }
            if (m.depth() != CV_8U) {
                throw new BadImageException(file, BadImageReason.UNSUPPORTED_BIT_DEPTH, "decoder produced OpenCV depth "
                        + m.depth() + "; only 8 bits per sample are supported");
            }
            int h = m.rows();
            int w = m.cols();
            int c = m.channels();
            if (c < 1 || c > 4) {
                throw new BadImageException(file, BadImageReason.UNSUPPORTED_FORMAT, c + " channels");
            }
            if (!m.isContinuous()) {
                throw new BadImageException(file, BadImageReason.CORRUPT, "OpenCV returned a non-continuous image");
            }
            byte[] px = new byte[Math.multiplyExact(Math.multiplyExact(h, w), c)];
            m.data().get(px);
            if (c >= 3) {
                for (int i = 0; i < px.length; i += c) { // BGR(A) -> RGB(A)
                    byte t = px[i];
                    px[i] = px[i + 2];
                    px[i + 2] = t;
                }
            }
            return new RawImage(h, w, c, px);
        } catch (RuntimeException e) {
            // JavaCPP maps C++ exceptions (cv::Exception) to RuntimeException
            throw new BadImageException(file, BadImageReason.CORRUPT, "OpenCV failed: " + e.getMessage(), e);
        }
    }

    private static RawImage imageIo(byte[] data, ImageHeader header, Path file) throws BadImageException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException(file, BadImageReason.UNSUPPORTED_FORMAT, "no reader for " + header.format());
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if ((long) w * h > header.pixels()) {
                    throw new BadImageException(file, BadImageReason.CORRUPT, "first frame " + w + "x" + h
                            + " is larger than the " + header.width() + "x" + header.height() + " screen");
                }
                BufferedImage bi = reader.read(0);
                boolean alpha = bi.getColorModel().hasAlpha();
                int c = alpha ? 4 : 3;
                int[] argb = bi.getRGB(0, 0, w, h, null, 0, w);
                byte[] px = new byte[w * h * c];
                for (int p = 0; p < argb.length; p++) {
                    int v = argb[p];
                    px[p * c] = (byte) (v >> 16);
                    px[p * c + 1] = (byte) (v >> 8);
                    px[p * c + 2] = (byte) v;
                    if (alpha) {
                        px[p * c + 3] = (byte) (v >>> 24);
                    }
                }
                // a GIF frame smaller than its screen is placed on the screen by Pillow; treat as corrupt if different
                if (w != header.width() || h != header.height()) {
                    throw new BadImageException(file, BadImageReason.UNSUPPORTED_FORMAT, "GIF frame " + w + "x" + h
                            + " differs from its " + header.width() + "x" + header.height() + " screen");
                }
                return new RawImage(h, w, c, px);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(file, BadImageReason.CORRUPT, "GIF decoder failed: " + e.getMessage(), e);
        }
    }

    private static RawImage dropAlpha(RawImage in) {
        int n = in.height() * in.width();
        byte[] o = new byte[n * 3];
        byte[] s = in.data();
        for (int p = 0; p < n; p++) {
            o[p * 3] = s[p * 4];
            o[p * 3 + 1] = s[p * 4 + 1];
            o[p * 3 + 2] = s[p * 4 + 2];
        }
        return new RawImage(in.height(), in.width(), 3, o);
    }
}
