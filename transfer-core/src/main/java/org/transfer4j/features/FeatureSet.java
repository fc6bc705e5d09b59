package org.transfer4j.features;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.transfer4j.data.BadImageReport;

/**
 * Features of one image folder as the cache holds them, loaded in memory.
 *
 * @param directory     the cache folder
 * @param features      {@code samples * h * w * c} float32 values, NHWC, one row per image in Keras's file order
 * @param featureShape  {@code [h, w, c]}
 * @param classes       class index per row
 * @param classIndices  class name → index
 * @param filenames     relative path per row
 * @param extracted     images run through the base in this call (0 on a full cache hit)
 * @param reused        rows taken from the cache
 * @param skipped       images left out (SKIP policy), with reasons
 */
public record FeatureSet(Path directory, float[] features, int[] featureShape, int[] classes,
        Map<String, Integer> classIndices, List<String> filenames, int extracted, int reused, BadImageReport skipped) {

    /** Number of rows. */
    public int samples() {
        return classes.length;
    }

    /** True if nothing had to be run through the base. */
    public boolean cacheHit() {
        return extracted == 0;
    }

    /** Class names in index order. */
    public List<String> classNames() {
        return classIndices.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    }
}
