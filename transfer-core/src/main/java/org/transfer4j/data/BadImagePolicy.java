package org.transfer4j.data;

/**
 * What to do with a file that is listed as an image but cannot be used (empty, not an image, truncated, too large,
 * unsupported bit depth, unreadable). Thread-safe (enum).
 */
public enum BadImagePolicy {
    /** Stop with a {@link BadImageException} naming the file and the reason (the default; Keras raises too). */
    FAIL,
    /**
     * Leave the file out, log it once (SLF4J, WARN) and record it in the {@link BadImageReport}; the remaining
     * images are processed normally.
     */
    SKIP
}
