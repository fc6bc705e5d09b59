package org.transfer4j.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file could not be used as an image: it names the file, the {@link BadImageReason} and the details, e.g.
 * {@code Bad image /data/train/cats/cat7.jpg: image file is truncated: no JPEG end-of-image marker (FFD9) after the
 * scan data (file ends at byte 5120)}.
 *
 * <p>Thrown by {@link ImageDecoder} always and by {@link ImageFolder} / {@link ImageFolderBatches} under
 * {@link BadImagePolicy#FAIL}, and by training that decodes images (augmented training) with its type kept. An
 * {@link IOException}: a caller that handles I/O failures handles it too, and one that cares catches it first.
 * Immutable.
 */
public class BadImageException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final BadImageReason reason;
    private final String detail;

    /**
     * @param file   the offending file
     * @param reason why it is bad
     * @param detail specifics (byte offsets, dimensions, the decoder's message)
     */
    public BadImageException(Path file, BadImageReason reason, String detail) {
        this(file, reason, detail, null);
    }

    /**
     * @param file   the offending file
     * @param reason why it is bad
     * @param detail specifics (byte offsets, dimensions, the decoder's message)
     * @param cause  the underlying exception, or {@code null}
     */
    public BadImageException(Path file, BadImageReason reason, String detail, Throwable cause) {
        super("Bad image " + file + ": " + reason.description() + (detail.isEmpty() ? "" : ": " + detail), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }

    /** Why it is bad. */
    public BadImageReason reason() {
        return reason;
    }

    /** The specifics, without the file name and reason. */
    public String detail() {
        return detail;
    }
}
