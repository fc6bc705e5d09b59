package org.transfer4j.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file left out under {@link BadImagePolicy#SKIP}, with the reason. Immutable.
 *
 * @param file     the file's path
 * @param filename the name as Keras reports it ({@code class/relative/path.png}, '/'-separated)
 * @param reason   why it was left out
 * @param message  the full message of the {@link BadImageException} that would have been thrown
 */
public record SkippedImage(Path file, String filename, BadImageReason reason, String message) {

    public SkippedImage {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    static SkippedImage of(String filename, BadImageException e) {
        return new SkippedImage(e.file(), filename, e.reason(), e.getMessage());
    }
}
