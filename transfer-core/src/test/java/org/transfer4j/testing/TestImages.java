package org.transfer4j.testing;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The one place that generates test images, bad files and class-folder trees (for every module's tests).
 * Images are built from {@link Pixels} (8-bit, HWC, RGB(A) order) and encoded in memory; trees are written under a
 * caller-supplied root (a JUnit {@code @TempDir}).
 *
 * <p>Encoders: PNG (own encoder: 8-bit L / LA / RGB / RGBA, 16-bit, 1-bit, deflate bombs, lying headers), JPEG
 * (ImageIO; gray, RGB, 4-component CMYK), BMP, TIFF and GIF (ImageIO), PPM/PGM (by hand).
 */
public final class TestImages {

    private TestImages() {
    }

    /**
     * 8-bit pixels, HWC, channels in RGB(A) order (1 = L, 2 = LA, 3 = RGB, 4 = RGBA).
     *
     * @param height   rows
     * @param width    columns
     * @param channels 1..4
     * @param data     {@code height * width * channels} bytes
     */
    public record Pixels(int height, int width, int channels, byte[] data) {
        public int get(int r, int c, int ch) {
            return data[(r * width + c) * channels + ch] & 0xFF;
        }

        /** The values as floats (0..255), for comparison with decoded {@code HwcImage} pixels. */
        public float[] asFloats() {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = data[i] & 0xFF;
            }
            return f;
        }
    }

    /** Uniform random pixels from {@code seed}. */
    public static Pixels random(int height, int width, int channels, long seed) {
        byte[] d = new byte[height * width * channels];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) r.nextInt(256);
        }
        return new Pixels(height, width, channels, d);
    }

    /** A flat RGB colour (JPEG decoders agree on flat colours). */
    public static Pixels solid(int height, int width, int r, int g, int b) {
        byte[] d = new byte[height * width * 3];
        for (int i = 0; i < d.length; i += 3) {
            d[i] = (byte) r;
            d[i + 1] = (byte) g;
            d[i + 2] = (byte) b;
        }
        return new Pixels(height, width, 3, d);
    }

    /**
     * RGB noise (uniform in {@code 128 ± noise}) with, when {@code stripes} is not {@code NONE}, a square patch of
     * black-and-white stripes (period 4 pixels) {@code 3/8} of the image wide at a random place inside {@code quadrant}
     * (0 top left, 1 top right, 2 bottom left, 3 bottom right): a class signal in a known region, for Grad-CAM
     * localisation tests.
     */
    public static Pixels stripePatch(int size, int quadrant, Stripes stripes, int noise, long seed) {
        return stripePatch(size, quadrant, stripes, 128, noise, seed);
    }

    /** {@link #stripePatch(int, int, Stripes, int, long)} over noise around {@code background} (0..255). */
    public static Pixels stripePatch(int size, int quadrant, Stripes stripes, int background, int noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] d = new byte[size * size * 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) Math.max(0, Math.min(255, background - noise + r.nextInt(2 * noise + 1)));
        }
        Pixels p = new Pixels(size, size, 3, d);
        int half = size / 2;
        int patch = size * 3 / 8;
        int top = (quadrant / 2) * half + r.nextInt(half - patch + 1);
        int left = (quadrant % 2) * half + r.nextInt(half - patch + 1);
        int phase = r.nextInt(4);
        if (stripes == Stripes.NONE) {
            return p;
        }
        for (int y = top; y < top + patch; y++) {
            for (int x = left; x < left + patch; x++) {
                int along = stripes == Stripes.VERTICAL ? x : y;
                byte v = (byte) (((along + phase) / 2) % 2 == 0 ? 0 : 255);
                for (int c = 0; c < 3; c++) {
                    d[(y * size + x) * 3 + c] = v;
                }
            }
        }
        return p;
    }

    /** The stripes of {@link #stripePatch}. */
    public enum Stripes {
        NONE, VERTICAL, HORIZONTAL
    }

    /**
     * Writes {@code train/}, {@code validation/} and {@code test/}, each with two class folders of {@link #stripePatch}
     * PNGs in {@code quadrant}: {@code noise/} (no patch) and {@code stripes/} (vertical stripes) when
     * {@code presence}, else {@code horizontal/} and {@code vertical/}. Returns {@code root}.
     */
    public static Path stripeTree(Path root, int size, int quadrant, boolean presence, int noise, int train,
            int validation, int test, long seed) {
        return stripeTree(root, size, quadrant, presence, 128, noise, train, validation, test, seed);
    }

    /** {@link #stripeTree(Path, int, int, boolean, int, int, int, int, long)} over noise around {@code background}. */
    public static Path stripeTree(Path root, int size, int quadrant, boolean presence, int background, int noise,
            int train, int validation, int test, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] counts = {train, validation, test};
        String[] splits = {"train", "validation", "test"};
        String[] classes = presence ? new String[] {"noise", "stripes"} : new String[] {"horizontal", "vertical"};
        Stripes[] kinds = presence ? new Stripes[] {Stripes.NONE, Stripes.VERTICAL}
                : new Stripes[] {Stripes.HORIZONTAL, Stripes.VERTICAL};
        try {
            for (int s = 0; s < splits.length; s++) {
                for (int c = 0; c < 2; c++) {
                    Path dir = Files.createDirectories(root.resolve(splits[s]).resolve(classes[c]));
                    for (int i = 0; i < counts[s]; i++) {
                        Files.write(dir.resolve(String.format("%s_%03d.png", classes[c], i)),
                                png(stripePatch(size, quadrant, kinds[c], background, noise, r.nextLong())));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }

    // ---------------------------------------------------------------- PNG (own encoder)

    /** An 8-bit PNG of {@code p} (colour type from the channel count). */
    public static byte[] png(Pixels p) {
        int colorType = switch (p.channels()) {
            case 1 -> 0;
            case 2 -> 4;
            case 3 -> 2;
            case 4 -> 6;
            default -> throw new IllegalArgumentException("channels " + p.channels());
        };
        int rowBytes = p.width() * p.channels();
        byte[] raw = new byte[p.height() * (rowBytes + 1)];
        for (int y = 0; y < p.height(); y++) {
            System.arraycopy(p.data(), y * rowBytes, raw, y * (rowBytes + 1) + 1, rowBytes);
        }
        return pngFile(p.width(), p.height(), 8, colorType, deflate(raw));
    }

    /** A 16-bit PNG (gray or RGB) with random samples. */
    public static byte[] png16(int height, int width, int channels, long seed) {
        int rowBytes = width * channels * 2;
        byte[] raw = new byte[height * (rowBytes + 1)];
        SplittableRandom r = new SplittableRandom(seed);
        for (int y = 0; y < height; y++) {
            for (int i = 1; i <= rowBytes; i++) {
                raw[y * (rowBytes + 1) + i] = (byte) r.nextInt(256);
            }
        }
        return pngFile(width, height, 16, channels == 1 ? 0 : 2, deflate(raw));
    }

    /**
     * A real decompression bomb: a valid 1-bit grayscale PNG of {@code width} x {@code height} black pixels whose
     * IDAT is the deflated (level 9) scanlines, streamed row by row (30000 x 30000 gives about 110 KB that would
     * inflate to 112 MB of scanlines and decode to 900 MB of 8-bit pixels).
     */
    public static byte[] pngBomb(int width, int height) {
        int rowBytes = (width + 7) / 8 + 1;
        byte[] row = new byte[rowBytes];
        Deflater d = new Deflater(9);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            d.setInput(row);
            while (!d.needsInput()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
        }
        d.finish();
        while (!d.finished()) {
            int n = d.deflate(buf);
            out.write(buf, 0, n);
        }
        d.end();
        return pngFile(width, height, 1, 0, out.toByteArray());
    }

    /** A structurally valid PNG whose IHDR claims {@code width} x {@code height} but whose IDAT holds one tiny row. */
    public static byte[] pngLyingHeader(int width, int height) {
        return pngFile(width, height, 8, 2, deflate(new byte[4]));
    }

    /** A PNG file from its IHDR fields and the (already compressed) IDAT payload. */
    public static byte[] pngFile(int width, int height, int bitDepth, int colorType, byte[] idat) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(6);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /** Flips one byte inside the first IDAT's payload of a PNG (its CRC no longer matches). */
    public static byte[] pngWithBadCrc(byte[] png) {
        byte[] b = png.clone();
        int pos = 8;
        while (pos + 8 <= b.length) {
            int len = ByteBuffer.wrap(b, pos, 4).getInt();
            String type = new String(b, pos + 4, 4, StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) {
                b[pos + 8] ^= 0x55;
                return b;
            }
            pos += 12 + len;
        }
        throw new IllegalArgumentException("no IDAT");
    }

    // ---------------------------------------------------------------- ImageIO formats

    private static BufferedImage buffered(Pixels p) {
        int type = switch (p.channels()) {
            case 1 -> BufferedImage.TYPE_BYTE_GRAY;
            case 3 -> BufferedImage.TYPE_3BYTE_BGR;
            case 4 -> BufferedImage.TYPE_4BYTE_ABGR;
            default -> throw new IllegalArgumentException("channels " + p.channels());
        };
        BufferedImage bi = new BufferedImage(p.width(), p.height(), type);
        WritableRaster r = bi.getRaster();
        int[] px = new int[p.channels()];
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < p.width(); x++) {
                for (int c = 0; c < p.channels(); c++) {
                    px[c] = p.get(y, x, c);
                }
                r.setPixel(x, y, px);
            }
        }
        return bi;
    }

    /** A baseline JPEG (gray or RGB) at {@code quality} (0..1) via ImageIO. */
    public static byte[] jpeg(Pixels p, float quality) {
        return write(new IIOImage(buffered(p), null, null), "jpeg", quality);
    }

    /** A 4-component (CMYK) JPEG written from a raw raster via ImageIO. */
    public static byte[] jpegCmyk(int height, int width, long seed) {
        Pixels p = random(height, width, 4, seed);
        WritableRaster r = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, width,
                height, 4, null);
        int[] px = new int[4];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 4; c++) {
                    px[c] = p.get(y, x, c);
                }
                r.setPixel(x, y, px);
            }
        }
        return write(new IIOImage(r, null, null), "jpeg", 0.9f);
    }

    /** A BMP (24-bit for RGB, 8-bit for gray) via ImageIO. */
    public static byte[] bmp(Pixels p) {
        return write(new IIOImage(buffered(p), null, null), "bmp", -1);
    }

    /** An uncompressed TIFF via the JDK's ImageIO writer (one strip, RowsPerStrip = height). */
    public static byte[] tiff(Pixels p) {
        return write(new IIOImage(buffered(p), null, null), "tiff", -1);
    }

    /**
     * {@link #tiff(Pixels)} with RowsPerStrip rewritten to 2^31-1 (LONG), as TwelveMonkeys' writer stores it: valid
     * TIFF ("the whole image in one strip") that OpenCV 4.5.5 alone rejects.
     */
    public static byte[] tiffHugeRowsPerStrip(Pixels p) {
        byte[] b = tiff(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(b[0] == 'I' ? java.nio.ByteOrder.LITTLE_ENDIAN
                : java.nio.ByteOrder.BIG_ENDIAN);
        int ifd = bb.getInt(4);
        int n = bb.getShort(ifd) & 0xFFFF;
        for (int i = 0; i < n; i++) {
            int e = ifd + 2 + 12 * i;
            if ((bb.getShort(e) & 0xFFFF) == 278) {
                bb.putShort(e + 2, (short) 4).putInt(e + 4, 1).putInt(e + 8, Integer.MAX_VALUE);
                return b;
            }
        }
        throw new IllegalStateException("no RowsPerStrip tag");
    }

    /** A GIF via ImageIO (gray pixels keep their values; colours are quantised by the writer). */
    public static byte[] gif(Pixels p) {
        return write(new IIOImage(buffered(p), null, null), "gif", -1);
    }

    private static byte[] write(IIOImage img, String format, float quality) {
        // several plugins register writers (JDK, TwelveMonkeys, jai-imageio) and their order changes once anything
        // calls ImageIO.scanForPlugins(): always take the JDK's own writer so the bytes are the same in every run
        ImageWriter w = null;
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        while (it.hasNext()) {
            ImageWriter candidate = it.next();
            if (w == null || candidate.getClass().getName().startsWith("com.sun.")) {
                w = candidate;
            }
        }
        if (w == null) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(bos)) {
            w.setOutput(ios);
            ImageWriteParam param = w.getDefaultWriteParam();
            if (quality >= 0) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
            }
            w.write(null, img, param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
        return bos.toByteArray();
    }

    // ---------------------------------------------------------------- PNM

    /** Binary PPM (P6) for RGB or PGM (P5) for gray. */
    public static byte[] ppm(Pixels p) {
        String magic = switch (p.channels()) {
            case 1 -> "P5";
            case 3 -> "P6";
            default -> throw new IllegalArgumentException("channels " + p.channels());
        };
        byte[] head = (magic + "\n# transfer4j test\n" + p.width() + " " + p.height() + "\n255\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(head, head.length + p.data().length);
        System.arraycopy(p.data(), 0, out, head.length, p.data().length);
        return out;
    }

    /** A 16-bit PPM header (maxval 65535) with data. */
    public static byte[] ppm16(int height, int width) {
        byte[] head = ("P6\n" + width + " " + height + "\n65535\n").getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(head, head.length + width * height * 6);
    }

    // ---------------------------------------------------------------- bad bytes

    /** The first {@code keep} bytes of {@code b}. */
    public static byte[] truncate(byte[] b, int keep) {
        return Arrays.copyOf(b, keep);
    }

    /** {@code b} followed by {@code extra} bytes of garbage (valid JPEGs from cameras often carry some). */
    public static byte[] withTrailingGarbage(byte[] b, int extra) {
        byte[] out = Arrays.copyOf(b, b.length + extra);
        for (int i = b.length; i < out.length; i++) {
            out[i] = (byte) (i * 31 + 7);
        }
        return out;
    }

    /** UTF-8 text bytes (e.g. a text file renamed {@code .jpg}). */
    public static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- trees

    /** A builder for a folder tree: relative path to file content. */
    public static Tree tree(Path root) {
        return new Tree(root);
    }

    /** Files to write under a root; {@link #write()} creates folders as needed. Not thread-safe. */
    public static final class Tree {
        private final Path root;
        private final Map<String, byte[]> files = new LinkedHashMap<>();

        private Tree(Path root) {
            this.root = root;
        }

        /** Adds a file at {@code relative} ('/'-separated). */
        public Tree file(String relative, byte[] content) {
            files.put(relative, content);
            return this;
        }

        /** Adds an empty folder. */
        public Tree folder(String relative) {
            files.put(relative + "/", null);
            return this;
        }

        /** Writes everything and returns the root. */
        public Path write() {
            try {
                Files.createDirectories(root);
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    Path p = root.resolve(e.getKey());
                    if (e.getValue() == null) {
                        Files.createDirectories(p);
                    } else {
                        Files.createDirectories(p.getParent());
                        Files.write(p, e.getValue());
                    }
                }
                return root;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
