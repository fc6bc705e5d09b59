package org.transfer4j.explain;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import javax.imageio.ImageIO;

import org.transfer4j.augment.HwcImage;

/**
 * Heatmaps as pictures: the jet colour map and the book's overlay ({@code superimposed = heatmap_jet · 0.4 + img},
 * listing 5-43), saturated at 255 as OpenCV's {@code imwrite} does.
 *
 * <p>Stateless and thread-safe.
 */
public final class HeatmapImages {
    /** The book's overlay weight. */
    public static final double DEFAULT_ALPHA = 0.4;

    private HeatmapImages() {
    }

    /**
     * The jet colour of {@code v} in [0, 1] (clamped) as packed {@code 0xRRGGBB}: dark blue at 0, through cyan, yellow
     * to dark red at 1 (MATLAB's and OpenCV's {@code COLORMAP_JET}, piecewise linear).
     */
    public static int jet(double v) {
        double x = Math.min(Math.max(v, 0), 1);
        int r = channel(1.5 - Math.abs(4 * x - 3));
        int g = channel(1.5 - Math.abs(4 * x - 2));
        int b = channel(1.5 - Math.abs(4 * x - 1));
        return (r << 16) | (g << 8) | b;
    }

    private static int channel(double v) {
        return (int) Math.round(255 * Math.min(Math.max(v, 0), 1));
    }

    /** The heatmap alone, jet-coloured, at {@code width × height}. */
    public static BufferedImage colored(Heatmap heatmap, int width, int height) {
        float[] m = heatmap.resized(height, width);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out.setRGB(x, y, jet(quantised(m[y * width + x])));
            }
        }
        return out;
    }

    /** The book's {@code np.uint8(255 * heatmap)} before the colour map. */
    private static double quantised(float v) {
        return Math.floor(255 * Math.min(Math.max(v, 0f), 1f)) / 255.0;
    }

    /**
     * The heatmap resized bilinearly to the image, jet-coloured and added to it with weight {@code alpha}
     * ({@code out = image + alpha · jet}, saturated at 255).
     *
     * @param image RGB or grayscale, 0..255 (e.g. from {@code ImageDecoder.create().decode(file)})
     * @throws IllegalArgumentException for another channel count or an alpha outside [0, 1]
     */
    public static BufferedImage overlay(HwcImage image, Heatmap heatmap, double alpha) {
        if (image.channels() != 3 && image.channels() != 1) {
            throw new IllegalArgumentException("Expected an RGB or grayscale image; got " + image.channels()
                    + " channels");
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]; got " + alpha);
        }
        int h = image.height();
        int w = image.width();
        int ch = image.channels();
        float[] m = heatmap.resized(h, w);
        float[] px = image.pixels();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int color = jet(quantised(m[i]));
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    double base = px[i * ch + (ch == 3 ? c : 0)];
                    double add = alpha * ((color >> (16 - 8 * c)) & 0xFF);
                    int v = (int) Math.min(255, Math.max(0, Math.round(base + add)));
                    rgb = (rgb << 8) | v;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** {@link #overlay(HwcImage, Heatmap, double)} with the book's alpha 0.4. */
    public static BufferedImage overlay(HwcImage image, Heatmap heatmap) {
        return overlay(image, heatmap, DEFAULT_ALPHA);
    }

    /** PNG bytes of an image. */
    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("No PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes an image as PNG, atomically (a temporary file renamed into place); creates missing folders. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // not createTempFile: its owner-only permissions would stay on the PNG
        Path tmp = parent.resolve("." + file.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            Files.write(tmp, png(image));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
