package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TestImages;

class ShardedFeatureCacheTest {
    static ConvBase base;
    static Weights weights;
    static FeatureSet reference;

    @TempDir
    Path tmp;
    Path data;
    Path cacheDir;

    @BeforeAll
    static void loadBase(@TempDir Path refTmp) throws Exception {
        base = Vgg16.random(32, 32, 11);
        weights = base.loadWeights();
        reference = FeatureCache.at(refTmp.resolve("single")).batchSize(3).extract(
                ImageFolder.of(tree(refTmp.resolve("data"))).classMode(ClassMode.BINARY), base, weights, "block5_pool",
                ExtractionListener.none());
    }

    static Path tree(Path root) {
        TestImages.Tree tree = TestImages.tree(root);
        for (int i = 0; i < 5; i++) {
            tree.file("cats/cat." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, i)));
            tree.file("dogs/dog." + i + ".png", TestImages.png(TestImages.random(40, 30, 3, 100 + i)));
        }
        return tree.write();
    }

    @BeforeEach
    void makeTree() {
        data = tree(tmp.resolve("data"));
        cacheDir = tmp.resolve("cache");
    }

    ImageFolder folder() {
        return ImageFolder.of(data).classMode(ClassMode.BINARY);
    }

    ShardedFeatureCache cache() {
        return ShardedFeatureCache.at(cacheDir).batchSize(2).shardSize(3);
    }

    ShardedFeatureCache.Update update(ImageFolder f, ConvBase b, Weights w) throws Exception {
        return cache().update(f, b, w, "block5_pool", ExtractionListener.none());
    }

    static void assertSameRows(FeatureSet actual, FeatureSet expected) {
        assertThat(actual.filenames()).isEqualTo(expected.filenames());
        assertThat(actual.classes()).isEqualTo(expected.classes());
        assertThat(actual.featureShape()).isEqualTo(expected.featureShape());
        assertThat(actual.features()).hasSameSizeAs(expected.features());
        for (int i = 0; i < expected.features().length; i++) {
            assertThat(actual.features()[i]).as("feature %d", i)
                    .isCloseTo(expected.features()[i], within(1e-6f * (1 + Math.abs(expected.features()[i]))));
        }
    }

    List<String> shardFiles(String suffix) throws Exception {
        try (Stream<Path> s = Files.list(cacheDir.resolve(ShardedFeatureCache.SHARDS))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void sharded_extraction_equals_the_single_file_cache_in_file_order() throws Exception {
        FeatureSet set = cache().extract(folder(), base, weights, "block5_pool", ExtractionListener.none());
        assertSameRows(set, reference);
        assertThat(set.extracted()).isEqualTo(10);
        assertThat(shardFiles(".json")).containsExactly("shard-00000.json", "shard-00001.json", "shard-00002.json",
                "shard-00003.json");
        ShardedManifest m = cache().manifest().orElseThrow();
        assertThat(m.shards()).extracting(ShardedManifest.Entry::rows).containsExactly(3, 3, 3, 1);
        assertThat(m.key().weights()).isEqualTo(weights.checksum());
        // plain .npy files: each shard loads on its own (as numpy.load would)
        int rows = 0;
        for (String f : shardFiles("-features.npy")) {
            Npy.Floats shard = Npy.readFloats(cacheDir.resolve("shards").resolve(f));
            assertThat(shard.shape()).containsExactly(shard.shape()[0], 1, 1, 512);
            rows += shard.shape()[0];
        }
        assertThat(rows).isEqualTo(10);
        assertThat(shardFiles("-labels.npy")).hasSize(4);
    }

    @Test
    void feature_cache_opens_a_sharded_set_as_its_own() throws Exception {
        update(folder(), base, weights);
        assertSameRows(FeatureCache.at(cacheDir).load(), reference);
        FeatureSet again = FeatureCache.at(cacheDir).extract(folder(), base, weights, "block5_pool",
                ExtractionListener.none());
        assertThat(again.cacheHit()).isTrue();
        assertSameRows(again, reference);
    }

    @Test
    void rerun_on_unchanged_images_extracts_nothing() throws Exception {
        update(folder(), base, weights);
        ShardedFeatureCache.Update u = update(folder(), base, weights);
        assertThat(u.extracted()).isZero();
        assertThat(u.reused()).isEqualTo(10);
        assertThat(u.shardsWritten()).isZero();
    }

    @Test
    void added_images_alone_are_extracted_in_a_new_shard() throws Exception {
        update(folder(), base, weights);
        Files.write(data.resolve("cats/cat.9.png"), TestImages.png(TestImages.random(32, 32, 3, 9)));
        ShardedFeatureCache.Update u = update(folder(), base, weights);
        assertThat(u.extracted()).isEqualTo(1);
        assertThat(u.reused()).isEqualTo(10);
        assertThat(shardFiles(".json")).hasSize(5).contains("shard-00004.json");
        FeatureSet set = cache().extract(folder(), base, weights, "block5_pool", ExtractionListener.none());
        assertThat(set.filenames()).hasSize(11).doesNotHaveDuplicates().contains("cats/cat.9.png");
        assertThat(set.filenames().get(5)).isEqualTo("cats/cat.9.png"); // file order, not shard order
    }

    @Test
    void a_changed_image_re_extracts_only_its_shard() throws Exception {
        update(folder(), base, weights);
        Path changed = data.resolve("dogs/dog.4.png"); // alone in the last shard
        Files.write(changed, TestImages.png(TestImages.random(32, 32, 3, 77)));
        Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 5000));
        ShardedFeatureCache.Update u = update(folder(), base, weights);
        assertThat(u.extracted()).isEqualTo(1);
        assertThat(u.reused()).isEqualTo(9);
        assertThat(shardFiles(".json")).containsExactly("shard-00000.json", "shard-00001.json", "shard-00002.json",
                "shard-00004.json");
    }

    @Test
    void other_weights_rebuild_every_shard() throws Exception {
        update(folder(), base, weights);
        ConvBase other = Vgg16.random(32, 32, 12);
        ShardedFeatureCache.Update u = update(folder(), other, other.loadWeights());
        assertThat(u.extracted()).isEqualTo(10);
        assertThat(u.reused()).isZero();
        assertThat(shardFiles(".json")).hasSize(4).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo("shard-00004"));
        assertThat(shardFiles(".npy")).hasSize(8);
    }

    @Test
    void bad_images_are_skipped_once_and_not_retried() throws Exception {
        Files.write(data.resolve("cats/cat.zz.png"), "not an image".getBytes());
        ImageFolder skipping = folder().onBadImage(BadImagePolicy.SKIP);
        ShardedFeatureCache.Update u = update(skipping, base, weights);
        assertThat(u.extracted()).isEqualTo(10);
        assertThat(u.skipped().skipped()).singleElement()
                .satisfies(s -> assertThat(s.filename()).isEqualTo("cats/cat.zz.png"));
        ShardedFeatureCache.Update again = update(skipping, base, weights);
        assertThat(again.extracted()).isZero();
        assertThat(again.skipped().skipped()).hasSize(1);
        assertSameRows(cache().load(), reference);
    }

    @Test
    void shards_committed_by_an_interrupted_run_are_reused() throws Exception {
        List<ShardManifest> committed = new ArrayList<>();
        RuntimeException stop = new RuntimeException("stop after two shards");
        try {
            cache().onShardCommitted(m -> {
                committed.add(m);
                if (committed.size() == 2) {
                    throw stop;
                }
            }).update(folder(), base, weights, "block5_pool", ExtractionListener.none());
        } catch (RuntimeException e) {
            assertThat(e).isSameAs(stop);
        }
        assertThat(cache().manifest()).isEmpty();
        ShardedFeatureCache.Update u = update(folder(), base, weights);
        assertThat(u.reused()).isEqualTo(6);
        assertThat(u.extracted()).isEqualTo(4);
        assertSameRows(cache().extract(folder(), base, weights, "block5_pool", ExtractionListener.none()), reference);
    }
}
