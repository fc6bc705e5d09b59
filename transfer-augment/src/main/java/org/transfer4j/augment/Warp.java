package org.transfer4j.augment;

/**
 * The pixel stages of Keras's {@code apply_transform}: the affine resampling of
 * {@code scipy.ndimage.affine_transform} (orders 0 and 1, no prefilter, scipy 1.10.1) and the channel-shift and
 * brightness stages.
 *
 * <p>{@link #affineFast} is the optimised kernel (pixel-major, per-column terms precomputed, in-range coordinates
 * handled inline, flips fused into the write). The tests keep a literal, per-channel transcription of scipy's
 * algorithm ({@code ReferenceTransforms}, see the fixtures' README) that performs the same floating-point
 * operations in the same order, and check that the two agree bit for bit. Stateless, thread-safe.
 */
final class Warp {

    static final int CONSTANT = 0;
    static final int NEAREST = 1;
    static final int REFLECT = 2;
    static final int WRAP = 3;
    static final int MIRROR = 4;

    /** Per-thread copy of the source image widened to double (the bilinear kernel reads each value ~4 times). */
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[0]);
    /** Largest scratch kept per thread: 2^21 doubles (16 MB), e.g. 800x800x3; larger images allocate per call. */
    private static final int MAX_CACHED_SCRATCH = 1 << 21;

    private Warp() {
    }

    static int mode(FillMode m) {
        return switch (m) {
            case CONSTANT -> CONSTANT;
            case NEAREST -> NEAREST;
            case REFLECT -> REFLECT;
            case WRAP -> WRAP;
        };
    }

    /** Mode used for filter taps that fall outside the image: scipy uses mirror for constant and wrap. */
    static int splineMode(int mode) {
        return mode == CONSTANT || mode == WRAP ? MIRROR : mode;
    }

    /**
     * scipy's {@code map_coordinate}: maps a coordinate outside [0, n-1] back into the image according to the
     * mode; constant mode returns -1 for outside. In-range coordinates are returned unchanged.
     */
    static double mapCoordinate(double x, int n, int mode) {
        if (!(x < 0) && !(x > n - 1)) {
            return x;
        }
        if (n <= 1 && mode != CONSTANT) {
            return 0.0;
        }
        switch (mode) {
            case CONSTANT:
                return -1.0;
            case NEAREST:
                return x < 0 ? 0.0 : n - 1;
            case REFLECT: {
                double sz2 = 2.0 * n;
                if (x < 0) {
                    if (x < -sz2) {
                        x = sz2 * trunc(-x / sz2) + x;
                    }
                    return x < -n ? x + sz2 : (x > -1e-15 ? 1e-15 : -x) - 1;
                }
                x = x - sz2 * trunc(x / sz2);
                return x >= n ? sz2 - x - 1 : x;
            }
            case WRAP: {
                double sz = n - 1;
                if (x < 0) {
                    return x + sz * (trunc(-x / sz) + 1);
                }
                return x - sz * trunc(x / sz);
            }
            case MIRROR: {
                double sz2 = 2.0 * n - 2;
                if (x < 0) {
                    x = sz2 * trunc(-x / sz2) + x;
                    return x <= 1 - n ? x + sz2 : -x;
                }
                x = x - sz2 * trunc(x / sz2);
                return x >= n ? sz2 - x : x;
            }
            default:
                throw new AssertionError(mode);
        }
    }

    private static double trunc(double v) {
        return v < 0 ? Math.ceil(v) : Math.floor(v);
    }

    /** A filter tap index; one outside [0, n-1] is mapped with the spline mode and truncated, as scipy does. */
    static int tapIndex(long k, int n, int splineMode) {
        if (k >= 0 && k < n) {
            return (int) k;
        }
        return (int) (long) mapCoordinate((double) k, n, splineMode);
    }

    /**
     * Taps and weight for one axis, the general (slow) way. Writes tap indices to {@code taps[0..order]} and the
     * first weight to {@code w0[0]}; returns true if the pixel is {@code cval} (constant mode, outside).
     */
    static boolean axis(double x, int n, int mode, int order, int[] taps, double[] w0) {
        double cc = mapCoordinate(x, n, mode);
        boolean constant = !(cc > -1.0);
        if (constant) {
            return true;
        }
        int spline = splineMode(mode);
        if (order == 1) {
            double f = Math.floor(cc);
            long start = (long) f;
            w0[0] = 1.0 - (cc - f);
            taps[0] = tapIndex(start, n, spline);
            taps[1] = tapIndex(start + 1, n, spline);
        } else {
            taps[0] = tapIndex((long) Math.floor(cc + 0.5), n, spline);
        }
        return false;
    }

    /**
     * The production affine kernel: same arithmetic as the tests' reference transcription, with output pixel (r, c) written
     * at the flipped position when {@code flipH} / {@code flipV} are set.
     */
    static void affineFast(float[] src, int srcOff, int h, int w, int channels, double[] m, int order, int mode,
                           double cval, boolean flipH, boolean flipV, float[] dst, int dstOff) {
        final double[] colR = new double[w];
        final double[] colC = new double[w];
        for (int c = 0; c < w; c++) {
            colR[c] = c * m[1];
            colC[c] = c * m[4];
        }
        if (order == 1) {
            int n = h * w * channels;
            double[] wide = SCRATCH.get();
            if (wide.length < n) {
                wide = new double[n];
                if (n <= MAX_CACHED_SCRATCH) {
                    SCRATCH.set(wide);
                }
            }
            for (int i = 0; i < n; i++) {
                wide[i] = src[srcOff + i];          // exact: every float is a double
            }
            bilinear(wide, h, w, channels, m, colR, colC, mode, cval, flipH, flipV, dst, dstOff);
        } else {
            nearest(src, srcOff, h, w, channels, m, colR, colC, mode, cval, flipH, flipV, dst, dstOff);
        }
    }

    /**
     * Order 1. Per axis, an in-range coordinate x in [0, n-1] needs no mapping: tap i = (int) x (= floor), weight
     * w0 = 1 - (x - i), second tap i + 1 (mapped only when i = n-1). With fill mode nearest, x < 0 maps to 0 and
     * x > n-1 to n-1, both with w0 = 1 and the same second tap as the general code computes. Everything else
     * (other modes outside the image, NaN) takes the general {@link #axis} path.
     */
    private static void bilinear(double[] src, int h, int w, int channels, double[] m, double[] colR,
                                 double[] colC, int mode, double cval, boolean flipH, boolean flipV, float[] dst,
                                 int dstOff) {
        final double m00 = m[0];
        final double m02 = m[2];
        final double m10 = m[3];
        final double m12 = m[5];
        final int hm1 = h - 1;
        final int wm1 = w - 1;
        final double hMax = hm1;
        final double wMax = wm1;
        final int spline = splineMode(mode);
        final boolean nearestFill = mode == NEAREST;
        final int rLowTap = tapIndex(1, h, spline);
        final int rHighTap = tapIndex(h, h, spline);
        final int cLowTap = tapIndex(1, w, spline);
        final int cHighTap = tapIndex(w, w, spline);
        final float fill = (float) cval;
        final int rowStride = w * channels;
        final int[] taps = new int[2];
        final double[] weight = new double[1];
        final int colStep = flipH ? -channels : channels;
        for (int r = 0; r < h; r++) {
            final double br = 0.0 + r * m00;
            final double bc = 0.0 + r * m10;
            int o = dstOff + (flipV ? hm1 - r : r) * rowStride + (flipH ? wm1 * channels : 0);
            for (int c = 0; c < w; c++, o += colStep) {
                final double xr = (br + colR[c]) + m02;
                final double xc = (bc + colC[c]) + m12;
                final int r0;
                final int r1;
                final double wr0;
                if (xr >= 0.0 && xr <= hMax) {
                    r0 = (int) xr;
                    wr0 = 1.0 - (xr - r0);
                    r1 = r0 < hm1 ? r0 + 1 : rHighTap;
                } else if (nearestFill && xr < 0.0) {
                    r0 = 0;
                    wr0 = 1.0;
                    r1 = rLowTap;
                } else if (nearestFill && xr > hMax) {
                    r0 = hm1;
                    wr0 = 1.0;
                    r1 = rHighTap;
                } else if (axis(xr, h, mode, 1, taps, weight)) {
                    fill(dst, o, channels, fill);
                    continue;
                } else {
                    r0 = taps[0];
                    r1 = taps[1];
                    wr0 = weight[0];
                }
                final int c0;
                final int c1;
                final double wc0;
                if (xc >= 0.0 && xc <= wMax) {
                    c0 = (int) xc;
                    wc0 = 1.0 - (xc - c0);
                    c1 = c0 < wm1 ? c0 + 1 : cHighTap;
                } else if (nearestFill && xc < 0.0) {
                    c0 = 0;
                    wc0 = 1.0;
                    c1 = cLowTap;
                } else if (nearestFill && xc > wMax) {
                    c0 = wm1;
                    wc0 = 1.0;
                    c1 = cHighTap;
                } else if (axis(xc, w, mode, 1, taps, weight)) {
                    fill(dst, o, channels, fill);
                    continue;
                } else {
                    c0 = taps[0];
                    c1 = taps[1];
                    wc0 = weight[0];
                }
                final double wr1 = 1.0 - wr0;
                final double wc1 = 1.0 - wc0;
                final int row0 = r0 * rowStride;
                final int row1 = r1 * rowStride;
                final int p00 = row0 + c0 * channels;
                final int p01 = row0 + c1 * channels;
                final int p10 = row1 + c0 * channels;
                final int p11 = row1 + c1 * channels;
                if (channels == 3) {
                    dst[o] = (float) ((((0.0 + (src[p00] * wr0) * wc0) + (src[p01] * wr0) * wc1)
                            + (src[p10] * wr1) * wc0) + (src[p11] * wr1) * wc1);
                    dst[o + 1] = (float) ((((0.0 + (src[p00 + 1] * wr0) * wc0) + (src[p01 + 1] * wr0) * wc1)
                            + (src[p10 + 1] * wr1) * wc0) + (src[p11 + 1] * wr1) * wc1);
                    dst[o + 2] = (float) ((((0.0 + (src[p00 + 2] * wr0) * wc0) + (src[p01 + 2] * wr0) * wc1)
                            + (src[p10 + 2] * wr1) * wc0) + (src[p11 + 2] * wr1) * wc1);
                } else {
                    for (int k = 0; k < channels; k++) {
                        dst[o + k] = (float) ((((0.0 + (src[p00 + k] * wr0) * wc0) + (src[p01 + k] * wr0) * wc1)
                                + (src[p10 + k] * wr1) * wc0) + (src[p11 + k] * wr1) * wc1);
                    }
                }
            }
        }
    }

    /** Order 0: source tap floor(x + 0.5); in range that is (int) (x + 0.5), and it never leaves [0, n-1]. */
    private static void nearest(float[] src, int srcOff, int h, int w, int channels, double[] m, double[] colR,
                                double[] colC, int mode, double cval, boolean flipH, boolean flipV, float[] dst,
                                int dstOff) {
        final double m00 = m[0];
        final double m02 = m[2];
        final double m10 = m[3];
        final double m12 = m[5];
        final int hm1 = h - 1;
        final int wm1 = w - 1;
        final double hMax = hm1;
        final double wMax = wm1;
        final float fill = (float) cval;
        final int rowStride = w * channels;
        final int[] taps = new int[2];
        final double[] weight = new double[1];
        final int colStep = flipH ? -channels : channels;
        for (int r = 0; r < h; r++) {
            final double br = 0.0 + r * m00;
            final double bc = 0.0 + r * m10;
            int o = dstOff + (flipV ? hm1 - r : r) * rowStride + (flipH ? wm1 * channels : 0);
            for (int c = 0; c < w; c++, o += colStep) {
                final double xr = (br + colR[c]) + m02;
                final double xc = (bc + colC[c]) + m12;
                final int r0;
                if (xr >= 0.0 && xr <= hMax) {
                    r0 = (int) (xr + 0.5);
                } else if (axis(xr, h, mode, 0, taps, weight)) {
                    fill(dst, o, channels, fill);
                    continue;
                } else {
                    r0 = taps[0];
                }
                final int c0;
                if (xc >= 0.0 && xc <= wMax) {
                    c0 = (int) (xc + 0.5);
                } else if (axis(xc, w, mode, 0, taps, weight)) {
                    fill(dst, o, channels, fill);
                    continue;
                } else {
                    c0 = taps[0];
                }
                final int p = srcOff + r0 * rowStride + c0 * channels;
                for (int k = 0; k < channels; k++) {
                    dst[o + k] = (float) (0.0 + src[p + k]);
                }
            }
        }
    }

    private static void fill(float[] dst, int o, int channels, float v) {
        for (int k = 0; k < channels; k++) {
            dst[o + k] = v;
        }
    }

    /** Copies an image, reversing columns and/or rows: Keras's {@code flip_axis} on the unresampled input. */
    static void copyFlipped(float[] src, int srcOff, int h, int w, int channels, boolean flipH, boolean flipV,
                            float[] dst, int dstOff) {
        int rowStride = w * channels;
        if (!flipH) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(src, srcOff + r * rowStride, dst, dstOff + (flipV ? h - 1 - r : r) * rowStride, rowStride);
            }
            return;
        }
        for (int r = 0; r < h; r++) {
            int s = srcOff + r * rowStride;
            int d = dstOff + (flipV ? h - 1 - r : r) * rowStride + (w - 1) * channels;
            for (int c = 0; c < w; c++, s += channels, d -= channels) {
                System.arraycopy(src, s, dst, d, channels);
            }
        }
    }

    /**
     * Keras's {@code apply_channel_shift}: adds {@code (float) intensity} to every value and clips to the min and
     * max of the WHOLE image (all channels), in float32.
     */
    static void channelShift(float[] x, int off, int len, double intensity) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            float v = x[i];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float s = (float) intensity;
        for (int i = off; i < off + len; i++) {
            float v = x[i] + s;
            v = v > lo ? v : lo;   // numpy clip: max(v, lo) then min(., hi), without -0.0 special cases
            v = v < hi ? v : hi;
            x[i] = v;
        }
    }

    /**
     * Keras's {@code apply_brightness_shift}: {@code array_to_img(scale=True)} (shift by -min if negative, stretch
     * so the max is 255, truncate to uint8), PIL {@code ImageEnhance.Brightness} ({@code trunc((float) b * v)},
     * clipped to 0..255; an alpha channel keeps its uint8 value), back to float32.
     *
     * @throws IllegalArgumentException unless {@code channels} is 1, 3 or 4 (what {@code array_to_img} accepts)
     */
    static void brightness(float[] x, int off, int len, int channels, double factor) {
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("brightness needs 1, 3 or 4 channels (PIL L, RGB or RGBA); got " + channels);
        }
        float min = Float.POSITIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            min = Math.min(min, x[i]);
        }
        float add = Math.max(-min, 0f);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            max = Math.max(max, x[i] + add);
        }
        float b = (float) factor;
        for (int i = off; i < off + len; i++) {
            float v = x[i] + add;
            if (max != 0) {
                v = v / max;
            }
            v = v * 255f;
            int u = (int) v;                         // astype(uint8): truncation
            if (channels == 4 && (i - off) % 4 == 3) {
                x[i] = u;                            // alpha: degenerate image carries the same alpha
                continue;
            }
            float t = b * u;                         // PIL blend: in1 + alpha * (in2 - in1), in1 = 0, in float
            int q = t <= 0f ? 0 : t >= 255f ? 255 : (int) t;
            x[i] = q;
        }
    }
}
