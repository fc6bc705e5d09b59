package org.transfer4j.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;

import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.BadImageReport;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ShardManifest;
import org.transfer4j.features.ShardedFeatureCache;

/**
 * Writes a sharded feature set of made-up features, without images or a conv base: for tests and for benchmarks of
 * training at sizes no real extraction here could produce in time (e.g. 100,000 × 4 × 4 × 512). Two classes,
 * {@code a} (0) and {@code b} (1), alternate; each value is uniform noise in [-1, 1] plus ±{@code separation} on every
 * fourth value, so a dense head learns them. Reproducible from the seed; rows do not depend on the shard size.
 * Test code (in transfer-core's test-jar, which the benchmarks use too), not part of the library.
 */
public final class SyntheticShards {
    private SyntheticShards() {
    }

    /**
     * Writes {@code images} rows of {@code featureShape} into a sharded cache at {@code directory}, in shards of
     * {@code shardSize} rows, and commits the set.
     *
     * @throws IOException if a file cannot be written
     */
    public static ShardedFeatureCache.Update write(Path directory, int images, int shardSize, int[] featureShape,
            float separation, long seed) throws IOException {
        LinkedHashMap<String, Integer> classes = new LinkedHashMap<>();
        classes.put("a", 0);
        classes.put("b", 1);
        CacheManifest.Key key = new CacheManifest.Key("synthetic", "synthetic:seed=" + seed + ":sep=" + separation,
                "none", "none", List.of(featureShape[0], featureShape[1], featureShape[2]), "rgb", "nearest", classes,
                "fp32");
        List<ShardedFeatureCache.Input> inputs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            String cls = i % 2 == 0 ? "a" : "b";
            inputs.add(new ShardedFeatureCache.Input(String.format("%s/%08d.synthetic", cls, i), i % 2, 0, 0,
                    Integer.toString(i)));
        }
        ShardedFeatureCache cache = ShardedFeatureCache.at(directory).shardSize(shardSize);
        ShardedFeatureCache.Plan plan = cache.plan(key, featureShape, inputs, BadImagePolicy.FAIL);
        int rowLength = featureShape[0] * featureShape[1] * featureShape[2];
        List<ShardManifest> written = new ArrayList<>();
        for (ShardedFeatureCache.PendingShard p : plan.pending()) {
            try {
                written.add(ShardedFeatureCache.writeShard(directory, key, featureShape, p,
                        in -> new HwcImage(1, 1, 1, new float[] {Integer.parseInt(in.location())}),
                        batch -> rows(batch, rowLength, separation, seed), BadImagePolicy.FAIL, 500, n -> { }));
            } catch (BadImageException e) {
                throw new IllegalStateException("made-up inputs cannot be bad", e);
            }
        }
        return cache.commit(plan, written, BadImageReport.EMPTY);
    }

    private static float[] rows(List<HwcImage> batch, int rowLength, float separation, long seed) {
        float[] out = new float[batch.size() * rowLength];
        for (int b = 0; b < batch.size(); b++) {
            int index = (int) batch.get(b).pixels()[0];
            float mean = index % 2 == 1 ? separation : -separation;
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
            for (int j = 0; j < rowLength; j++) {
                out[b * rowLength + j] = (float) (r.nextDouble() * 2 - 1) + (j % 4 == 0 ? mean : 0);
            }
        }
        return out;
    }
}
