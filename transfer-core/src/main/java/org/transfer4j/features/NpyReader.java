package org.transfer4j.features;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads ranges of rows (slices along the first axis) from a float32 {@code .npy} file without loading it
 * whole, e.g. one batch of cached features at a time. The header is validated against the file size on open.
 *
 * <p>Thread-safe: reads are positioned reads on one channel and do not share state, so several threads may
 * read different row ranges concurrently. Close it when done.
 */
public final class NpyReader implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final NpyHeader header;
    private final int rowLength;

    private NpyReader(Path file, FileChannel channel, NpyHeader header, int rowLength) {
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.rowLength = rowLength;
    }

    /**
     * Opens a {@code <f4} file with at least one dimension.
     *
     * @throws NpyFormatException if the file is not valid .npy, does not match its size, is not {@code <f4},
     *                            is 0-d, or a row holds more values than a Java array
     * @throws IOException        if the file cannot be opened
     */
    public static NpyReader open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            NpyHeader h = NpyHeader.read(ch, file.toString());
            if (h.dtype() != NpyDtype.FLOAT32) {
                throw new NpyFormatException(file + " holds " + h.dtype().descr() + " data; NpyReader reads <f4");
            }
            if (h.ndim() == 0) {
                throw new NpyFormatException(file + " holds a 0-d array, which has no rows; use Npy.readFloats");
            }
            long[] shape = h.shape();
            long len = 1;
            for (int i = 1; i < shape.length; i++) {
                len *= shape[i];
                if (len > Integer.MAX_VALUE - 8) {
                    throw new NpyFormatException("Rows of " + file + " (shape " + h.shapeText()
                            + ") hold more values than a Java array can");
                }
            }
            return new NpyReader(file, ch, h, (int) len);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The validated header. */
    public NpyHeader header() {
        return header;
    }

    /** The first dimension. */
    public long rows() {
        return header.shape()[0];
    }

    /** The shape of one row: the file's shape without its first dimension. */
    public int[] rowShape() {
        long[] s = header.shape();
        return Arrays.stream(s, 1, s.length).mapToInt(Math::toIntExact).toArray();
    }

    /** Values per row. */
    public int rowLength() {
        return rowLength;
    }

    /**
     * Reads rows {@code [first, first + count)}.
     *
     * @return {@code count * rowLength()} values in C order
     * @throws IllegalArgumentException if the range is outside {@code [0, rows())} or too big for one array
     * @throws IOException              if reading fails
     */
    public float[] readRows(long first, int count) throws IOException {
        checkRange(first, count);
        long n = (long) count * rowLength;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(count + " rows of " + rowLength + " values do not fit in one array");
        }
        float[] out = new float[(int) n];
        readRows(first, count, out, 0);
        return out;
    }

    /**
     * Reads rows {@code [first, first + count)} into {@code dest} from {@code destOffset}.
     *
     * @throws IllegalArgumentException if the row range is outside the file or {@code dest} is too small
     * @throws IOException              if reading fails
     */
    public void readRows(long first, int count, float[] dest, int destOffset) throws IOException {
        checkRange(first, count);
        long n = (long) count * rowLength;
        if (destOffset < 0 || destOffset + n > dest.length) {
            throw new IllegalArgumentException("dest of " + dest.length + " values has no room for " + n
                    + " values at offset " + destOffset);
        }
        long position = header.dataOffset() + first * rowLength * 4L;
        NpyData.read(channel, position, 4, NpyData.floatsInto(dest), destOffset, (int) n, file.toString());
    }

    private void checkRange(long first, int count) {
        if (first < 0 || count < 0 || first + count > rows()) {
            throw new IllegalArgumentException("Rows [" + first + ", " + (first + count) + ") are outside [0, "
                    + rows() + ") of " + file);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
