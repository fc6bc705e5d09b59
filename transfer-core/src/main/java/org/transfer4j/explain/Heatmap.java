package org.transfer4j.explain;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Grad-CAM class activation map: for class {@code c} and conv layer output {@code A} ({@code h × w × k}), the channel
 * weights {@code α_k = mean over (i, j) of ∂score_c / ∂A_ijk}, the map {@code ReLU(Σ_k α_k A_ijk)}, divided by its
 * maximum so that it lies in [0, 1] (Selvaraju et al. 2017; the book's listing 5-42). A map whose maximum is not
 * positive (nothing speaks for the class at this layer) stays all zeros.
 *
 * <p>Immutable and thread-safe; the arrays returned are copies.
 */
public final class Heatmap {
    private final String className;
    private final int classIndex;
    private final String layer;
    private final int height;
    private final int width;
    private final float[] values;
    private final float[] channelWeights;
    private final double maximum;

    private Heatmap(String className, int classIndex, String layer, int height, int width, float[] values,
            float[] channelWeights, double maximum) {
        this.className = className;
        this.classIndex = classIndex;
        this.layer = layer;
        this.height = height;
        this.width = width;
        this.values = values;
        this.channelWeights = channelWeights;
        this.maximum = maximum;
    }

    /**
     * Grad-CAM from one example's layer activations and the class score's gradients with respect to them.
     *
     * @param activation {@code h * w * k} values, HWC (channels last), as the layer outputs them (after its ReLU)
     * @param gradient   {@code ∂score / ∂activation}, the same layout
     * @throws IllegalArgumentException if the lengths do not match {@code h * w * k}
     */
    public static Heatmap of(String className, int classIndex, String layer, float[] activation, float[] gradient,
            int h, int w, int k) {
        int cells = h * w;
        if (h < 1 || w < 1 || k < 1 || activation.length != cells * k || gradient.length != cells * k) {
            throw new IllegalArgumentException("Expected " + h + "x" + w + "x" + k + " activations and gradients; got "
                    + activation.length + " and " + gradient.length + " values");
        }
        double[] alpha = new double[k];
        for (int cell = 0; cell < cells; cell++) {
            for (int c = 0; c < k; c++) {
                alpha[c] += gradient[cell * k + c];
            }
        }
        float[] weights = new float[k];
        for (int c = 0; c < k; c++) {
            alpha[c] /= cells;
            weights[c] = (float) alpha[c];
        }
        float[] map = new float[cells];
        double max = 0;
        for (int cell = 0; cell < cells; cell++) {
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += alpha[c] * activation[cell * k + c];
            }
            double v = Math.max(sum, 0);
            map[cell] = (float) v;
            max = Math.max(max, v);
        }
        if (max > 0) {
            for (int i = 0; i < cells; i++) {
                map[i] = (float) (map[i] / max);
            }
        }
        return new Heatmap(Objects.requireNonNull(className, "className"), classIndex,
                Objects.requireNonNull(layer, "layer"), h, w, map, weights, max);
    }

    /** The explained class. */
    public String className() {
        return className;
    }

    public int classIndex() {
        return classIndex;
    }

    /** The conv layer the map is taken at, e.g. {@code block5_conv3}. */
    public String layer() {
        return layer;
    }

    /** Rows of the grid (the layer's output height). */
    public int height() {
        return height;
    }

    /** Columns of the grid. */
    public int width() {
        return width;
    }

    /** The normalised map, {@code height * width} values in [0, 1], row-major. */
    public float[] values() {
        return values.clone();
    }

    /** The value at grid row {@code r}, column {@code c}. */
    public float value(int r, int c) {
        return values[r * width + c];
    }

    /** The Grad-CAM channel weights {@code α_k} (the spatial mean of the score's gradient per channel). */
    public float[] channelWeights() {
        return channelWeights.clone();
    }

    /** The map's maximum before normalising; 0 when the map is all zeros. */
    public double rawMaximum() {
        return maximum;
    }

    /**
     * The map resized bilinearly to {@code outHeight × outWidth}, with OpenCV's {@code resize(INTER_LINEAR)} pixel
     * centres (the book's {@code cv2.resize}): output pixel {@code x} samples the grid at {@code (x + 0.5) · scale −
     * 0.5}, clamped at the borders.
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public float[] resized(int outHeight, int outWidth) {
        if (outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("Size must be at least 1x1; got " + outHeight + "x" + outWidth);
        }
        float[] out = new float[outHeight * outWidth];
        double sy = (double) height / outHeight;
        double sx = (double) width / outWidth;
        for (int y = 0; y < outHeight; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
            int y0 = (int) Math.floor(fy);
            int y1 = Math.min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int x = 0; x < outWidth; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
                int x0 = (int) Math.floor(fx);
                int x1 = Math.min(x0 + 1, width - 1);
                double wx = fx - x0;
                double top = values[y0 * width + x0] * (1 - wx) + values[y0 * width + x1] * wx;
                double bottom = values[y1 * width + x0] * (1 - wx) + values[y1 * width + x1] * wx;
                out[y * outWidth + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return out;
    }

    /**
     * The share of the map's mass (the sum of the map resized to {@code imageHeight × imageWidth}) that falls in the
     * rectangle of rows {@code [top, bottom)} and columns {@code [left, right)} of that image; NaN for an all-zero map.
     */
    public double massFraction(int imageHeight, int imageWidth, int top, int left, int bottom, int right) {
        float[] m = resized(imageHeight, imageWidth);
        double inside = 0;
        double total = 0;
        for (int y = 0; y < imageHeight; y++) {
            for (int x = 0; x < imageWidth; x++) {
                double v = m[y * imageWidth + x];
                total += v;
                if (y >= top && y < bottom && x >= left && x < right) {
                    inside += v;
                }
            }
        }
        return total > 0 ? inside / total : Double.NaN;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Heatmap h && className.equals(h.className) && classIndex == h.classIndex
                && layer.equals(h.layer) && height == h.height && width == h.width && Arrays.equals(values, h.values)
                && Arrays.equals(channelWeights, h.channelWeights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(className, layer, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "Heatmap[" + className + " at " + layer + ", " + height + "x" + width + "]";
    }
}
