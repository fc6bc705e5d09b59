package org.transfer4j.augment;

import java.util.Arrays;

/**
 * Per-channel mean and standard deviation fitted on a sample, as Keras's {@code ImageDataGenerator.fit} stores in
 * {@code self.mean} and {@code self.std} (float32, one value per channel). Used by featurewise centring and std
 * normalisation. Immutable (arrays are copied in and out) and thread-safe.
 *
 * @param mean per-channel mean
 * @param std  per-channel standard deviation (population, as {@code np.std})
 */
public record FeaturewiseStats(float[] mean, float[] std) {

    /**
     * Copies and checks the arrays.
     *
     * @throws IllegalArgumentException if the arrays are empty, differ in length, or hold non-finite values or a
     *                                  negative std
     */
    public FeaturewiseStats {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std must be non-empty and of equal length (one value per channel); got "
                    + (mean == null ? "null" : mean.length) + " and " + (std == null ? "null" : std.length));
        }
        mean = mean.clone();
        std = std.clone();
        for (int i = 0; i < mean.length; i++) {
            if (!Float.isFinite(mean[i]) || !Float.isFinite(std[i]) || std[i] < 0) {
                throw new IllegalArgumentException("mean must be finite and std finite and >= 0; channel " + i
                        + " has mean=" + mean[i] + ", std=" + std[i]);
            }
        }
    }

    /**
     * Fits per-channel mean and std over every pixel of every image, as Keras's {@code fit} does (the std is taken
     * after subtracting the float32 mean). Sums are in double, results rounded to float32.
     *
     * @throws IllegalArgumentException if {@code sample} is empty or its images differ in channel count
     */
    public static FeaturewiseStats fit(Iterable<HwcImage> sample) {
        int channels = -1;
        double[] sum = null;
        long count = 0;
        for (HwcImage img : sample) {
            if (channels < 0) {
                channels = img.channels();
                sum = new double[channels];
            } else if (img.channels() != channels) {
                throw new IllegalArgumentException("fit sample images must share a channel count; got " + channels
                        + " and " + img.channels());
            }
            float[] p = img.pixels();
            for (int i = 0; i < p.length; i++) {
                sum[i % channels] += p[i];
            }
            count += (long) img.height() * img.width();
        }
        if (channels < 0) {
            throw new IllegalArgumentException("fit sample must hold at least one image; got none");
        }
        float[] mean = new float[channels];
        for (int k = 0; k < channels; k++) {
            mean[k] = (float) (sum[k] / count);
        }
        double[] sq = new double[channels];
        for (HwcImage img : sample) {
            float[] p = img.pixels();
            for (int i = 0; i < p.length; i++) {
                double d = p[i] - mean[i % channels];   // float32 subtraction, as x -= mean
                sq[i % channels] += d * d;
            }
        }
        float[] std = new float[channels];
        for (int k = 0; k < channels; k++) {
            std[k] = (float) Math.sqrt(sq[k] / count);
        }
        return new FeaturewiseStats(mean, std);
    }

    /** Number of channels. */
    public int channels() {
        return mean.length;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    float meanAt(int k) {
        return mean[k];
    }

    float stdAt(int k) {
        return std[k];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeaturewiseStats s && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "FeaturewiseStats[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
