package org.transfer4j.features;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A committed sharded feature set opened for streaming: the shards' files, labels and names, without the features
 * (those stay on disk and are read row by row, e.g. by {@code train.ShardedBatchSource}). Made by
 * {@link ShardedFeatureCache#open()}.
 *
 * @param directory          the cache folder
 * @param key                what made the features
 * @param featureShape       {@code [h, w, c]} of one row
 * @param shards             the shards in row order
 * @param shuffleBufferRows  rows held by the shuffle buffer when training streams from this set (memory:
 *                           {@code shuffleBufferRows * h * w * c * 4} bytes)
 */
public record ShardedFeatures(Path directory, CacheManifest.Key key, int[] featureShape, List<Shard> shards,
        int shuffleBufferRows) {

    /** Default {@link #shuffleBufferRows()}: 2,048 rows, 64 MiB for VGG16's 4 × 4 × 512 features. */
    public static final int DEFAULT_SHUFFLE_BUFFER_ROWS = 2048;

    public ShardedFeatures {
        featureShape = featureShape.clone();
        shards = List.copyOf(shards);
        if (shuffleBufferRows < 1) {
            throw new IllegalArgumentException("shuffle buffer rows must be >= 1; got " + shuffleBufferRows);
        }
    }

    /**
     * One committed shard.
     *
     * @param name      {@code shard-00007}
     * @param features  its features {@code .npy}
     * @param classes   class index per row
     * @param filenames relative path per row
     */
    public record Shard(String name, Path features, int[] classes, List<String> filenames) {
        public int rows() {
            return classes.length;
        }
    }

    /** The same set with another shuffle buffer size. */
    public ShardedFeatures shuffleBuffer(int rows) {
        return new ShardedFeatures(directory, key, featureShape, shards, rows);
    }

    /** Class name → index. */
    public Map<String, Integer> classIndices() {
        return key.classIndices();
    }

    /** Total rows. */
    public long samples() {
        return shards.stream().mapToLong(Shard::rows).sum();
    }
}
