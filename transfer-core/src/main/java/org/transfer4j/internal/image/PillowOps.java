package org.transfer4j.internal.image;

import org.transfer4j.data.ColorMode;
import org.transfer4j.data.Interpolation;

/**
 * Pillow 9.4's {@code Image.convert} (for the modes {@code load_img} uses) and {@code Image.resize} (nearest,
 * bilinear, bicubic), bit for bit, on 8-bit images. Stateless and thread-safe.
 */
public final class PillowOps {

    private static final int PRECISION_BITS = 22; // Pillow Resample.c: 32 - 8 - 2

    private PillowOps() {
    }

    /**
     * Pillow {@code convert('RGB' | 'L' | 'RGBA')}: RGB to L is {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}
     * (alpha ignored); RGBA to RGB drops alpha; L to RGB replicates; L / RGB to RGBA adds alpha 255; LA behaves as L
     * with its alpha kept for RGBA.
     */
    public static RawImage convert(RawImage in, ColorMode mode) {
        int c = in.channels();
        int oc = mode.channels();
        if (c == oc) {
            return in;
        }
        int n = in.height() * in.width();
        byte[] s = in.data();
        byte[] o = new byte[n * oc];
        for (int p = 0; p < n; p++) {
            int si = p * c;
            int r;
            int g;
            int b;
            int a;
            if (c <= 2) {
                r = s[si] & 0xFF;
                g = r;
                b = r;
                a = c == 2 ? s[si + 1] & 0xFF : 255;
            } else {
                r = s[si] & 0xFF;
                g = s[si + 1] & 0xFF;
                b = s[si + 2] & 0xFF;
                a = c == 4 ? s[si + 3] & 0xFF : 255;
            }
            int oi = p * oc;
            switch (mode) {
                case GRAYSCALE -> o[oi] = (byte) (c <= 2 ? r : (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16);
                case RGB -> {
                    o[oi] = (byte) r;
                    o[oi + 1] = (byte) g;
                    o[oi + 2] = (byte) b;
                }
                case RGBA -> {
                    o[oi] = (byte) r;
                    o[oi + 1] = (byte) g;
                    o[oi + 2] = (byte) b;
                    o[oi + 3] = (byte) a;
                }
                default -> throw new IllegalStateException("unreachable: " + mode);
            }
        }
        return new RawImage(in.height(), in.width(), oc, o);
    }

    /**
     * Pillow {@code resize((outW, outH), filter)} of an L, RGB or RGBA image; returns {@code in} when the size
     * already matches. RGBA with bilinear / bicubic is premultiplied by alpha around the resize, as Pillow does.
     */
    public static RawImage resize(RawImage in, int outH, int outW, Interpolation filter) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("target size must be >= 1x1; got " + outH + "x" + outW);
        }
        if (in.height() == outH && in.width() == outW) {
            return in;
        }
        if (filter == Interpolation.NEAREST) {
            return nearest(in, outH, outW);
        }
        if (in.channels() == 4) {
            return unpremultiply(resample(premultiply(in), outH, outW, filter));
        }
        return resample(in, outH, outW, filter);
    }

    // ---------------------------------------------------------------- nearest

    /** Pillow {@code ImagingScaleAffine} source indices: pos starts at scale / 2 and is accumulated. */
    static int[] nearestTable(int in, int out) {
        double scale = (double) in / out;
        double pos = 0.0 + scale * 0.5;
        int[] t = new int[out];
        for (int i = 0; i < out; i++) {
            int s = pos < 0 ? 0 : (int) pos;
            t[i] = Math.min(s, in - 1);
            pos += scale;
        }
        return t;
    }

    private static RawImage nearest(RawImage in, int outH, int outW) {
        int c = in.channels();
        int[] rows = nearestTable(in.height(), outH);
        int[] cols = nearestTable(in.width(), outW);
        byte[] s = in.data();
        byte[] o = new byte[outH * outW * c];
        int oi = 0;
        for (int y = 0; y < outH; y++) {
            int rowBase = rows[y] * in.width();
            for (int x = 0; x < outW; x++) {
                System.arraycopy(s, (rowBase + cols[x]) * c, o, oi, c);
                oi += c;
            }
        }
        return new RawImage(outH, outW, c, o);
    }

    // ---------------------------------------------------------------- bilinear / bicubic

    private static double filter(Interpolation f, double x) {
        x = Math.abs(x);
        if (f == Interpolation.BILINEAR) {
            return x < 1.0 ? 1.0 - x : 0.0;
        }
        double a = -0.5;
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Pillow {@code precompute_coeffs} + fixed-point normalisation: per output index, xmin and integer weights. */
    record Coefficients(int[] xmin, int[][] weights) {
    }

    static Coefficients coefficients(int in, int out, Interpolation f) {
        double support0 = f == Interpolation.BILINEAR ? 1.0 : 2.0;
        double scale = (double) in / out;
        double filterscale = Math.max(scale, 1.0);
        double support = support0 * filterscale;
        double ss = 1.0 / filterscale;
        int[] xmins = new int[out];
        int[][] weights = new int[out][];
        for (int xx = 0; xx < out; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), in) - xmin;
            double[] k = new double[Math.max(xmax, 0)];
            double ww = 0.0;
            for (int x = 0; x < k.length; x++) {
                double w = filter(f, (x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            int[] ki = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                ki[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            xmins[xx] = xmin;
            weights[xx] = ki;
        }
        return new Coefficients(xmins, weights);
    }

    private static int clip8(long ss) {
        long v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : v > 255 ? 255 : (int) v;
    }

    private static RawImage resample(RawImage in, int outH, int outW, Interpolation f) {
        RawImage x = in;
        if (outW != x.width()) {
            x = horizontal(x, outW, coefficients(x.width(), outW, f));
        }
        if (outH != x.height()) {
            x = vertical(x, outH, coefficients(x.height(), outH, f));
        }
        return x;
    }

    private static RawImage horizontal(RawImage in, int outW, Coefficients cf) {
        int c = in.channels();
        int h = in.height();
        int w = in.width();
        byte[] s = in.data();
        byte[] o = new byte[h * outW * c];
        for (int y = 0; y < h; y++) {
            int rowBase = y * w;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = cf.xmin()[xx];
                int[] k = cf.weights()[xx];
                for (int ch = 0; ch < c; ch++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int j = 0; j < k.length; j++) {
                        ss += (long) (s[(rowBase + xmin + j) * c + ch] & 0xFF) * k[j];
                    }
                    o[(y * outW + xx) * c + ch] = (byte) clip8(ss);
                }
            }
        }
        return new RawImage(h, outW, c, o);
    }

    private static RawImage vertical(RawImage in, int outH, Coefficients cf) {
        int c = in.channels();
        int w = in.width();
        int rowLen = w * c;
        byte[] s = in.data();
        byte[] o = new byte[outH * rowLen];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = cf.xmin()[yy];
            int[] k = cf.weights()[yy];
            for (int i = 0; i < rowLen; i++) {
                long ss = 1L << (PRECISION_BITS - 1);
                for (int j = 0; j < k.length; j++) {
                    ss += (long) (s[(ymin + j) * rowLen + i] & 0xFF) * k[j];
                }
                o[yy * rowLen + i] = (byte) clip8(ss);
            }
        }
        return new RawImage(outH, w, c, o);
    }

    // ---------------------------------------------------------------- RGBA premultiplication

    private static RawImage premultiply(RawImage in) {
        byte[] s = in.data();
        byte[] o = s.clone();
        for (int i = 0; i < o.length; i += 4) {
            int a = s[i + 3] & 0xFF;
            for (int ch = 0; ch < 3; ch++) {
                int t = (s[i + ch] & 0xFF) * a + 128;
                o[i + ch] = (byte) (((t >> 8) + t) >> 8);
            }
        }
        return new RawImage(in.height(), in.width(), 4, o);
    }

    private static RawImage unpremultiply(RawImage in) {
        byte[] o = in.data();
        for (int i = 0; i < o.length; i += 4) {
            int a = o[i + 3] & 0xFF;
            if (a == 0 || a == 255) {
                continue;
            }
            for (int ch = 0; ch < 3; ch++) {
                o[i + ch] = (byte) Math.min(255, 255 * (o[i + ch] & 0xFF) / a);
            }
        }
        return in;
    }
}
