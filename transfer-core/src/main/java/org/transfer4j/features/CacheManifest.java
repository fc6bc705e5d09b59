package org.transfer4j.features;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.transfer4j.Precision;
import org.transfer4j.data.Interpolation;
import org.transfer4j.internal.io.Provenances;
import org.transfer4j.io.Provenance;
import org.transfer4j.model.ConvBase;

/**
 * The {@code manifest.json} of a feature cache: what made the features (base model, weights checksum, cut layer,
 * preprocessing, input size, decoding) and, per image, its relative path, size, modification time and row. It is
 * written last, atomically: a cache is only trusted through a manifest, and a manifest only names files that were
 * complete when it was written.
 *
 * @param format         manifest format version
 * @param key            everything that, changed, invalidates every row
 * @param featureShape   {@code [h, w, c]} of one image's features
 * @param featuresFile   the features {@code .npy} (N × h × w × c float32) in this folder
 * @param labelsFile     the labels {@code .npy} (N float32 class indices) in this folder
 * @param images         one entry per row, in row order
 * @param skipped        images left out under the SKIP policy, with the reason
 * @param library        transfer4j version that wrote it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheManifest(
        @JsonProperty("format") int format,
        @JsonProperty("key") Key key,
        @JsonProperty("feature_shape") List<Integer> featureShape,
        @JsonProperty("features_file") String featuresFile,
        @JsonProperty("labels_file") String labelsFile,
        @JsonProperty("images") List<Image> images,
        @JsonProperty("skipped") List<Skipped> skipped,
        @JsonProperty("library") String library) {

    /** The current format. */
    public static final int FORMAT = 1;

    public CacheManifest {
        Objects.requireNonNull(key, "key");
        featureShape = List.copyOf(featureShape);
        images = images == null ? List.of() : List.copyOf(images);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /**
     * What must be equal for cached rows to be reused.
     *
     * @param base          conv base name, e.g. {@code vgg16}
     * @param weights       weights checksum, e.g. {@code md5:6d6b...}
     * @param cutLayer      last layer run
     * @param preprocessing e.g. {@code caffe}
     * @param input         {@code [h, w, c]} fed to the base
     * @param colorMode     decoding colour mode
     * @param interpolation resize filter
     * @param classIndices  class name → index
     * @param precision     the base's arithmetic, {@code fp32} or {@code bf16} (a manifest written before precisions
     *                      existed reads as {@code fp32}); features of another precision are recomputed
     */
    public record Key(
            @JsonProperty("base") String base,
            @JsonProperty("weights") String weights,
            @JsonProperty("cut_layer") String cutLayer,
            @JsonProperty("preprocessing") String preprocessing,
            @JsonProperty("input") List<Integer> input,
            @JsonProperty("color_mode") String colorMode,
            @JsonProperty("interpolation") String interpolation,
            @JsonProperty("class_indices") LinkedHashMap<String, Integer> classIndices,
            @JsonProperty("precision") String precision) {
        /** A manifest written before precision was recorded reads as fp32. */
        public Key {
            precision = precision == null ? "fp32" : precision;
        }

        /**
         * The key of features of {@code base} (RGB, at its input size, resized with {@code interpolation}) cut after
         * {@code cutLayer} and run in {@code precision} (resolved, not AUTO): one place for the single-file cache, the
         * sharded cache and Spark's extraction.
         */
        public static Key of(ConvBase base, String weightsChecksum, String cutLayer, Interpolation interpolation,
                Map<String, Integer> classIndices, Precision precision) {
            return of(Provenances.of(base, weightsChecksum, cutLayer, precision), interpolation, classIndices);
        }

        /**
         * The key derived from the provenance of the features (base, weights checksum, cut, preprocessing, input
         * size, precision; not the weights' source or the library versions, which do not change the values) and
         * what the listing adds: RGB, the resize filter and the classes.
         */
        public static Key of(Provenance provenance, Interpolation interpolation, Map<String, Integer> classIndices) {
            return new Key(provenance.base(), provenance.weightsChecksum(), provenance.cutLayer(),
                    provenance.preprocessing(), provenance.input(), "rgb", interpolation.name().toLowerCase(Locale.ROOT),
                    new LinkedHashMap<>(classIndices), provenance.precision());
        }
    }

    /**
     * One cached image.
     *
     * @param path      path relative to the folder, as Keras reports it ({@code cats/cat.1.jpg})
     * @param size      bytes when extracted
     * @param mtime     modification time when extracted, milliseconds since the epoch
     * @param label     class index
     */
    public record Image(@JsonProperty("path") String path, @JsonProperty("size") long size,
            @JsonProperty("mtime") long mtime, @JsonProperty("label") int label) {
    }

    /**
     * An image left out.
     *
     * @param path   relative path
     * @param size   bytes
     * @param mtime  modification time, ms
     * @param reason why
     */
    public record Skipped(@JsonProperty("path") String path, @JsonProperty("size") long size,
            @JsonProperty("mtime") long mtime, @JsonProperty("reason") String reason) {
    }

    /** {@link #featureShape()} as an array. */
    public int[] featureShapeArray() {
        return featureShape.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Row index by relative path. */
    public Map<String, Integer> rowsByPath() {
        Map<String, Integer> rows = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            rows.put(images.get(i).path(), i);
        }
        return rows;
    }
}
