package org.transfer4j.testing;

import java.util.List;

import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * A plain-Java, double-precision forward pass of conv-base layers (3×3 "same" convolution + ReLU, 2×2 stride-2 max
 * pool), written straight from the definitions, to check the engine against.
 */
public final class ReferenceConvNet {
    private ReferenceConvNet() {
    }

    /** Runs {@code layers} on one HWC image of shape {@code [h, w, c]}; returns the HWC output. */
    public static double[] forward(double[] image, int h, int w, int c, List<Layer> layers, Weights weights) {
        double[] x = image;
        for (Layer layer : layers) {
            switch (layer.type()) {
                case CONV2D -> {
                    LayerWeights lw = weights.layer(layer.name());
                    x = convRelu(x, h, w, c, lw);
                    c = (int) lw.kernelShape()[3];
                }
                case MAX_POOLING2D -> {
                    x = maxPool(x, h, w, c);
                    h /= 2;
                    w /= 2;
                }
                default -> throw new IllegalArgumentException(layer.toString());
            }
        }
        return x;
    }

    static double[] convRelu(double[] x, int h, int w, int cin, LayerWeights lw) {
        long[] s = lw.kernelShape();
        int k = (int) s[0];
        int cout = (int) s[3];
        int pad = k / 2;
        float[] kernel = lw.kernel();
        double[] out = new double[h * w * cout];
        for (int r = 0; r < h; r++) {
            for (int col = 0; col < w; col++) {
                for (int o = 0; o < cout; o++) {
                    double sum = lw.bias()[o];
                    for (int dy = 0; dy < k; dy++) {
                        int rr = r + dy - pad;
                        if (rr < 0 || rr >= h) {
                            continue;
                        }
                        for (int dx = 0; dx < k; dx++) {
                            int cc = col + dx - pad;
                            if (cc < 0 || cc >= w) {
                                continue;
                            }
                            int xBase = (rr * w + cc) * cin;
                            int kBase = ((dy * k + dx) * cin) * cout + o;
                            for (int i = 0; i < cin; i++) {
                                sum += x[xBase + i] * kernel[kBase + i * cout];
                            }
                        }
                    }
                    out[(r * w + col) * cout + o] = Math.max(0, sum);
                }
            }
        }
        return out;
    }

    static double[] maxPool(double[] x, int h, int w, int c) {
        int oh = h / 2;
        int ow = w / 2;
        double[] out = new double[oh * ow * c];
        for (int r = 0; r < oh; r++) {
            for (int col = 0; col < ow; col++) {
                for (int ch = 0; ch < c; ch++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            m = Math.max(m, x[((2 * r + dy) * w + 2 * col + dx) * c + ch]);
                        }
                    }
                    out[(r * ow + col) * c + ch] = m;
                }
            }
        }
        return out;
    }
}
