package org.transfer4j.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.transfer4j.TransferModel;
import org.transfer4j.data.BadImageException;
import org.transfer4j.explain.GradCam;

/**
 * Writes one Grad-CAM overlay PNG per image into a folder, named after the image ({@code cat.1.jpg} →
 * {@code cat.1.png}; a second {@code cat.1} from another folder becomes {@code cat.1-2.png}). Not thread-safe.
 */
final class HeatmapWriter {
    private final TransferModel model;
    private final Path dir;
    private final GradCam spec;
    private final Set<String> used = new HashSet<>();

    HeatmapWriter(TransferModel model, Path dir, String layer) throws IOException {
        this.model = model;
        this.dir = Files.createDirectories(dir);
        this.spec = layer == null ? GradCam.defaults() : GradCam.layer(layer);
    }

    /** Explains {@code image} and writes its overlay; returns the PNG's path. */
    Path write(Path image) throws IOException, BadImageException {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String candidate = stem;
        for (int i = 2; !used.add(candidate); i++) {
            candidate = stem + "-" + i;
        }
        Path png = dir.resolve(candidate + ".png");
        model.explain(image, spec).writeOverlay(png);
        return png;
    }
}
