package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;
import org.transfer4j.testing.ChildJvm;
import org.transfer4j.testing.TestImages;

/** {@code kill -9} in the middle of a sharded extraction: the rerun extracts only the shards not committed. */
class ShardedCacheKillTest {
    static final long SEED = 11;
    static final int SHARD_SIZE = 2;

    @TempDir
    Path tmp;

    @Test
    void a_killed_extraction_resumes_with_identical_features_and_no_duplicate_or_missing_image() throws Exception {
        TestImages.Tree tree = TestImages.tree(tmp.resolve("data"));
        for (int i = 0; i < 5; i++) {
            tree.file("cats/cat." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, i)));
            tree.file("dogs/dog." + i + ".png", TestImages.png(TestImages.random(40, 30, 3, 100 + i)));
        }
        Path data = tree.write();
        Path cacheDir = tmp.resolve("cache");

        String output;
        try (ChildJvm child = ChildJvm.start(ShardedExtractMain.class, "blocked", data.toString(),
                cacheDir.toString(), "2")) {
            assertThat(child.awaitMarker(120)).as("the child reached its third shard: %s", child.output()).isTrue();
            child.close(); // SIGKILL: no shutdown hook, no finally block runs in the child
            output = child.output();
        }
        assertThat(output).doesNotContain("finished");
        assertThat(Files.exists(cacheDir.resolve(FeatureCache.MANIFEST))).isFalse();
        try (Stream<Path> s = Files.list(cacheDir.resolve(ShardedFeatureCache.SHARDS))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted())
                    .containsExactly("shard-00000.json", "shard-00001.json");
        }

        ConvBase base = Vgg16.random(32, 32, SEED);
        var weights = base.loadWeights();
        ImageFolder folder = ImageFolder.of(data).classMode(ClassMode.BINARY);
        ShardedFeatureCache cache = ShardedFeatureCache.at(cacheDir).batchSize(1).shardSize(SHARD_SIZE);
        ShardedFeatureCache.Update resumed = cache.update(folder, base, weights, "block5_pool",
                ExtractionListener.none());
        assertThat(resumed.reused()).isEqualTo(2 * SHARD_SIZE);
        assertThat(resumed.extracted()).isEqualTo(10 - 2 * SHARD_SIZE);

        FeatureSet set = FeatureCache.at(cacheDir).load();
        FeatureSet fresh = FeatureCache.at(tmp.resolve("fresh")).batchSize(3).extract(folder, base, weights,
                "block5_pool", ExtractionListener.none());
        assertThat(set.filenames()).doesNotHaveDuplicates().containsExactlyElementsOf(fresh.filenames());
        ShardedFeatureCacheTest.assertSameRows(set, fresh);
        try (Stream<Path> s = Files.list(cacheDir.resolve(ShardedFeatureCache.SHARDS))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
    }
}
