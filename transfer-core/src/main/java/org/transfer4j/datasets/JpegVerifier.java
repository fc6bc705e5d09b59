package org.transfer4j.datasets;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * {@link ImageVerifier#jpeg()}: accepts a file only if it starts with the JPEG start-of-image marker
 * ({@code FF D8 FF}), ends with the end-of-image marker ({@code FF D9}, trailing zero or whitespace padding
 * allowed), and decodes completely with ImageIO's JPEG reader without a warning (libjpeg reports a truncated
 * or damaged scan as a warning, e.g. "Premature end of JPEG file", while still returning an image). CMYK
 * JPEGs, which ImageIO cannot decode, are reported as unusable too. Stateless and thread-safe.
 */
final class JpegVerifier implements ImageVerifier {

    static final JpegVerifier INSTANCE = new JpegVerifier();

    private JpegVerifier() {
    }

    @Override
    public Optional<String> problem(String name, byte[] b) {
        if (b.length == 0) {
            return Optional.of("empty file (0 bytes)");
        }
        if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8 || (b[2] & 0xFF) != 0xFF) {
            return Optional.of("not a JPEG: " + describeMagic(b));
        }
        int end = b.length;
        while (end > 2 && (b[end - 1] == 0 || b[end - 1] == '\n' || b[end - 1] == '\r' || b[end - 1] == ' ')) {
            end--;
        }
        if ((b[end - 2] & 0xFF) != 0xFF || (b[end - 1] & 0xFF) != 0xD9) {
            return Optional.of("truncated: no JPEG end-of-image marker (FF D9) at the end of its " + b.length
                    + " bytes");
        }
        return decode(b);
    }

    private static Optional<String> decode(byte[] b) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        if (!readers.hasNext()) {
            throw new IllegalStateException("No ImageIO JPEG reader is installed");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(b))) {
            reader.setInput(in, true, true);
            BufferedImage img = reader.read(0);
            if (img.getWidth() < 1 || img.getHeight() < 1) {
                return Optional.of("decoded to an empty image");
            }
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return Optional.of("cannot be decoded: " + msg);
        } finally {
            reader.dispose();
        }
        if (!warnings.isEmpty()) {
            return Optional.of("damaged: " + String.join("; ", warnings));
        }
        return Optional.empty();
    }

    private static String describeMagic(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "it is a PNG file";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return "it is a GIF file";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return "it is a BMP file";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E') {
            return "it is a WebP file";
        }
        StringBuilder sb = new StringBuilder("starts with");
        for (int i = 0; i < Math.min(4, b.length); i++) {
            sb.append(String.format(" %02X", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
