package org.transfer4j.augment;

/**
 * Literal, unoptimised transcriptions of Keras's {@code apply_transform} and scipy's {@code affine_transform}: the
 * references the production kernels ({@link Augmentation#applyTransform}, {@code Warp.affineFast}) are tested
 * against, bit for bit. Test code only.
 */
final class ReferenceTransforms {
    private ReferenceTransforms() {
    }

    /**
     * The literal, unoptimised Keras stage order (per-channel resampling, then channel shift, then flips as separate
     * copies, then brightness): the reference {@link Augmentation#applyTransform} is tested against.
     */
    static HwcImage applyTransform(Augmentation aug, HwcImage x, RandomTransform t) {
        return applyTransform(aug, x, t, t.isAffine() ? t.matrix(x.height(), x.width()) : null);
    }

    /** As {@link #applyTransform(Augmentation, HwcImage, RandomTransform)} with a given 3×3 matrix (null: no affine). */
    static HwcImage applyTransform(Augmentation aug, HwcImage x, RandomTransform t, double[][] matrix) {
        int h = x.height();
        int w = x.width();
        int c = x.channels();
        float[] y = x.pixels().clone();
        if (matrix != null) {
            float[] out = new float[y.length];
            affine(y, h, w, c, Augmentation.topRows(matrix), aug.interpolationOrder().order(),
                    Warp.mode(aug.fillMode()), aug.cval(), out);
            y = out;
        }
        if (t.channelShiftIntensity().isPresent()) {
            Warp.channelShift(y, 0, y.length, t.channelShiftIntensity().getAsDouble());
        }
        if (t.flipHorizontal()) {
            float[] out = new float[y.length];
            for (int r = 0; r < h; r++) {
                for (int col = 0; col < w; col++) {
                    for (int k = 0; k < c; k++) {
                        out[(r * w + col) * c + k] = y[(r * w + (w - 1 - col)) * c + k];
                    }
                }
            }
            y = out;
        }
        if (t.flipVertical()) {
            float[] out = new float[y.length];
            for (int r = 0; r < h; r++) {
                System.arraycopy(y, (h - 1 - r) * w * c, out, r * w * c, w * c);
            }
            y = out;
        }
        if (t.brightness().isPresent()) {
            Warp.brightness(y, 0, y.length, c, t.brightness().getAsDouble());
        }
        return new HwcImage(h, w, c, y);
    }

    /**
     * Literal per-channel transcription of scipy's {@code affine_transform} for orders 0 and 1: the reference the
     * fast kernel ({@code Warp.affineFast}) is tested against.
     *
     * @param m the top two rows of the 3×3 output-to-input matrix: m00, m01, m02, m10, m11, m12
     */
    static void affine(float[] src, int h, int w, int channels, double[] m, int order, int mode, double cval,
                                float[] dst) {
        int[] tr = new int[2];
        int[] tc = new int[2];
        double[] wr = new double[1];
        double[] wc = new double[1];
        for (int k = 0; k < channels; k++) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    double xr = ((0.0 + r * m[0]) + c * m[1]) + m[2];
                    double xc = ((0.0 + r * m[3]) + c * m[4]) + m[5];
                    boolean kr = Warp.axis(xr, h, mode, order, tr, wr);
                    boolean kc = Warp.axis(xc, w, mode, order, tc, wc);
                    double t;
                    if (kr || kc) {
                        t = cval;
                    } else if (order == 0) {
                        t = 0.0 + src[(tr[0] * w + tc[0]) * channels + k];
                    } else {
                        double[] wra = {wr[0], 1.0 - wr[0]};
                        double[] wcb = {wc[0], 1.0 - wc[0]};
                        t = 0.0;
                        for (int a = 0; a < 2; a++) {
                            for (int b = 0; b < 2; b++) {
                                t = t + (src[(tr[a] * w + tc[b]) * channels + k] * wra[a]) * wcb[b];
                            }
                        }
                    }
                    dst[(r * w + c) * channels + k] = (float) t;
                }
            }
        }
    }
}
