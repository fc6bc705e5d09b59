package org.transfer4j.augment;

/**
 * Augmenting a batch failed in a worker thread (the source could not read an image, or an image was unsuitable);
 * the message names the epoch, batch and image, the cause is the original failure.
 */
public class AugmentationException extends RuntimeException {

    /** A failure with its cause. */
    public AugmentationException(String message, Throwable cause) {
        super(message, cause);
    }
}
