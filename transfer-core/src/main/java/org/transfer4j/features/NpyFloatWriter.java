package org.transfer4j.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.io.AtomicFiles;

/**
 * Writes a float32 {@code .npy} file row by row when the number of rows is not known in advance, e.g. one
 * image's conv-base features at a time. The file's shape is {@code (rows, rowShape...)}; the first dimension
 * is fixed in the header on {@link #close()}.
 *
 * <p>The header is laid out as {@code numpy.save} lays it out, with NumPy's spare room for the first axis, so
 * its length does not depend on the row count and the finished file is byte-identical to
 * {@code numpy.save(path, array)}.
 *
 * <p>Rows go to a temp file in the target's directory ({@code .name.npy.<random>.tmp}).
 * {@link #close()} writes the final header, forces the data to disk and renames the temp file over the target
 * atomically. {@link #abort()}, or any I/O failure inside the writer, deletes the temp file; a writer that is
 * never closed leaves only its temp file, never a file at the target path. Note that try-with-resources calls
 * {@code close()} (and so commits) even when the block throws; use
 * {@link #write(Path, int[], RowWriter)} to commit only when the block completes normally.
 *
 * <p>Not thread-safe: use one writer from one thread.
 */
public final class NpyFloatWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NpyFloatWriter.class);

    /** Code that appends rows to a writer; see {@link #write(Path, int[], RowWriter)}. */
    @FunctionalInterface
    public interface RowWriter {
        /**
         * Appends rows.
         *
         * @param writer the open writer
         * @throws Exception to abort: nothing is written to the target
         */
        void writeRows(NpyFloatWriter writer) throws Exception;
    }

    private final Path target;
    private final Path temp;
    private final long[] rowShape;
    private final int rowLength;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final NpyHeader initialHeader;
    private long rows;
    private boolean finished;

    private NpyFloatWriter(Path target, long[] rowShape, int rowLength) throws IOException {
        this.target = target;
        this.rowShape = rowShape;
        this.rowLength = rowLength;
        this.initialHeader = NpyHeader.of(NpyDtype.FLOAT32, withRows(0));
        this.temp = AtomicFiles.tempBeside(target);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer head = ByteBuffer.wrap(initialHeader.encode());
            while (head.hasRemaining()) {
                ch.write(head);
            }
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException c) {
                    e.addSuppressed(c);
                }
            }
            AtomicFiles.discard(temp, e);
            throw e;
        }
        this.channel = ch;
        this.buffer = NpyData.buffer(4, Math.max(rowLength, NpyData.CHUNK_BYTES / 4));
    }

    /**
     * Opens a writer for rows of the given shape.
     *
     * @param target   the final file; replaced atomically on close if it exists; parent directories are created
     * @param rowShape the shape of one row, e.g. {@code 4, 4, 512} for VGG16 features at 150×150; empty for
     *                 rows that are single values (the file is then 1-D)
     * @throws IllegalArgumentException if a dimension is &lt; 1 or a row has more than 2^31−1 values
     * @throws IOException              if the temp file cannot be created
     */
    public static NpyFloatWriter open(Path target, int... rowShape) throws IOException {
        long len = 1;
        for (int d : rowShape) {
            if (d < 1) {
                throw new IllegalArgumentException("Row dimensions must be >= 1; got row shape "
                        + Arrays.toString(rowShape) + " for " + target);
            }
            len *= d;
            if (len > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("Row shape " + Arrays.toString(rowShape) + " for " + target
                        + " has more values than a Java array holds");
            }
        }
        return new NpyFloatWriter(target, Arrays.stream(rowShape).asLongStream().toArray(), (int) len);
    }

    /**
     * Opens a writer, lets {@code body} append rows, and commits the file only if {@code body} returns
     * normally; if it throws, the temp file is deleted and the exception propagates (checked exceptions
     * other than {@link IOException} wrapped in an {@link IOException}).
     *
     * @return the number of rows written
     * @throws IOException if writing fails or {@code body} throws a checked exception
     */
    public static long write(Path target, int[] rowShape, RowWriter body) throws IOException {
        NpyFloatWriter w = open(target, rowShape);
        try {
            body.writeRows(w);
        } catch (IOException | RuntimeException | Error e) {
            w.abort(e);
            throw e;
        } catch (Exception e) {
            IOException wrapped = new IOException("Writing " + target + " failed: " + e.getMessage(), e);
            w.abort(wrapped);
            throw wrapped;
        }
        long n = w.rows();
        w.close();
        return n;
    }

    /** The final path. */
    public Path target() {
        return target;
    }

    /** Values per row ({@code product(rowShape)}). */
    public int rowLength() {
        return rowLength;
    }

    /** Rows appended so far. */
    public long rows() {
        return rows;
    }

    /**
     * Appends one row.
     *
     * @throws IllegalArgumentException if {@code row.length != rowLength()}
     * @throws IllegalStateException    if the writer was closed or aborted
     * @throws IOException              if writing fails (the temp file is then deleted and the writer aborted)
     */
    public void append(float[] row) throws IOException {
        if (row.length != rowLength) {
            throw new IllegalArgumentException("Row has " + row.length + " values; rows of " + target + " have "
                    + rowLength + " (row shape " + NpyHeader.shapeRepr(rowShape) + ")");
        }
        appendRows(row, 0, row.length);
    }

    /**
     * Appends whole rows taken from {@code values[offset .. offset+length)}.
     *
     * @throws IllegalArgumentException if {@code length} is not a multiple of {@link #rowLength()} or the range
     *                                  is outside the array
     * @throws IllegalStateException    if the writer was closed or aborted
     * @throws IOException              if writing fails (the temp file is then deleted and the writer aborted)
     */
    public void appendRows(float[] values, int offset, int length) throws IOException {
        checkOpen();
        if (length % rowLength != 0) {
            throw new IllegalArgumentException(length + " values are not whole rows of " + rowLength + " for "
                    + target);
        }
        if (offset < 0 || length < 0 || offset > values.length - length) {
            throw new IllegalArgumentException("Range [" + offset + ", " + offset + "+" + length
                    + ") is outside an array of " + values.length);
        }
        try {
            NpyData.write(channel, 4, NpyData.floats(values), offset, length, buffer);
        } catch (IOException | RuntimeException e) {
            abort(e);
            throw e;
        }
        rows += length / rowLength;
    }

    /**
     * Writes the header with the final row count, forces data to disk and atomically renames the temp file to
     * the target. Does nothing if already closed or aborted.
     *
     * @throws IOException if finishing fails; the temp file is then deleted and the target left unchanged
     */
    @Override
    public void close() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        try {
            NpyHeader finalHeader = NpyHeader.of(NpyDtype.FLOAT32, withRows(rows));
            if (finalHeader.dataOffset() != initialHeader.dataOffset()) {
                throw new IllegalStateException("Header of " + target + " grew from " + initialHeader.dataOffset()
                        + " to " + finalHeader.dataOffset() + " bytes");
            }
            ByteBuffer head = ByteBuffer.wrap(finalHeader.encode());
            while (head.hasRemaining()) {
                channel.write(head, head.position());
            }
            channel.force(true);
            channel.close();
            AtomicFiles.commit(temp, target);
        } catch (IOException | RuntimeException e) {
            closeQuietly(e);
            AtomicFiles.discard(temp, e);
            throw e;
        }
    }

    /** Discards everything written: closes and deletes the temp file; the target is not touched. Idempotent. */
    public void abort() {
        RuntimeException holder = new RuntimeException();
        abort(holder);
        for (Throwable t : holder.getSuppressed()) {
            LOG.warn("Could not clean up temp file {} of aborted writer: {}", temp, t.toString());
        }
    }

    private void abort(Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        closeQuietly(cause);
        AtomicFiles.discard(temp, cause);
    }

    private void closeQuietly(Throwable cause) {
        try {
            channel.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("Writer for " + target + " is already closed or aborted");
        }
    }

    private long[] withRows(long n) {
        return LongStream.concat(LongStream.of(n), Arrays.stream(rowShape)).toArray();
    }
}
