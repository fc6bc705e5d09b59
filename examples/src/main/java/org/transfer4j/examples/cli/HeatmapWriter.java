package org.transfer4j.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.transfer4j.TransferModel;
import org.transfer4j.data.BadImageException;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;

/**
 * Writes one Grad-CAM overlay PNG per image into a folder, named after the image ({@code cat.1.jpg} →
 * {@code cat.1.png}; a second {@code cat.1} from another folder becomes {@code cat.1-2.png}). Not thread-safe.
 */
final class HeatmapWriter {
    /** Images explained per call: bounds the decoded originals held at once. */
    static final int CHUNK = 64;
    private final TransferModel model;
    private final Path dir;
    private final GradCam spec;
    private final Set<String> used = new HashSet<>();

    HeatmapWriter(TransferModel model, Path dir, String layer) throws IOException {
        this.model = model;
        this.dir = Files.createDirectories(dir);
        this.spec = layer == null ? GradCam.defaults() : GradCam.layer(layer);
    }

    /**
     * Explains {@code images} a batch at a time (one forward and backward pass per {@value #CHUNK} images, as the
     * model's batch size allows) and writes their overlays; returns the PNGs' paths in the same order.
     */
    List<Path> writeAll(List<Path> images) throws IOException, BadImageException {
        List<Path> out = new ArrayList<>();
        for (int from = 0; from < images.size(); from += CHUNK) {
            List<Path> chunk = images.subList(from, Math.min(images.size(), from + CHUNK));
            List<Explanation> explanations = model.explain(chunk, spec);
            for (int i = 0; i < chunk.size(); i++) {
                Path png = dir.resolve(uniqueStem(chunk.get(i)) + ".png");
                explanations.get(i).writeOverlay(png);
                out.add(png);
            }
        }
        return out;
    }

    private String uniqueStem(Path image) {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String candidate = stem;
        for (int i = 2; !used.add(candidate); i++) {
            candidate = stem + "-" + i;
        }
        return candidate;
    }
}
