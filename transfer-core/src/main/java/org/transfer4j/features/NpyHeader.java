package org.transfer4j.features;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The header of a {@code .npy} file (NumPy format versions 1.0, 2.0 and 3.0): element type, shape and where
 * the data starts. Only C-order (row-major) arrays are represented; Fortran-order files are rejected on read.
 *
 * <p>{@link #encode()} produces exactly the bytes {@code numpy.save} (NumPy ≥ 1.24) writes: the magic
 * {@code \x93NUMPY}, the version, the little-endian header length, the dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}, 21 − (digits of {@code shape[0]}) spare
 * spaces so the first axis can grow in place, then space padding and a final {@code '\n'} such that the data
 * starts at a multiple of 64 bytes. Version 1.0 is used unless the header exceeds 65,535 bytes (then 2.0).
 * Because the spare space absorbs the digits of {@code shape[0]}, the header length does not depend on the
 * first dimension, which lets {@link NpyFloatWriter} rewrite it in place.
 *
 * <p>Immutable and thread-safe (the shape array is copied in and out).
 *
 * @param version    format major version: 1, 2 or 3
 * @param dtype      element type
 * @param shape      dimensions, each ≥ 0; empty for a 0-d (scalar) array
 * @param dataOffset byte offset of the first element in the file
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">numpy.lib.format</a>
 */
public record NpyHeader(int version, NpyDtype dtype, long[] shape, long dataOffset) {

