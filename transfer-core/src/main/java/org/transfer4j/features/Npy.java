package org.transfer4j.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.transfer4j.io.AtomicFiles;

/**
 * Reads and writes whole arrays as NumPy {@code .npy} files, the format of {@code numpy.save} and
 * {@code numpy.load}: little-endian {@code <f4 <f8 <i4 <i8 |u1}, C (row-major) order. Files written here are
 * byte-identical to {@code numpy.save} output for the same array (format 1.0, data aligned to 64 bytes).
 * Reading accepts format versions 1.0, 2.0 and 3.0 and validates the header against the file size.
 *
 * <p>For arrays too big to hold at once, or whose first dimension is unknown in advance, use
 * {@link NpyFloatWriter} (append rows) and {@link NpyReader} (read a row range).
 *
 * <p>Writes go to a temp file in the target's directory that is renamed over the target when complete, so the
 * target is either the old file or the complete new one. Stateless and thread-safe.
 *
 * <pre>{@code
 * Npy.write(dir.resolve("features.npy"), features, 2000, 4, 4, 512);
 * Npy.Floats f = Npy.readFloats(dir.resolve("features.npy"));   // f.shape() = [2000, 4, 4, 512]
 * }</pre>
 */
public final class Npy {

    private Npy() {
    }

    /**
     * A float32 array read from a file. The arrays are not copied: the record owns them.
     *
     * @param shape dimensions (empty for a 0-d array)
     * @param data  {@code product(shape)} values in C order
     */
    public record Floats(int[] shape, float[] data) {
        /** @throws IllegalArgumentException if the data length is not the product of the shape */
        public Floats {
            checkLength(shape, data.length);
        }

        @Override
        public String toString() {
            return "Npy.Floats" + shapeText(shape);
        }
    }

    /**
     * A float64 array read from a file. The arrays are not copied.
     *
     * @param shape dimensions
     * @param data  values in C order
     */
    public record Doubles(int[] shape, double[] data) {
        /** @throws IllegalArgumentException if the data length is not the product of the shape */
        public Doubles {
            checkLength(shape, data.length);
        }

        @Override
        public String toString() {
            return "Npy.Doubles" + shapeText(shape);
        }
    }

    /**
     * An int32 array read from a file. The arrays are not copied.
     *
     * @param shape dimensions
     * @param data  values in C order
     */
    public record Ints(int[] shape, int[] data) {
        /** @throws IllegalArgumentException if the data length is not the product of the shape */
        public Ints {
            checkLength(shape, data.length);
        }

        @Override
        public String toString() {
            return "Npy.Ints" + shapeText(shape);
        }
    }

    /**
     * An int64 array read from a file. The arrays are not copied.
     *
     * @param shape dimensions
     * @param data  values in C order
     */
    public record Longs(int[] shape, long[] data) {
        /** @throws IllegalArgumentException if the data length is not the product of the shape */
        public Longs {
            checkLength(shape, data.length);
        }

        @Override
        public String toString() {
            return "Npy.Longs" + shapeText(shape);
        }
    }

    /**
     * A uint8 array read from a file; values 0..255 are held as Java bytes (read with {@code b & 0xFF}).
     * The arrays are not copied.
     *
     * @param shape dimensions
     * @param data  values in C order
     */
    public record Bytes(int[] shape, byte[] data) {
        /** @throws IllegalArgumentException if the data length is not the product of the shape */
        public Bytes {
            checkLength(shape, data.length);
        }

        @Override
        public String toString() {
            return "Npy.Bytes" + shapeText(shape);
        }
    }

    /**
     * Writes a float32 ({@code <f4}) array.
     *
     * @param file  the target; replaced atomically if it exists; parent directories are created
     * @param data  values in C order
     * @param shape dimensions; their product must equal {@code data.length} (none for a 0-d array of 1 value)
     * @throws IllegalArgumentException if a dimension is negative or the shape does not match the data length
     * @throws IOException              if writing fails (the target is then left unchanged)
     */
    public static void write(Path file, float[] data, int... shape) throws IOException {
        write(file, NpyDtype.FLOAT32, shape, data.length, NpyData.floats(data));
    }

    /**
     * Writes a float64 ({@code <f8}) array. See {@link #write(Path, float[], int...)}.
     *
     * @throws IllegalArgumentException if the shape does not match the data length
     * @throws IOException              if writing fails
     */
    public static void write(Path file, double[] data, int... shape) throws IOException {
        write(file, NpyDtype.FLOAT64, shape, data.length, NpyData.doubles(data));
    }

    /**
     * Writes an int32 ({@code <i4}) array, e.g. class labels. See {@link #write(Path, float[], int...)}.
     *
     * @throws IllegalArgumentException if the shape does not match the data length
     * @throws IOException              if writing fails
     */
    public static void write(Path file, int[] data, int... shape) throws IOException {
        write(file, NpyDtype.INT32, shape, data.length, NpyData.ints(data));
    }

    /**
     * Writes an int64 ({@code <i8}) array. See {@link #write(Path, float[], int...)}.
     *
     * @throws IllegalArgumentException if the shape does not match the data length
     * @throws IOException              if writing fails
     */
    public static void write(Path file, long[] data, int... shape) throws IOException {
        write(file, NpyDtype.INT64, shape, data.length, NpyData.longs(data));
    }

