package org.transfer4j.internal.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;

import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImageReason;

/**
 * Recognises an image file from its bytes, reads its dimensions from the header and checks its structure without
 * decoding pixels: PNG chunk lengths, CRCs and IEND; JPEG segments and an end-of-image marker after the scan data
 * (bytes after EOI are allowed, as many cameras write them); BMP / PNM / TIFF pixel data within the file.
 * Stateless and thread-safe.
 */
public final class ImageProbe {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ImageProbe() {
    }

    /**
     * Probes {@code data}, the whole content of {@code file}.
     *
     * @throws BadImageException naming {@code file} when the data is empty, not an image, an unsupported format or
     *                           bit depth, truncated or structurally corrupt
     */
    public static ImageHeader probe(byte[] data, Path file) throws BadImageException {
        if (data.length == 0) {
            throw new BadImageException(file, BadImageReason.EMPTY_FILE, "");
        }
        Reader r = new Reader(data, file);
        if (startsWith(data, PNG_SIGNATURE)) {
            return png(r);
        }
        if (data.length >= 3 && u8(data, 0) == 0xFF && u8(data, 1) == 0xD8 && u8(data, 2) == 0xFF) {
            return jpeg(r);
        }
        if (data.length >= 2 && data[0] == 'B' && data[1] == 'M') {
            return bmp(r);
        }
        if (data.length >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' && isPnmSpace(data[2])) {
            return pnm(r);
        }
        if (startsWith(data, new byte[] {'I', 'I', 42, 0}) || startsWith(data, new byte[] {'M', 'M', 0, 42})) {
            return tiff(r);
        }
        if (startsWith(data, new byte[] {'I', 'I', 43, 0}) || startsWith(data, new byte[] {'M', 'M', 0, 43})) {
            throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "BigTIFF is not supported");
        }
        if (startsWith(data, "GIF87a".getBytes(StandardCharsets.US_ASCII))
                || startsWith(data, "GIF89a".getBytes(StandardCharsets.US_ASCII))) {
            return gif(r);
        }
        if (data.length >= 12 && startsWith(data, "RIFF".getBytes(StandardCharsets.US_ASCII))
                && data[8] == 'W' && data[9] == 'E' && data[10] == 'B' && data[11] == 'P') {
            throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "WebP is not supported; accepted formats are " + FORMATS);
        }
        if (data.length >= 2 && data[0] == 'P' && data[1] == '7') {
            throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "PAM (P7) is not supported; accepted formats are " + FORMATS);
        }
        throw r.fail(BadImageReason.NOT_AN_IMAGE, "content is none of " + FORMATS + "; it starts with " + preview(data));
    }

    static final String FORMATS = "PNG, JPEG, BMP, PPM/PGM/PBM, TIFF, GIF";

    // ---------------------------------------------------------------- PNG

    private static ImageHeader png(Reader r) throws BadImageException {
        byte[] d = r.data;
        long pos = 8;
        int width = -1;
        int height = -1;
        int bitDepth = -1;
        int colorType = -1;
        boolean idat = false;
        boolean trns = false;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (pos + 8 > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "no IEND chunk: the file ends at byte " + d.length
                        + " inside a chunk header");
            }
            long length = r.u32be((int) pos);
            String type = new String(d, (int) pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > Integer.MAX_VALUE || pos + 12 + length > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "chunk " + type + " at byte " + pos + " needs " + (12 + length)
                        + " bytes but the file ends at byte " + d.length);
            }
            crc.reset();
            crc.update(d, (int) pos + 4, (int) length + 4);
            long stored = r.u32be((int) (pos + 8 + length));
            if (crc.getValue() != stored) {
                throw r.fail(BadImageReason.CORRUPT, "CRC mismatch in chunk " + type + " at byte " + pos);
            }
            int body = (int) pos + 8;
            if (first) {
                if (!type.equals("IHDR") || length != 13) {
                    throw r.fail(BadImageReason.CORRUPT, "the first chunk is " + type + ", not a 13-byte IHDR");
                }
                width = r.s32be(body);
                height = r.s32be(body + 4);
                bitDepth = u8(d, body + 8);
                colorType = u8(d, body + 9);
                first = false;
            } else if (type.equals("IDAT")) {
                idat = true;
            } else if (type.equals("tRNS")) {
                trns = true;
            } else if (type.equals("IEND")) {
                break;
            }
            pos += 12 + length;
        }
        if (!idat) {
            throw r.fail(BadImageReason.CORRUPT, "no IDAT (pixel data) chunk");
        }
        if (width <= 0 || height <= 0) {
            throw r.fail(BadImageReason.CORRUPT, "IHDR gives impossible dimensions " + width + "x" + height);
        }
        int channels;
        switch (colorType) {
            case 0 -> channels = 1;
            case 2 -> channels = 3;
            case 3 -> channels = 1;
            case 4 -> channels = 2;
            case 6 -> channels = 4;
            default -> throw r.fail(BadImageReason.CORRUPT, "IHDR colour type " + colorType + " is not 0, 2, 3, 4 or 6");
        }
        if (bitDepth == 16) {
            throw r.fail(BadImageReason.UNSUPPORTED_BIT_DEPTH, "16-bit PNG (colour type " + colorType
                    + "); only 1, 2, 4 and 8 bits per sample are supported: convert it to 8-bit");
        }
        if (bitDepth != 1 && bitDepth != 2 && bitDepth != 4 && bitDepth != 8) {
            throw r.fail(BadImageReason.CORRUPT, "IHDR bit depth " + bitDepth + " is not 1, 2, 4, 8 or 16");
        }
        boolean alpha = colorType == 4 || colorType == 6 || trns;
        return new ImageHeader(ImageFormat.PNG, width, height, channels, alpha);
    }

    // ---------------------------------------------------------------- JPEG

    private static ImageHeader jpeg(Reader r) throws BadImageException {
        byte[] d = r.data;
        int pos = 2;
        int width = -1;
        int height = -1;
        int components = -1;
        boolean sawScan = false;
        while (true) {
            if (pos >= d.length) {
                throw r.fail(BadImageReason.TRUNCATED, sawScan
                        ? "no JPEG end-of-image marker (FFD9) after the scan data (file ends at byte " + d.length + ")"
                        : "the file ends at byte " + d.length + " before the image data (no start-of-scan marker)");
            }
            if (u8(d, pos) != 0xFF) {
                throw r.fail(BadImageReason.CORRUPT, "expected a JPEG marker at byte " + pos + ", found 0x"
                        + Integer.toHexString(u8(d, pos)));
            }
            while (pos < d.length && u8(d, pos) == 0xFF) {
                pos++;
            }
            if (pos >= d.length) {
                continue;
            }
            int marker = u8(d, pos++);
            if (marker == 0xD9) {
                if (!sawScan) {
                    throw r.fail(BadImageReason.CORRUPT, "end-of-image marker before any image data");
                }
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue;
            }
            if (marker == 0xD8) {
                throw r.fail(BadImageReason.CORRUPT, "second start-of-image marker at byte " + (pos - 2));
            }
            if (pos + 2 > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "the file ends at byte " + d.length + " inside a segment header");
            }
            int segLen = r.u16be(pos);
            if (segLen < 2 || pos + segLen > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "segment 0xFF" + Integer.toHexString(marker).toUpperCase()
                        + " at byte " + (pos - 2) + " needs " + segLen + " bytes but the file ends at byte " + d.length);
            }
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && width < 0) {
                if (segLen < 8) {
                    throw r.fail(BadImageReason.CORRUPT, "frame header too short (" + segLen + " bytes)");
                }
                if (marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF) {
                    throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "lossless JPEG (SOF"
                            + (marker - 0xC0) + ") is not supported");
                }
                int precision = u8(d, pos + 2);
                height = r.u16be(pos + 3);
                width = r.u16be(pos + 5);
                components = u8(d, pos + 7);
                if (precision != 8) {
                    throw r.fail(BadImageReason.UNSUPPORTED_BIT_DEPTH, precision
                            + "-bit JPEG; only 8 bits per sample are supported");
                }
                if (width == 0 || height == 0) {
                    throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "JPEG frame header gives " + width + "x" + height
                            + " (a height defined later by a DNL marker is not supported)");
                }
                if (components != 1 && components != 3 && components != 4) {
                    throw r.fail(BadImageReason.UNSUPPORTED_FORMAT, "JPEG with " + components
                            + " components; 1 (gray), 3 (colour) or 4 (CMYK) are supported");
                }
            }
            pos += segLen;
            if (marker == 0xDA) {
                if (width < 0) {
                    throw r.fail(BadImageReason.CORRUPT, "scan data before the frame header");
                }
                sawScan = true;
                pos = skipEntropyCoded(d, pos);
            }
        }
        return new ImageHeader(ImageFormat.JPEG, width, height, components, false);
    }

    /** Returns the index of the next marker's 0xFF after entropy-coded data, or {@code d.length} if there is none. */
    private static int skipEntropyCoded(byte[] d, int pos) {
        int i = pos;
        while (i + 1 < d.length) {
            if (u8(d, i) != 0xFF) {
                i++;
                continue;
            }
            int n = u8(d, i + 1);
            if (n == 0x00 || (n >= 0xD0 && n <= 0xD7)) {
                i += 2;
            } else if (n == 0xFF) {
                i++;
            } else {
                return i;
            }
        }
        return d.length;
    }

    // ---------------------------------------------------------------- BMP

    private static ImageHeader bmp(Reader r) throws BadImageException {
        byte[] d = r.data;
        r.need(26, "BMP headers");
        long offBits = r.u32le(10);
        long dibSize = r.u32le(14);
        int width;
        int height;
        int bpp;
        long compression;
        boolean alpha = false;
        if (dibSize == 12) {
            width = r.u16le(18);
            height = r.u16le(20);
            bpp = r.u16le(24);
            compression = 0;
        } else if (dibSize >= 40 && dibSize <= 1024) {
            r.need(14 + 40, "BMP info header");
            width = r.s32le(18);
            height = r.s32le(22);
            bpp = r.u16le(28);
            compression = r.u32le(30);
            if (bpp == 32 && (compression == 3 || compression == 6)) {
                long alphaMask = dibSize >= 56 && d.length >= 70 ? r.u32le(66)
                        : compression == 6 && d.length >= 70 ? r.u32le(66) : 0;
                alpha = alphaMask != 0;
            }
        } else {
            throw r.fail(BadImageReason.CORRUPT, "unknown BMP header size " + dibSize);
        }
        if (height == Integer.MIN_VALUE || width <= 0 || height == 0) {
            throw r.fail(BadImageReason.CORRUPT, "BMP header gives impossible dimensions " + width + "x" + height);
        }
        height = Math.abs(height);
        if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
            throw r.fail(bpp > 32 ? BadImageReason.UNSUPPORTED_BIT_DEPTH : BadImageReason.CORRUPT,
                    bpp + " bits per pixel BMP; 1, 4, 8, 16, 24 and 32 are supported");
        }
        if (compression == 0 || compression == 3 || compression == 6) {
            long stride = (((long) width * bpp + 31) / 32) * 4;
            long end = offBits + stride * height;
            if (end > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "pixel data needs bytes up to " + end + " but the file ends at byte "
                        + d.length);
            }
        }
        return new ImageHeader(ImageFormat.BMP, width, height, bpp <= 8 ? 1 : alpha ? 4 : 3, alpha);
    }

    // ---------------------------------------------------------------- PNM

    private static ImageHeader pnm(Reader r) throws BadImageException {
        byte[] d = r.data;
        char kind = (char) d[1];
        int[] pos = {2};
        long width = pnmNumber(r, pos, "width");
        long height = pnmNumber(r, pos, "height");
        long maxval = 1;
        if (kind != '1' && kind != '4') {
            maxval = pnmNumber(r, pos, "maxval");
        }
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw r.fail(BadImageReason.CORRUPT, "PNM header gives impossible dimensions " + width + "x" + height);
        }
        if (maxval <= 0 || maxval > 65535) {
            throw r.fail(BadImageReason.CORRUPT, "PNM maxval " + maxval + " is not in 1..65535");
        }
        if (maxval > 255) {
            throw r.fail(BadImageReason.UNSUPPORTED_BIT_DEPTH, "16-bit PNM (maxval " + maxval
                    + "); maxval up to 255 is supported");
        }
        int channels = kind == '3' || kind == '6' ? 3 : 1;
        if (kind >= '4') {
            long start = pos[0] + 1L; // exactly one whitespace byte after the last header number
            long rowBytes = kind == '4' ? (width + 7) / 8 : width * channels;
            long end = start + rowBytes * height;
            if (end > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "pixel data needs bytes up to " + end
                        + " but the file ends at byte " + d.length);
            }
        }
        return new ImageHeader(ImageFormat.PNM, (int) width, (int) height, channels, false);
    }

    private static long pnmNumber(Reader r, int[] pos, String what) throws BadImageException {
        byte[] d = r.data;
        int p = pos[0];
        while (p < d.length && (isPnmSpace(d[p]) || d[p] == '#')) {
            if (d[p] == '#') {
                while (p < d.length && d[p] != '\n' && d[p] != '\r') {
                    p++;
                }
            } else {
                p++;
            }
        }
        if (p >= d.length) {
            throw r.fail(BadImageReason.TRUNCATED, "the PNM header ends before its " + what);
        }
        long v = 0;
        int start = p;
        while (p < d.length && d[p] >= '0' && d[p] <= '9') {
            v = v * 10 + (d[p] - '0');
            if (v > Integer.MAX_VALUE) {
                throw r.fail(BadImageReason.CORRUPT, "PNM " + what + " is too large");
            }
            p++;
        }
        if (p == start) {
            throw r.fail(BadImageReason.CORRUPT, "PNM " + what + " is not a number at byte " + p);
        }
        if (p >= d.length) {
            throw r.fail(BadImageReason.TRUNCATED, "the PNM header ends after its " + what);
        }
        pos[0] = p;
        return v;
    }

    private static boolean isPnmSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0B || b == 0x0C;
    }

    // ---------------------------------------------------------------- TIFF

    private static ImageHeader tiff(Reader r) throws BadImageException {
        byte[] d = r.data;
        r.bigEndian = d[0] == 'M';
        r.need(8, "TIFF header");
        long ifd = r.u32(4);
        if (ifd < 8 || ifd + 2 > d.length) {
            throw r.fail(ifd + 2 > d.length ? BadImageReason.TRUNCATED : BadImageReason.CORRUPT,
                    "first IFD offset " + ifd + " is outside the file (" + d.length + " bytes)");
        }
        int count = r.u16((int) ifd);
        if (ifd + 2 + 12L * count > d.length) {
            throw r.fail(BadImageReason.TRUNCATED, "the IFD at byte " + ifd + " runs past the end of the file");
        }
        long width = -1;
        long height = -1;
        long samples = 1;
        long[] bits = {1};
        long[] offsets = null;
        long[] counts = null;
        boolean extraSamples = false;
        long photometric = -1;
        for (int i = 0; i < count; i++) {
            int e = (int) ifd + 2 + 12 * i;
            int tag = r.u16(e);
            switch (tag) {
                case 256 -> width = r.tiffValues(e)[0];
                case 257 -> height = r.tiffValues(e)[0];
                case 258 -> bits = r.tiffValues(e);
                case 262 -> photometric = r.tiffValues(e)[0];
                case 277 -> samples = r.tiffValues(e)[0];
                case 273, 324 -> offsets = r.tiffValues(e);
                case 279, 325 -> counts = r.tiffValues(e);
                case 338 -> extraSamples = true;
                default -> { }
            }
        }
        if (width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw r.fail(BadImageReason.CORRUPT, "TIFF gives impossible dimensions " + width + "x" + height);
        }
        for (long b : bits) {
            if (b > 8) {
                throw r.fail(BadImageReason.UNSUPPORTED_BIT_DEPTH, b + "-bit TIFF; up to 8 bits per sample are supported");
            }
        }
        if (offsets == null || counts == null || offsets.length == 0 || offsets.length != counts.length) {
            throw r.fail(BadImageReason.CORRUPT, "TIFF without consistent strip/tile offsets and byte counts");
        }
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] + counts[i] > d.length) {
                throw r.fail(BadImageReason.TRUNCATED, "strip/tile " + i + " needs bytes up to " + (offsets[i] + counts[i])
                        + " but the file ends at byte " + d.length);
            }
        }
        boolean alpha = extraSamples && samples >= 2;
        int channels = (int) Math.min(Math.max(samples, 1), 4);
        if (photometric == 5) { // separated (CMYK)
            alpha = false;
        }
        return new ImageHeader(ImageFormat.TIFF, (int) width, (int) height, channels, alpha);
    }

    /**
     * Returns {@code data}, or a patched copy when the first IFD's RowsPerStrip exceeds the image height (valid TIFF:
     * 2^32-1 means "one strip"; TwelveMonkeys writes 2^31-1) because OpenCV 4.5.5 rejects values above 2^24. The
     * value is clamped to the height, which means the same single strip.
     */
    public static byte[] tiffForOpenCv(byte[] data, ImageHeader header) throws BadImageException {
        Reader r = new Reader(data, Path.of("tiff"));
        r.bigEndian = data[0] == 'M';
        int ifd = (int) r.u32(4);
        int count = r.u16(ifd);
        for (int i = 0; i < count; i++) {
            int e = ifd + 2 + 12 * i;
            if (r.u16(e) != 278) {
                continue;
            }
            long rows = r.tiffValues(e)[0];
            if (rows <= header.height()) {
                return data;
            }
            byte[] copy = data.clone();
            ByteBuffer bb = ByteBuffer.wrap(copy).order(r.bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            bb.putShort(e + 2, (short) 4).putInt(e + 4, 1).putInt(e + 8, header.height());
            return copy;
        }
        return data;
    }

    // ---------------------------------------------------------------- GIF

    private static ImageHeader gif(Reader r) throws BadImageException {
        r.need(13, "GIF header");
        int width = r.u16le(6);
        int height = r.u16le(8);
        if (width == 0 || height == 0) {
            throw r.fail(BadImageReason.CORRUPT, "GIF screen size " + width + "x" + height);
        }
        return new ImageHeader(ImageFormat.GIF, width, height, 1, false);
    }

    // ---------------------------------------------------------------- helpers

    private static boolean startsWith(byte[] d, byte[] prefix) {
        if (d.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (d[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u8(byte[] d, int i) {
        return d[i] & 0xFF;
    }

    private static String preview(byte[] d) {
        int n = Math.min(d.length, 8);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = d[i] & 0xFF;
            hex.append(String.format("%02X", b));
            if (i + 1 < n) {
                hex.append(' ');
            }
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        return hex + " (\"" + text + "\")";
    }

    /** Bounds-checked little/big-endian reads that fail as TRUNCATED with the file name. */
    private static final class Reader {
        final byte[] data;
        final Path file;
        boolean bigEndian;

        Reader(byte[] data, Path file) {
            this.data = data;
            this.file = file;
        }

        BadImageException fail(BadImageReason reason, String detail) {
            return new BadImageException(file, reason, detail);
        }

        void need(long end, String what) throws BadImageException {
            if (end > data.length) {
                throw fail(BadImageReason.TRUNCATED, "the file ends at byte " + data.length + " inside the " + what);
            }
        }

        int u16be(int i) throws BadImageException {
            need(i + 2L, "header");
            return (u8(data, i) << 8) | u8(data, i + 1);
        }

        long u32be(int i) throws BadImageException {
            need(i + 4L, "header");
            return ((long) u8(data, i) << 24) | (u8(data, i + 1) << 16) | (u8(data, i + 2) << 8) | u8(data, i + 3);
        }

        int s32be(int i) throws BadImageException {
            return (int) u32be(i);
        }

        int u16le(int i) throws BadImageException {
            need(i + 2L, "header");
            return u8(data, i) | (u8(data, i + 1) << 8);
        }

        long u32le(int i) throws BadImageException {
            need(i + 4L, "header");
            return u8(data, i) | (u8(data, i + 1) << 8) | (u8(data, i + 2) << 16) | ((long) u8(data, i + 3) << 24);
        }

        int s32le(int i) throws BadImageException {
            return (int) u32le(i);
        }

        int u16(int i) throws BadImageException {
            return bigEndian ? u16be(i) : u16le(i);
        }

        long u32(int i) throws BadImageException {
            return bigEndian ? u32be(i) : u32le(i);
        }

        /** The values of a TIFF IFD entry of type BYTE, SHORT or LONG (inline or at the stored offset). */
        long[] tiffValues(int entry) throws BadImageException {
            int type = u16(entry + 2);
            long count = u32(entry + 4);
            int size = switch (type) {
                case 1 -> 1;
                case 3 -> 2;
                case 4 -> 4;
                default -> throw fail(BadImageReason.CORRUPT, "TIFF tag " + u16(entry) + " has unexpected type " + type);
            };
            if (count < 1 || count > 1 << 24) {
                throw fail(BadImageReason.CORRUPT, "TIFF tag " + u16(entry) + " has " + count + " values");
            }
            long at = size * count <= 4 ? entry + 8 : u32(entry + 8);
            if (at + size * count > data.length) {
                throw fail(BadImageReason.TRUNCATED, "TIFF tag " + u16(entry) + " values run past the end of the file");
            }
            long[] v = new long[(int) count];
            for (int k = 0; k < count; k++) {
                int p = (int) (at + (long) k * size);
                v[k] = switch (size) {
                    case 1 -> u8(data, p);
                    case 2 -> u16(p);
                    default -> u32(p);
                };
            }
            return v;
        }
    }
}