    /** Byte alignment of the data section, as in NumPy's {@code ARRAY_ALIGN}. */
    public static final int ALIGNMENT = 64;
    /** Spare header room for the first axis, as in NumPy's {@code GROWTH_AXIS_MAX_DIGITS}. */
    static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Upper bound on header length we are willing to read (NumPy itself caps at 10,000 by default). */
    private static final int MAX_HEADER_BYTES = 1 << 20;

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException if the version is not 1–3, a dimension is negative, the element count
     *                                  overflows a long, or the offset is negative
     */
    public NpyHeader {
        if (version < 1 || version > 3) {
            throw new IllegalArgumentException(".npy version must be 1, 2 or 3; got " + version);
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        shape = shape.clone();
        checkShape(shape);
        if (dataOffset < 0) {
            throw new IllegalArgumentException("dataOffset must be >= 0; got " + dataOffset);
        }
    }

    /**
     * The header {@code numpy.save} would write for an array of this type and shape (version 1.0, or 2.0 for
     * headers too long for 1.0), with its data offset.
     *
     * @throws IllegalArgumentException if a dimension is negative or the element count overflows
     */
    public static NpyHeader of(NpyDtype dtype, long... shape) {
        checkShape(shape);
        int dictBytes = dictText(dtype, shape).length() + 1; // + '\n'
        int version = 1;
        long total = alignedLength(10, dictBytes);
        if (total - 10 > 0xFFFF) {
            version = 2;
            total = alignedLength(12, dictBytes);
        }
        return new NpyHeader(version, dtype, shape, total);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Product of the dimensions (1 for a 0-d array). */
    public long elementCount() {
        return count(shape);
    }

    /** Bytes of array data after the header. */
    public long dataBytes() {
        return Math.multiplyExact(elementCount(), dtype.itemSize());
    }

    /** Total file size this header implies: {@code dataOffset + dataBytes}. */
    public long fileSize() {
        return Math.addExact(dataOffset, dataBytes());
    }

    /** A copy with another shape (same dtype and version rules), e.g. after appending rows. */
    public NpyHeader withShape(long... newShape) {
        return of(dtype, newShape);
    }

    /** The shape as Python prints it, e.g. {@code (2, 3)}, {@code (5,)} or {@code ()}. */
    public String shapeText() {
        return shapeRepr(shape);
    }

    /**
     * The header bytes, exactly as {@code numpy.save} writes them: magic, version, length, dict, padding
     * and {@code '\n'}; {@code encode().length == dataOffset()}.
     *
     * @throws IllegalStateException if this header was read from a file with a layout NumPy would not write
     *                               (then its offset differs from the one {@code of} computes)
     */
    public byte[] encode() {
        NpyHeader canonical = of(dtype, shape);
        if (canonical.dataOffset != dataOffset || canonical.version != version) {
            throw new IllegalStateException("Header with version " + version + " and data offset " + dataOffset
                    + " is not in canonical layout (version " + canonical.version + ", offset "
                    + canonical.dataOffset + "); use NpyHeader.of to build one to write");
        }
        byte[] dict = dictText(dtype, shape).getBytes(StandardCharsets.US_ASCII);
        int prefix = version == 1 ? 10 : 12;
        int headerLen = (int) (dataOffset - prefix);
        ByteBuffer b = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(dict);
        while (b.position() < dataOffset - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && version == h.version && dtype == h.dtype && dataOffset == h.dataOffset
                && Arrays.equals(shape, h.shape);
    }

    @Override
    public int hashCode() {
        return ((31 * version + dtype.hashCode()) * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(dataOffset);
    }

    @Override
    public String toString() {
        return "NpyHeader[v" + version + ".0, " + dtype.descr() + ", shape=" + shapeText() + ", dataOffset="
                + dataOffset + "]";
    }

    /**
     * Reads and validates the header at the start of {@code channel} (position 0). Checks the magic, the
     * version (1.0, 2.0, 3.0), the dict keys and values, C order, and that the channel's size equals
     * {@link #fileSize()}.
     *
     * @param channel an open channel on the file
     * @param source  the file name, used in error messages
     * @throws NpyFormatException if the header is malformed or unsupported, or the size does not match
     * @throws IOException        if reading fails
     */
    public static NpyHeader read(FileChannel channel, String source) throws IOException {
        long size = channel.size();
        if (size < 10) {
            throw new NpyFormatException("Not a .npy file: " + source + " has only " + size
                    + " bytes; a .npy header needs at least 10");
        }
        ByteBuffer pre = readFully(channel, 0, 12 <= size ? 12 : 10, source);
        byte[] magic = new byte[6];
        pre.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new NpyFormatException("Not a .npy file: " + source + " starts with " + hex(magic)
                    + ", expected the magic \\x93NUMPY (93 4e 55 4d 50 59)");
        }
        int major = pre.get() & 0xFF;
        int minor = pre.get() & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException("Unsupported .npy format version " + major + "." + minor + " in " + source
                    + "; supported: 1.0, 2.0, 3.0");
        }
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xFFFF;
            prefix = 10;
        } else {
            if (size < 12) {
                throw new NpyFormatException("Truncated .npy file " + source + ": version " + major
                        + ".0 needs a 12-byte prefix but the file has " + size + " bytes");
            }
            headerLen = pre.getInt() & 0xFFFFFFFFL;
            prefix = 12;
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new NpyFormatException("Header of " + source + " claims " + headerLen + " bytes; at most "
                    + MAX_HEADER_BYTES + " are accepted");
        }
        long dataOffset = prefix + headerLen;
        if (size < dataOffset) {
            throw new NpyFormatException("Truncated .npy file " + source + ": the header needs " + dataOffset
                    + " bytes but the file has " + size);
        }
        ByteBuffer hb = readFully(channel, prefix, (int) headerLen, source);
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new DictParser(text, source).parse();
        NpyHeader header = fromDict(dict, major, dataOffset, source);
        long expected;
        try {
            expected = header.fileSize();
        } catch (ArithmeticException e) {
            throw new NpyFormatException("Shape " + header.shapeText() + " in " + source + " is too large");
        }
        if (size < expected) {
            throw new NpyFormatException("Truncated .npy file " + source + ": header says " + header.dtype.descr()
                    + " shape " + header.shapeText() + ", which needs " + expected + " bytes (" + dataOffset
                    + " header + " + header.dataBytes() + " data), but the file has " + size + " bytes");
        }
        if (size > expected) {
            throw new NpyFormatException("Corrupt .npy file " + source + ": header says " + header.dtype.descr()
                    + " shape " + header.shapeText() + ", which needs " + expected + " bytes, but the file has "
                    + size + " (" + (size - expected) + " trailing bytes)");
        }
        return header;
    }

    private static NpyHeader fromDict(Map<String, Object> dict, int version, long dataOffset, String source)
            throws NpyFormatException {
        List<String> keys = List.of("descr", "fortran_order", "shape");
        if (!dict.keySet().equals(Set.copyOf(keys))) {
            throw new NpyFormatException("Header of " + source + " has keys " + dict.keySet() + "; expected exactly "
                    + keys);
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String d)) {
            throw new NpyFormatException("Header of " + source + " has descr " + descr
                    + "; structured dtypes are not supported, expected a type string like '<f4'");
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean f)) {
            throw new NpyFormatException("Header of " + source + " has fortran_order " + fortran
                    + "; expected True or False");
        }
        if (f) {
            throw new NpyFormatException(source + " is stored in Fortran (column-major) order, which is not "
                    + "supported; save a C-order copy with numpy.save(path, numpy.ascontiguousarray(arr))");
        }
        Object shape = dict.get("shape");
        if (!(shape instanceof long[] s)) {
            throw new NpyFormatException("Header of " + source + " has shape " + shape
                    + "; expected a tuple of integers");
        }
        NpyDtype dtype = NpyDtype.fromDescr(d, source);
        for (long dim : s) {
            if (dim < 0) {
                throw new NpyFormatException("Header of " + source + " has negative dimension in shape "
                        + shapeRepr(s));
            }
        }
        try {
            count(s);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException("Shape " + shapeRepr(s) + " in " + source + " is too large");
        }
        return new NpyHeader(version, dtype, s, dataOffset);
    }

    static String dictText(NpyDtype dtype, long[] shape) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(dtype.descr())
                .append("', 'fortran_order': False, 'shape': ").append(shapeRepr(shape)).append(", }");
        if (shape.length > 0) {
            sb.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length()));
        }
        return sb.toString();
    }

    static String shapeRepr(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    private static long alignedLength(int prefix, int headerBytesWithNewline) {
        int pad = ALIGNMENT - ((prefix + headerBytesWithNewline) % ALIGNMENT);
        return (long) prefix + headerBytesWithNewline + pad;
    }

    private static void checkShape(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Dimensions must be >= 0; got shape " + shapeRepr(shape));
            }
        }
        count(shape);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("Shape " + shapeRepr(shape) + " has more elements than a long holds");
            }
        }
        return n;
    }

    static ByteBuffer readFully(FileChannel ch, long position, int length, String source) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position());
            if (n < 0) {
                throw new EOFException("Unexpected end of " + source + " at byte " + (position + b.position())
                        + "; expected " + (position + length) + " bytes");
            }
        }
        b.flip();
        return b;
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }

    /** Parses the Python literal dict of a .npy header: strings, True/False, tuples of integers. */
    private static final class DictParser {
        private final String s;
        private final String source;
        private int i;

        DictParser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Map<String, Object> parse() throws NpyFormatException {
            Map<String, Object> out = new LinkedHashMap<>();
            skipWs();
            expect('{');
            while (true) {
                skipWs();
                if (peek() == '}') {
                    i++;
                    break;
                }
                String key = string();
                skipWs();
                expect(':');
                skipWs();
                Object value = value();
                if (out.put(key, value) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                skipWs();
                char c = peek();
                if (c == ',') {
                    i++;
                } else if (c == '}') {
                    i++;
                    break;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
            skipWs();
            if (i != s.length()) {
                throw error("unexpected text after the dict");
            }
            return out;
        }

        private Object value() throws NpyFormatException {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '[') {
                throw new NpyFormatException("Header of " + source
                        + " describes a structured dtype (a list of fields), which is not supported");
            }
            throw error("unexpected value");
        }

        private long[] tuple() throws NpyFormatException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            boolean comma = false;
            while (true) {
                skipWs();
                if (peek() == ')') {
                    i++;
                    break;
                }
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                if (start == i) {
                    throw error("expected a non-negative integer in the shape");
                }
                try {
                    dims.add(Long.parseLong(s.substring(start, i)));
                } catch (NumberFormatException e) {
                    throw error("dimension " + s.substring(start, i) + " is too large");
                }
                if (peek() == 'L' || peek() == 'l') { // Python 2 long suffix
                    i++;
                }
                skipWs();
                char c = peek();
                comma = c == ',';
                if (c == ',') {
                    i++;
                } else if (c == ')') {
                    i++;
                    break;
                } else {
                    throw error("expected ',' or ')' in the shape");
                }
            }
            if (dims.size() == 1 && !comma) {
                throw error("a one-dimensional shape must be written (n,)");
            }
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private String string() throws NpyFormatException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("expected a quoted string");
            }
            int end = s.indexOf(q, i + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String v = s.substring(i + 1, end);
            i = end + 1;
            return v;
        }

        private void expect(char c) throws NpyFormatException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void skipWs() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private NpyFormatException error(String what) {
            String shown = s.strip();
            return new NpyFormatException("Malformed .npy header in " + source + ": " + what + " at character " + i
                    + " of \"" + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown) + "\"");
        }
    }
}
