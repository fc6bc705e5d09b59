package org.transfer4j.internal.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.features.NpyReader;
import org.transfer4j.features.ShardedFeatures;

/**
 * Batches streamed from a sharded feature set on disk, for training on more features than the heap holds (e.g.
 * 100,000 × 8,192 floats = 3.3 GB with a 1 GB heap). Memory is the shuffle buffer ({@code bufferRows} rows) plus one
 * batch, whatever the set's size.
 *
 * <p>A shuffled pass is reproducible from (seed, pass) and mixes across and within shards in three stages: the shard
 * order is a seeded permutation; each shard's rows are read in a seeded permutation; and rows go through a shuffle
 * buffer of {@code bufferRows} (as {@code tf.data.Dataset.shuffle}): each output row is a random one of the buffered
 * rows, replaced by the next row read. Every row appears exactly once per pass. It is not the uniform permutation of
 * {@link ArrayBatchSource}: a row leaves at most about {@code bufferRows} rows after its shard was reached, so the
 * buffer should hold a few shards. Unshuffled, rows come in shard order (validation).
 *
 * <p>Immutable and thread-safe; each iterator reads with its own file handle (one shard open at a time) and is not
 * thread-safe.
 */
public final class ShardedBatchSource implements BatchSource {
    private final ShardedFeatures set;
    private final int units;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int rowLength;
    private final int samples;

