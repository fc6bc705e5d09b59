package org.transfer4j.datasets;

import java.util.Optional;

/**
 * Decides whether a file's bytes are a usable image. The dataset builders use it to skip corrupt files
 * (truncated downloads, zero-byte files, other formats with an image extension). The default,
 * {@link #jpeg()}, fully decodes JPEGs with {@code javax.imageio}; an implementation backed by the data
 * layer's decoder can replace it.
 *
 * <p>Implementations must be thread-safe: the builders call them from several threads.
 */
@FunctionalInterface
public interface ImageVerifier {

    /**
     * Checks one file.
     *
     * @param name    the file's name, for messages
     * @param content the whole file
     * @return empty if the image is usable, else a short reason such as
     *         {@code "truncated: no JPEG end-of-image marker (FF D9)"}
     */
    Optional<String> problem(String name, byte[] content);

    /** The JPEG verifier: magic bytes, end-of-image marker, then a full ImageIO decode without warnings. */
    static ImageVerifier jpeg() {
        return JpegVerifier.INSTANCE;
    }
}
