package org.transfer4j.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A history or run file that cannot be read as what it claims to be: not JSON, not a JSON object, a value that is not
 * an array of numbers, series of different lengths, zero epochs, infinite values.
 *
 * <p>The message names the file and the offending key or position, and says what is accepted.
 */
public final class HistoryFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file    the file that was read, or null when the JSON came from a string
     * @param message what is wrong and what is accepted
     * @param cause   the underlying parse error, or null
     */
    public HistoryFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "" : file + ": ") + message, cause);
        this.file = file;
    }

    /** The file that was read, or null when the JSON came from a string. */
    public Path file() {
        return file;
    }
}
