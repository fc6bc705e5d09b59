package org.transfer4j.data;

/**
 * Resampling filter used when an image is resized to the target size, Keras's {@code interpolation} argument of
 * {@code load_img} / {@code flow_from_directory} (default {@link #NEAREST}, as in Keras).
 *
 * <p>The algorithms are Pillow 9.4's, bit for bit: nearest is {@code ImagingScaleAffine} with an accumulated source
 * position; bilinear and bicubic are {@code ImagingResample}, separable (horizontal pass first), fixed point with 22
 * fraction bits and a window that widens when downscaling (antialiasing). A textbook bilinear (java.awt, OpenCV
 * {@code INTER_LINEAR}) gives different pixels when downscaling. Thread-safe (enum).
 */
public enum Interpolation {
    /** Pillow {@code NEAREST}. */
    NEAREST("nearest"),
    /** Pillow {@code BILINEAR}: triangle filter, support 1. */
    BILINEAR("bilinear"),
    /** Pillow {@code BICUBIC}: Keys cubic with a = -0.5, support 2. */
    BICUBIC("bicubic");

    private final String kerasName;

    Interpolation(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The Keras spelling, e.g. {@code "nearest"}. */
    public String kerasName() {
        return kerasName;
    }
}
