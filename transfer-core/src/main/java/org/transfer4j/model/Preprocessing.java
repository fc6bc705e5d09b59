package org.transfer4j.model;

/**
 * How decoded RGB pixels (0..255, HWC) are turned into network input. It travels with the model: it is recorded in
 * feature caches and saved models, so that prediction sees what training saw.
 *
 * <p>Thread-safe (stateless).
 */
public enum Preprocessing {
    /**
     * What VGG16's ImageNet weights were trained with, Keras's {@code imagenet_utils.preprocess_input(mode='caffe')}:
     * RGB → BGR, then subtract the ImageNet channel means {@code [103.939, 116.779, 123.68]} (B, G, R), no scaling.
     * The default for pretrained bases.
     */
    CAFFE("caffe"),
    /**
     * The book's {@code ImageDataGenerator(rescale=1./255)}: multiply by 1/255 (as float32, like Keras). The book uses
     * it with ImageNet weights although they expect {@link #CAFFE}; offered for fidelity to the book.
     */
    RESCALE("rescale"),
    /**
     * What MobileNetV2's ImageNet weights were trained with, Keras's {@code preprocess_input(mode='tf')}: scale to
     * [-1, 1] as {@code x / 127.5 - 1} (in float32, like Keras), channels stay RGB.
     */
    TF("tf"),
    /** Pixels pass through unchanged. */
    NONE("none");

    private static final float[] CAFFE_BGR_MEAN = {103.939f, 116.779f, 123.68f};
    private static final float RESCALE_FACTOR = 1f / 255f;

    private final String id;

    Preprocessing(String id) {
        this.id = id;
    }

    /** The name used in manifests, model files and the CLI ({@code caffe}, {@code rescale}, {@code none}). */
    public String id() {
        return id;
    }

    /**
     * Parses {@link #id()}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Preprocessing of(String id) {
        for (Preprocessing p : values()) {
            if (p.id.equalsIgnoreCase(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown preprocessing '" + id + "'; expected caffe, rescale, tf or none");
    }

    /**
     * Applies this preprocessing in place to {@code count} consecutive pixels of RGB data (channels last).
     *
     * @param data      pixels, 3 values each (R, G, B)
     * @param offset    first value to process
     * @param count     number of pixels
     * @throws IllegalArgumentException if the range is outside {@code data}
     */
    public void applyRgb(float[] data, int offset, int count) {
        if (offset < 0 || count < 0 || (long) offset + 3L * count > data.length) {
            throw new IllegalArgumentException("Pixel range offset=" + offset + ", count=" + count
                    + " does not fit an array of " + data.length + " values (3 per pixel)");
        }
        int end = offset + 3 * count;
        switch (this) {
            case CAFFE -> {
                for (int i = offset; i < end; i += 3) {
                    float r = data[i];
                    data[i] = data[i + 2] - CAFFE_BGR_MEAN[0];
                    data[i + 1] = data[i + 1] - CAFFE_BGR_MEAN[1];
                    data[i + 2] = r - CAFFE_BGR_MEAN[2];
                }
            }
            case RESCALE -> {
                for (int i = offset; i < end; i++) {
                    data[i] *= RESCALE_FACTOR;
                }
            }
            case TF -> {
                for (int i = offset; i < end; i++) {
                    data[i] = data[i] / 127.5f - 1f;
                }
            }
            case NONE -> {
                // unchanged
            }
        }
    }
}
