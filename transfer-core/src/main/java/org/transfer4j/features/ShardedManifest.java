package org.transfer4j.features;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code manifest.json} of a sharded feature cache (format 2, layout {@code sharded}): the key every shard was
 * made with and the shards that make up the set, in row order. It is written last, atomically, once every shard it
 * names is committed; it is the set's commit point. Shards committed after it (by an interrupted run) are reused by
 * the next run but are not part of the set until a manifest names them.
 *
 * @param format       {@link #FORMAT}
 * @param layout       {@link #LAYOUT}
 * @param key          base, weights checksum, cut, preprocessing, input size, decoding and classes
 * @param featureShape {@code [h, w, c]} of one row
 * @param shards       the shards, in row order
 * @param images       total rows
 * @param skipped      total inputs left out under the SKIP policy
 * @param library      transfer4j version that wrote it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardedManifest(
        @JsonProperty("format") int format,
        @JsonProperty("layout") String layout,
        @JsonProperty("key") CacheManifest.Key key,
        @JsonProperty("feature_shape") List<Integer> featureShape,
        @JsonProperty("shards") List<Entry> shards,
        @JsonProperty("images") long images,
        @JsonProperty("skipped") long skipped,
        @JsonProperty("library") String library) {

    /** The format of sharded manifests (the single-file cache's is {@link CacheManifest#FORMAT}). */
    public static final int FORMAT = 2;
    /** The {@code layout} value of a sharded cache. */
    public static final String LAYOUT = "sharded";

    public ShardedManifest {
        Objects.requireNonNull(key, "key");
        featureShape = List.copyOf(featureShape);
        shards = shards == null ? List.of() : List.copyOf(shards);
    }

    /**
     * One shard of the set.
     *
     * @param name shard name, {@code shard-00007}
     * @param rows its rows
     */
    public record Entry(@JsonProperty("name") String name, @JsonProperty("rows") int rows) {
    }

    /** {@link #featureShape()} as an array. */
    public int[] featureShapeArray() {
        return featureShape.stream().mapToInt(Integer::intValue).toArray();
    }
}
