package org.transfer4j.datasets;

import java.io.IOException;

/**
 * A download could not be completed or verified: an HTTP error status, too many dropped connections, a size
 * or checksum mismatch. The message names the URL or file and the expected and actual values.
 */
public final class DownloadException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the URL or file and the problem. */
    public DownloadException(String message) {
        super(message);
    }

    /** Creates the exception with a message and the underlying failure. */
    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
