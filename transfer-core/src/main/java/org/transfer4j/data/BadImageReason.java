package org.transfer4j.data;

/**
 * Why a file could not be used as an image; carried by {@link BadImageException} and {@link SkippedImage}.
 * Thread-safe (enum).
 */
public enum BadImageReason {
    /** The file has zero bytes. */
    EMPTY_FILE("empty file (0 bytes)"),
    /** The content is not a recognised image format (e.g. a text file renamed {@code .jpg}). */
    NOT_AN_IMAGE("not an image"),
    /** A recognised format this library does not decode (WebP, BigTIFF, lossless JPEG, ...). */
    UNSUPPORTED_FORMAT("unsupported image format"),
    /** More than 8 bits per sample (16-bit PNG, 12-bit JPEG, PPM with maxval above 255, ...). */
    UNSUPPORTED_BIT_DEPTH("unsupported bit depth"),
    /** The data ends early: no PNG IEND chunk, no JPEG end-of-image marker after the scan, short pixel data. */
    TRUNCATED("image file is truncated"),
    /** The structure is broken (bad PNG CRC, impossible header values) or the decoder rejected the data. */
    CORRUPT("corrupt image data"),
    /** Width x height above the decoder's pixel cap, checked from the header before decoding. */
    TOO_LARGE("image too large"),
    /** The file cannot be read (permissions, broken symbolic link, not a regular file, I/O error). */
    UNREADABLE("unreadable file");

    private final String description;

    BadImageReason(String description) {
        this.description = description;
    }

    /** A short human description, e.g. {@code "image file is truncated"}. */
    public String description() {
        return description;
    }
}
