package org.transfer4j.features;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Chunked, little-endian transfer of primitive arrays between Java arrays and a file channel. */
final class NpyData {

    /** Bytes moved per read or write call. */
    static final int CHUNK_BYTES = 1 << 20;

    private NpyData() {
    }

    /** Copies {@code count} elements of {@code array} from {@code offset} into {@code buf} (which has room). */
    @FunctionalInterface
    interface Put {
        void put(ByteBuffer buf, int offset, int count);
    }

    /** Copies {@code count} elements from {@code buf} into the array at {@code offset}. */
    @FunctionalInterface
    interface Get {
        void get(ByteBuffer buf, int offset, int count);
    }

    static Put floats(float[] a) {
        return (b, off, n) -> b.asFloatBuffer().put(a, off, n);
    }

    static Put doubles(double[] a) {
        return (b, off, n) -> b.asDoubleBuffer().put(a, off, n);
    }

    static Put ints(int[] a) {
        return (b, off, n) -> b.asIntBuffer().put(a, off, n);
    }

    static Put longs(long[] a) {
        return (b, off, n) -> b.asLongBuffer().put(a, off, n);
    }

    static Put bytes(byte[] a) {
        return (b, off, n) -> b.duplicate().put(a, off, n);
    }

    static Get floatsInto(float[] a) {
        return (b, off, n) -> b.asFloatBuffer().get(a, off, n);
    }

    static Get doublesInto(double[] a) {
        return (b, off, n) -> b.asDoubleBuffer().get(a, off, n);
    }

    static Get intsInto(int[] a) {
        return (b, off, n) -> b.asIntBuffer().get(a, off, n);
    }

    static Get longsInto(long[] a) {
        return (b, off, n) -> b.asLongBuffer().get(a, off, n);
    }

    static Get bytesInto(byte[] a) {
        return (b, off, n) -> b.duplicate().get(a, off, n);
    }

    /** A direct buffer for writes of {@code count} elements, at most {@link #CHUNK_BYTES}. */
    static ByteBuffer buffer(int itemSize, long count) {
        return ByteBuffer.allocateDirect(chunkBytes(itemSize, count)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int chunkBytes(int itemSize, long count) {
        return Math.max(1, (int) Math.min(count, CHUNK_BYTES / itemSize)) * itemSize;
    }

    /** Writes {@code count} elements starting at array index {@code offset} at the channel's position. */
    static void write(FileChannel ch, int itemSize, Put src, int offset, int count, ByteBuffer buf)
            throws IOException {
        int perChunk = buf.capacity() / itemSize;
        int done = 0;
        while (done < count) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            src.put(buf, offset + done, n);
            buf.limit(n * itemSize);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            done += n;
        }
    }

    /** Reads {@code count} elements at file {@code position} into the array from index {@code offset}. */
    static void read(FileChannel ch, long position, int itemSize, Get dst, int offset, int count, String source)
            throws IOException {
        // A heap buffer: the channel reads through the JDK's cached per-thread direct buffer. A direct buffer per call
        // is freed only when the collector happens to run, which reading a cache row by row does not make it do.
        ByteBuffer buf = ByteBuffer.allocate(chunkBytes(itemSize, count)).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / itemSize;
        int done = 0;
        long pos = position;
        while (done < count) {
            int n = Math.min(perChunk, count - done);
            buf.clear().limit(n * itemSize);
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) {
                    throw new EOFException("Unexpected end of " + source + " at byte " + (pos + buf.position())
                            + " (the file was truncated after it was opened)");
                }
            }
            buf.flip();
            dst.get(buf, offset + done, n);
            pos += (long) n * itemSize;
            done += n;
        }
    }
}
