package org.transfer4j.features;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The manifest of one shard of a {@link ShardedFeatureCache} ({@code shards/shard-00007.json}): what made its
 * features (the same {@link CacheManifest.Key} as the set's) and, per row, the input image's relative path, size,
 * modification time and label. It is written last, atomically, after the shard's two {@code .npy} files are complete:
 * it is the shard's commit point, so a shard whose manifest exists is whole.
 *
 * @param format       {@link ShardedManifest#FORMAT}
 * @param key          what made the features; a shard of another key is never reused
 * @param featureShape {@code [h, w, c]} of one row
 * @param id           shard number, unique in the set ({@code shard-00007} is 7)
 * @param featuresFile features {@code .npy} (rows × h × w × c float32) in {@code shards/}
 * @param labelsFile   labels {@code .npy} (rows float32 class indices) in {@code shards/}
 * @param images       one entry per row, in row order
 * @param skipped      inputs of this shard left out under the SKIP policy, with the reason
 * @param library      transfer4j version that wrote it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardManifest(
        @JsonProperty("format") int format,
        @JsonProperty("key") CacheManifest.Key key,
        @JsonProperty("feature_shape") List<Integer> featureShape,
        @JsonProperty("id") int id,
        @JsonProperty("features_file") String featuresFile,
        @JsonProperty("labels_file") String labelsFile,
        @JsonProperty("images") List<CacheManifest.Image> images,
        @JsonProperty("skipped") List<CacheManifest.Skipped> skipped,
        @JsonProperty("library") String library) {

    public ShardManifest {
        Objects.requireNonNull(key, "key");
        featureShape = List.copyOf(featureShape);
        images = images == null ? List.of() : List.copyOf(images);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /** The shard's name, {@code shard-00007}: its manifest is {@code shards/<name>.json}. */
    public String name() {
        return ShardedFeatureCache.shardName(id);
    }

    /** Number of rows. */
    public int rows() {
        return images.size();
    }
}
