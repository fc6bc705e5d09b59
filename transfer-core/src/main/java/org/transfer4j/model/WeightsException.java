package org.transfer4j.model;

import java.io.IOException;

/**
 * Weights could not be loaded: the file is missing, corrupt, truncated or of the wrong shape. The message names the
 * file and what is wrong; nothing from such a file is ever loaded.
 */
public class WeightsException extends IOException {
    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
