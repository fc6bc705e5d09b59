package org.transfer4j.features;

import java.io.IOException;

/**
 * A file is not a valid {@code .npy} file of a kind transfer4j reads: bad magic, unsupported version or dtype,
 * Fortran order, a malformed header, or a size that does not match the header (truncated or trailing bytes).
 * The message names the file and, where it applies, the expected and actual values.
 */
public final class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the file and the problem. */
    public NpyFormatException(String message) {
        super(message);
    }
}
