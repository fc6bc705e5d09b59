package org.transfer4j.explain;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.transfer4j.augment.HwcImage;

/**
 * Why the model predicted what it did for one image: its class probabilities and one Grad-CAM {@link Heatmap} per
 * requested class, with the image at its original size for overlays.
 *
 * <p>Immutable (the image's pixel array is shared: do not modify it) and thread-safe.
 *
 * @param file          the image file, or null for an image given in memory
 * @param image         the image at its original size, RGB 0..255
 * @param probabilities class name → probability, in class-index order
 * @param predicted     the most probable class (binary: the second class when its probability is above 0.5)
 * @param heatmaps      one per requested class, in the requested order
 * @param score         the score the heatmaps differentiate
 */
public record Explanation(Path file, HwcImage image, Map<String, Double> probabilities, String predicted,
        List<Heatmap> heatmaps, ClassScore score) {
    public Explanation {
        Objects.requireNonNull(image, "image");
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
        heatmaps = List.copyOf(heatmaps);
        if (heatmaps.isEmpty()) {
            throw new IllegalArgumentException("An explanation needs at least one heatmap");
        }
    }

    /** Probability of the predicted class. */
    public double confidence() {
        return probabilities.get(predicted);
    }

    /** The first heatmap (the predicted class's, by default). */
    public Heatmap heatmap() {
        return heatmaps.get(0);
    }

    /**
     * The heatmap of class {@code name}.
     *
     * @throws IllegalArgumentException if it was not requested, naming the ones that were
     */
    public Heatmap heatmap(String name) {
        for (Heatmap h : heatmaps) {
            if (h.className().equals(name)) {
                return h;
            }
        }
        throw new IllegalArgumentException("No heatmap for class '" + name + "'; explained: "
                + heatmaps.stream().map(Heatmap::className).toList());
    }

    /** The first heatmap over the original image, jet colours at alpha 0.4 (the book's listing 5-43). */
    public BufferedImage overlay() {
        return HeatmapImages.overlay(image, heatmap());
    }

    /** Writes {@link #overlay()} as a PNG. */
    public void writeOverlay(Path png) throws IOException {
        HeatmapImages.writePng(overlay(), png);
    }

    @Override
    public String toString() {
        return "Explanation[" + (file == null ? "image" : file) + ": " + predicted + " " + probabilities + ", "
                + heatmaps + "]";
    }
}
