package org.transfer4j.data;

/**
 * Colour mode of decoded images, Keras's {@code color_mode} argument of {@code load_img} / {@code flow_from_directory}.
 *
 * <p>Conversions follow Pillow's {@code Image.convert}, applied before any resize: RGB to grayscale is
 * {@code L = (19595 R + 38470 G + 7471 B + 32768) >> 16}; RGBA to RGB drops alpha (no compositing); grayscale to RGB
 * replicates; RGB to RGBA adds alpha 255. Thread-safe (enum).
 */
public enum ColorMode {
    /** Three channels, red green blue ({@code 'rgb'}, the Keras default). */
    RGB("rgb", 3),
    /** One channel, Pillow's {@code L} ({@code 'grayscale'}). */
    GRAYSCALE("grayscale", 1),
    /** Four channels, red green blue alpha ({@code 'rgba'}). */
    RGBA("rgba", 4);

    private final String kerasName;
    private final int channels;

    ColorMode(String kerasName, int channels) {
        this.kerasName = kerasName;
        this.channels = channels;
    }

    /** Number of channels of a decoded image: 3, 1 or 4. */
    public int channels() {
        return channels;
    }

    /** The Keras spelling, e.g. {@code "rgb"}. */
    public String kerasName() {
        return kerasName;
    }
}
