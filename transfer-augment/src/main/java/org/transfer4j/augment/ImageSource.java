package org.transfer4j.augment;

import java.io.IOException;
import java.util.List;

/**
 * Random access to the images an {@link Augmenter} reads: decoded HWC images by index. Implementations must allow
 * concurrent calls to {@link #image(int)} from several worker threads (decoding then runs in parallel too) and must
 * not modify a returned image afterwards; the augmenter never modifies it.
 */
public interface ImageSource {

    /** Number of images. */
    int size();

    /**
     * Image number {@code index}, {@code 0 <= index < size()}.
     *
     * @throws IOException if the image cannot be read or decoded
     */
    HwcImage image(int index) throws IOException;

    /** A source over an in-memory list (not copied; do not modify the list or its images while in use). */
    static ImageSource of(List<HwcImage> images) {
        List<HwcImage> list = List.copyOf(images);
        return new ImageSource() {
            @Override
            public int size() {
                return list.size();
            }

            @Override
            public HwcImage image(int index) {
                return list.get(index);
            }
        };
    }
}
