package org.transfer4j.model;

/**
 * Pretrained weights are not on this machine and could not be downloaded (offline, refused, checksum mismatch). The
 * message names the URL, the expected size and checksum, and the exact path where the file can be put by hand.
 */
public class WeightsUnavailableException extends WeightsException {
    private static final long serialVersionUID = 1L;

    public WeightsUnavailableException(String message) {
        super(message);
    }

    public WeightsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