    /**
     * @param set       the shards (its {@link ShardedFeatures#shuffleBufferRows()} sizes the buffer)
     * @param units     output units: 1 for binary (target = class index), else one-hot of this width
     * @param batchSize ≥ 1
     * @param shuffle   whether each pass is shuffled
     * @param seed      seeds the shuffles
     * @throws IllegalArgumentException for a bad batch size, or a class index that does not fit {@code units}
     */
    public ShardedBatchSource(ShardedFeatures set, int units, int batchSize, boolean shuffle, long seed) {
        this.set = Objects.requireNonNull(set, "set");
        this.units = units;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + batchSize);
        }
        int[] shape = set.featureShape();
        this.rowLength = shape[0] * shape[1] * shape[2];
        this.samples = Math.toIntExact(set.samples());
        for (ShardedFeatures.Shard s : set.shards()) {
            for (int c : s.classes()) {
                if (c < 0 || (units > 1 && c >= units) || (units == 1 && c > 1)) {
                    throw new IllegalArgumentException("class index " + c + " in " + s.name() + " does not fit a head "
                            + "with " + units + (units == 1 ? " sigmoid output (classes 0 and 1)" : " softmax outputs"));
                }
            }
        }
    }

    @Override
    public int samples() {
        return samples;
    }

    @Override
    public long[] classCounts(int k) {
        long[] counts = new long[k];
        for (ShardedFeatures.Shard s : set.shards()) {
            for (int c : s.classes()) {
                counts[c]++;
            }
        }
        return counts;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /**
     * The order of pass {@code pass} as global row numbers (shard after shard, as {@link ShardedFeatures#shards()}
     * lists them), without reading features: for tests and inspection.
     */
    public int[] order(int pass) {
        Rows rows = new Rows(pass, false);
        int[] out = new int[samples];
        for (int i = 0; i < samples; i++) {
            out[i] = rows.next(null, 0);
        }
        return out;
    }

    @Override
    public Iterator<Batch> pass(int pass) {
        Rows rows = new Rows(pass, true);
        int[] shape = set.featureShape();
        return new Iterator<>() {
            int emitted;

            @Override
            public boolean hasNext() {
                return emitted < samples;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int n = Math.min(batchSize, samples - emitted);
                float[] x = new float[n * rowLength];
                float[] y = new float[n * units];
                int[] c = new int[n];
                for (int i = 0; i < n; i++) {
                    c[i] = rows.nextClass(x, i * rowLength);
                    if (units == 1) {
                        y[i] = c[i];
                    } else {
                        y[i * units + c[i]] = 1f;
                    }
                }
                emitted += n;
                if (emitted == samples) {
                    rows.close();
                }
                return new Batch(Nd4j.create(x, new long[] {n, shape[0], shape[1], shape[2]}, 'c'),
                        Nd4j.create(y, new long[] {n, units}, 'c'), c);
            }
        };
    }

    /** The rows of one pass: shards in (shuffled) order, rows in (shuffled) order, through the shuffle buffer. */
    private final class Rows {
        private final boolean read;
        private final SplittableRandom random;
        private final int[] shardOrder;
        private final int[] shardStart;
        private final int capacity;
        private final float[] buffer;
        private final int[] bufferRow;
        private final int[] bufferClass;
        private int buffered;
        private int shardPos = -1;
        private int[] rowOrder = new int[0];
        private int rowPos;
        private NpyReader reader;
        private int lastClass;

        Rows(int pass, boolean read) {
            this.read = read;
            this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + pass);
            int n = set.shards().size();
            shardOrder = identity(n);
            shardStart = new int[n];
            for (int i = 1; i < n; i++) {
                shardStart[i] = shardStart[i - 1] + set.shards().get(i - 1).rows();
            }
            if (shuffle) {
                permute(shardOrder);
            }
            capacity = shuffle ? Math.max(1, Math.min(set.shuffleBufferRows(), samples)) : 1;
            buffer = read ? new float[capacity * rowLength] : null;
            bufferRow = new int[capacity];
            bufferClass = new int[capacity];
        }

        private int[] identity(int n) {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
            }
            return a;
        }

        private void permute(int[] a) {
            for (int i = a.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }

        /** Reads the next row of the stream into buffer slot {@code slot}; false at the end of the pass. */
        private boolean readInto(int slot) {
            while (rowPos == rowOrder.length) {
                close();
                if (shardPos + 1 >= shardOrder.length) {
                    shardPos = shardOrder.length;
                    return false;
                }
                shardPos++;
                ShardedFeatures.Shard s = set.shards().get(shardOrder[shardPos]);
                rowOrder = identity(s.rows());
                if (shuffle) {
                    permute(rowOrder);
                }
                rowPos = 0;
                if (read && s.rows() > 0) {
                    try {
                        reader = NpyReader.open(s.features());
                        if (reader.rows() != s.rows() || reader.rowLength() != rowLength) {
                            throw new IOException(s.features() + " holds " + reader.rows() + " rows of "
                                    + reader.rowLength() + " values; its manifest names " + s.rows() + " of "
                                    + rowLength);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException("Cannot read shard " + s.name() + " of " + set.directory(), e);
                    }
                }
            }
            ShardedFeatures.Shard s = set.shards().get(shardOrder[shardPos]);
            int row = rowOrder[rowPos++];
            bufferRow[slot] = shardStart[shardOrder[shardPos]] + row;
            bufferClass[slot] = s.classes()[row];
            if (read) {
                try {
                    reader.readRows(row, 1, buffer, slot * rowLength);
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot read shard " + s.name() + " of " + set.directory(), e);
                }
            }
            return true;
        }

        /** The next row's global number; its features go to {@code dest} at {@code offset} if reading. */
        int next(float[] dest, int offset) {
            while (buffered < capacity && readInto(buffered)) {
                buffered++;
            }
            if (buffered == 0) {
                throw new NoSuchElementException();
            }
            int slot = shuffle ? random.nextInt(buffered) : 0;
            int row = bufferRow[slot];
            lastClass = bufferClass[slot];
            if (read) {
                System.arraycopy(buffer, slot * rowLength, dest, offset, rowLength);
            }
            if (!readInto(slot)) { // the stream is done: fill the hole with the last buffered row
                buffered--;
                bufferRow[slot] = bufferRow[buffered];
                bufferClass[slot] = bufferClass[buffered];
                if (read) {
                    System.arraycopy(buffer, buffered * rowLength, buffer, slot * rowLength, rowLength);
                }
            }
            return row;
        }

        int nextClass(float[] dest, int offset) {
            next(dest, offset);
            return lastClass;
        }

        void close() {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                reader = null;
            }
        }
    }
}