    /**
     * Writes a uint8 ({@code |u1}) array, e.g. raw pixels; each byte is taken as unsigned.
     * See {@link #write(Path, float[], int...)}.
     *
     * @throws IllegalArgumentException if the shape does not match the data length
     * @throws IOException              if writing fails
     */
    public static void write(Path file, byte[] data, int... shape) throws IOException {
        write(file, NpyDtype.UINT8, shape, data.length, NpyData.bytes(data));
    }

    /**
     * Reads a {@code <f4} file whole.
     *
     * @throws NpyFormatException if the file is not a valid .npy file, is truncated, or holds another dtype
     * @throws IOException        if reading fails
     */
    public static Floats readFloats(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, file, NpyDtype.FLOAT32);
            float[] data = new float[length(h, file)];
            NpyData.read(ch, h.dataOffset(), 4, NpyData.floatsInto(data), 0, data.length, file.toString());
            return new Floats(intShape(h), data);
        }
    }

    /**
     * Reads a {@code <f8} file whole.
     *
     * @throws NpyFormatException if the file is not a valid .npy file, is truncated, or holds another dtype
     * @throws IOException        if reading fails
     */
    public static Doubles readDoubles(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, file, NpyDtype.FLOAT64);
            double[] data = new double[length(h, file)];
            NpyData.read(ch, h.dataOffset(), 8, NpyData.doublesInto(data), 0, data.length, file.toString());
            return new Doubles(intShape(h), data);
        }
    }

    /**
     * Reads a {@code <i4} file whole.
     *
     * @throws NpyFormatException if the file is not a valid .npy file, is truncated, or holds another dtype
     * @throws IOException        if reading fails
     */
    public static Ints readInts(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, file, NpyDtype.INT32);
            int[] data = new int[length(h, file)];
            NpyData.read(ch, h.dataOffset(), 4, NpyData.intsInto(data), 0, data.length, file.toString());
            return new Ints(intShape(h), data);
        }
    }

    /**
     * Reads a {@code <i8} file whole.
     *
     * @throws NpyFormatException if the file is not a valid .npy file, is truncated, or holds another dtype
     * @throws IOException        if reading fails
     */
    public static Longs readLongs(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, file, NpyDtype.INT64);
            long[] data = new long[length(h, file)];
            NpyData.read(ch, h.dataOffset(), 8, NpyData.longsInto(data), 0, data.length, file.toString());
            return new Longs(intShape(h), data);
        }
    }

    /**
     * Reads a {@code |u1} file whole.
     *
     * @throws NpyFormatException if the file is not a valid .npy file, is truncated, or holds another dtype
     * @throws IOException        if reading fails
     */
    public static Bytes readBytes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            NpyHeader h = header(ch, file, NpyDtype.UINT8);
            byte[] data = new byte[length(h, file)];
            NpyData.read(ch, h.dataOffset(), 1, NpyData.bytesInto(data), 0, data.length, file.toString());
            return new Bytes(intShape(h), data);
        }
    }

    /**
     * Reads and validates only the header (dtype, shape, data offset), checking it against the file size.
     *
     * @throws NpyFormatException if the file is not a valid .npy file or its size does not match the header
     * @throws IOException        if reading fails
     */
    public static NpyHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return NpyHeader.read(ch, file.toString());
        }
    }

    private static void write(Path file, NpyDtype dtype, int[] shape, int length, NpyData.Put src)
            throws IOException {
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        NpyHeader header;
        try {
            header = NpyHeader.of(dtype, dims);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        if (header.elementCount() != length) {
            throw new IllegalArgumentException("Cannot write " + file + ": shape " + header.shapeText() + " has "
                    + header.elementCount() + " elements but the data has " + length);
        }
        Path temp = AtomicFiles.tempBeside(file);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.wrap(header.encode());
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                NpyData.write(ch, dtype.itemSize(), src, 0, length, NpyData.buffer(dtype.itemSize(), length));
                ch.force(true);
            }
            AtomicFiles.commit(temp, file);
        } catch (IOException | RuntimeException | Error e) {
            AtomicFiles.discard(temp, e);
            throw e;
        }
    }

    private static NpyHeader header(FileChannel ch, Path file, NpyDtype wanted) throws IOException {
        NpyHeader h = NpyHeader.read(ch, file.toString());
        if (h.dtype() != wanted) {
            throw new NpyFormatException(file + " holds " + h.dtype().descr() + " (" + h.dtype()
                    + ") data; this method reads " + wanted.descr() + ". Use Npy.read" + readerName(h.dtype())
                    + " instead");
        }
        return h;
    }

    private static String readerName(NpyDtype t) {
        return switch (t) {
            case FLOAT32 -> "Floats";
            case FLOAT64 -> "Doubles";
            case INT32 -> "Ints";
            case INT64 -> "Longs";
            case UINT8 -> "Bytes";
        };
    }

    private static int length(NpyHeader h, Path file) throws NpyFormatException {
        long n = h.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(file + " holds " + n + " elements (shape " + h.shapeText()
                    + "), more than a Java array can; read it in row ranges with NpyReader");
        }
        return (int) n;
    }

    private static int[] intShape(NpyHeader h) {
        return Arrays.stream(h.shape()).mapToInt(Math::toIntExact).toArray();
    }

    private static void checkLength(int[] shape, int length) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Dimensions must be >= 0; got shape " + shapeText(shape));
            }
            n = Math.multiplyExact(n, (long) d);
        }
        if (n != length) {
            throw new IllegalArgumentException("Shape " + shapeText(shape) + " has " + n + " elements but data has "
                    + length);
        }
    }

    private static String shapeText(int[] shape) {
        return NpyHeader.shapeRepr(Arrays.stream(shape).asLongStream().toArray());
    }
}
