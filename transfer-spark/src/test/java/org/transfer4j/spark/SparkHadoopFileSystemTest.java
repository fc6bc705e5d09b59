package org.transfer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardManifest;
import org.transfer4j.features.ShardStore;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.model.ConvBase;

/**
 * Spark extraction reading its images from and writing its sharded cache to Hadoop file systems: an in-process HDFS
 * ({@code MiniDFSCluster}) and a test-only object store ({@link ObjectStoreFileSystem}, {@code s3t://}: no atomic
 * rename, no directories).
 */
class SparkHadoopFileSystemTest {
    static final ExtractionSpec SPEC = ExtractionSpec.vgg16(32, 32).weights("random", 11).preprocessing("rescale")
            .batchSize(2).shardSize(2).onBadImage(BadImagePolicy.SKIP);

    @TempDir
    static Path tmp;
    static Path data;
    static FeatureSet reference;
    static MiniDFSCluster cluster;
    static FileSystem hdfs;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        data = tmp.resolve("data");
        for (int i = 0; i < 4; i++) {
            SparkExtractionTest.png(data.resolve("cats/cat." + i + ".png"), 32, 32, 500 + i);
            SparkExtractionTest.png(data.resolve("dogs/dog." + i + ".png"), 36, 30, 600 + i);
        }
        Files.writeString(data.resolve("dogs/dog.bad.png"), "not an image");
        ConvBase base = SPEC.base(null);
        reference = ShardedFeatureCache.at(tmp.resolve("single")).batchSize(2).extract(
                ImageFolder.of(data).onBadImage(BadImagePolicy.SKIP), base, base.loadWeights(), "block5_pool",
                ExtractionListener.none());

        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem();
        hdfs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(data.toUri()),
                new org.apache.hadoop.fs.Path("/images"));

        sc = SparkTestSession.sc();
        sc.hadoopConfiguration().set("fs.s3t.impl", ObjectStoreFileSystem.class.getName());
        sc.hadoopConfiguration().set("fs.s3t.root", tmp.resolve("s3").toString());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @AfterEach
    void reset() {
        ObjectStoreFileSystem.crashRenameOnto = key -> false;
    }

    /** The committed set at {@code cache}, copied to a local folder and loaded there. */
    static Path copyToLocal(String cache, String name) throws IOException {
        Path local = tmp.resolve("copies").resolve(name);
        Files.createDirectories(local.getParent());
        org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(cache);
        from.getFileSystem(sc.hadoopConfiguration()).copyToLocalFile(false, from,
                new org.apache.hadoop.fs.Path(local.toUri()), true);
        return local;
    }

    static void assertSameAsReference(FeatureSet set) {
        assertThat(set.filenames()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(reference.filenames());
        Map<String, Integer> row = new HashMap<>();
        for (int i = 0; i < set.samples(); i++) {
            row.put(set.filenames().get(i), i);
        }
        int per = 512;
        for (int i = 0; i < reference.samples(); i++) {
            int j = row.get(reference.filenames().get(i));
            assertThat(set.classes()[j]).isEqualTo(reference.classes()[i]);
            for (int k = 0; k < per; k++) {
                float expected = reference.features()[i * per + k];
                assertThat(set.features()[j * per + k]).as("%s value %d", reference.filenames().get(i), k)
                        .isCloseTo(expected, within(1e-6f * (1 + Math.abs(expected))));
            }
        }
    }

    static long committedShards(FileSystem fs, String cache) throws IOException {
        long n = 0;
        for (var s : fs.listStatus(new org.apache.hadoop.fs.Path(cache + "/shards"))) {
            if (s.getPath().getName().matches("shard-\\d+\\.json")) {
                n++;
            }
        }
        return n;
    }

    @Test
    void images_on_hdfs_extract_into_a_cache_on_hdfs_that_resumes_after_a_cancelled_job() throws Exception {
        String images = hdfs.getUri() + "/images";
        String cache = hdfs.getUri() + "/features/train";
        Throwable failure = SparkExtractionTest.cancelAfterTwoShards(sc,
                () -> SparkExtraction.of(SPEC).extract(sc, images, cache));
        assertThat(failure).as("the job was cancelled").isNotNull();
        assertThat(hdfs.exists(new org.apache.hadoop.fs.Path(cache + "/manifest.json"))).isFalse();
        assertThat(committedShards(hdfs, cache)).isBetween(2L, 4L);

        ShardedFeatureCache.Update resumed = SparkExtraction.of(SPEC).extract(sc, images, cache);
        assertThat(resumed.reused()).isGreaterThanOrEqualTo(4);
        assertThat(resumed.reused() + resumed.extracted()).isEqualTo(8);
        assertThat(resumed.skipped().skipped()).singleElement()
                .satisfies(s -> assertThat(s.filename()).isEqualTo("dogs/dog.bad.png"));
        assertThat(hdfs.exists(new org.apache.hadoop.fs.Path(cache + "/manifest.json"))).isTrue();

        ShardedFeatureCache.Update again = SparkExtraction.of(SPEC).extract(sc, images, cache);
        assertThat(again.extracted()).isZero();
        assertThat(again.reused()).isEqualTo(8);

        // the single-machine readers read local folders: what Spark wrote, copied, opens as any cache
        ShardStore store = HadoopShardStore.of(cache, sc.hadoopConfiguration());
        assertThat(ShardedFeatureCache.at(store).manifest()).isPresent();
        assertThatThrownBy(() -> ShardedFeatureCache.at(store).load()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(cache).hasMessageContaining("local folder");
        Path local = copyToLocal(cache, "hdfs");
        assertSameAsReference(FeatureCache.at(local).load());
        ShardedFeatures streamed = ShardedFeatureCache.at(local).open();
        assertThat(streamed.samples()).isEqualTo(8);
    }

    @Test
    void on_an_object_store_a_half_copied_shard_or_set_manifest_is_never_trusted() throws Exception {
        String cache = "s3t://bucket/features";
        ShardStore store = HadoopShardStore.of(cache, sc.hadoopConfiguration());
        int crashes = ObjectStoreFileSystem.CRASHES.get();

        // 1. the copy of shard 1's manifest onto its name stops half-way: the job fails
        ObjectStoreFileSystem.crashRenameOnto = key -> key.endsWith("/features/shards/shard-00001.json");
        assertThatThrownBy(() -> SparkExtraction.of(SPEC).extract(sc, data.toString(), cache))
                .hasMessageContaining("Injected crash");
        assertThat(ObjectStoreFileSystem.CRASHES.get()).isEqualTo(crashes + 1);
        assertThat(store.exists("shards/shard-00001.json")).as("a half-copied shard manifest").isTrue();
        assertThatThrownBy(() -> SparkExtraction.JSON.readTree(store.open("shards/shard-00001.json")))
                .isInstanceOf(JsonProcessingException.class);
        assertThat(store.exists("manifest.json")).isFalse();

        // 2. every shard is written (shard 1's images again, under a new id); the set's manifest copy stops half-way
        ObjectStoreFileSystem.crashRenameOnto = key -> key.endsWith("/features/manifest.json");
        assertThatThrownBy(() -> SparkExtraction.of(SPEC).extract(sc, data.toString(), cache))
                .hasMessageContaining("Injected crash");
        assertThat(store.exists("manifest.json")).as("a half-copied set manifest").isTrue();
        assertThat(ShardedFeatureCache.at(store).manifest()).as("not trusted").isEmpty();

        // 3. the rerun extracts nothing, commits the set and removes the half-copied files
        ShardedFeatureCache.Update u = SparkExtraction.of(SPEC).extract(sc, data.toString(), cache);
        assertThat(u.extracted()).isZero();
        assertThat(u.reused()).isEqualTo(8);
        assertThat(u.skipped().skipped()).hasSize(1);
        assertThat(ShardedFeatureCache.at(store).manifest()).isPresent();
        // the half-copied manifests are gone, or replaced by whole ones
        long shardManifests = 0;
        for (String name : store.list("shards")) {
            if (name.matches("shard-\\d+\\.json")) {
                shardManifests++;
                assertThat(SparkExtraction.JSON.readTree(store.open("shards/" + name))).as(name).isNotNull();
            }
        }
        assertThat(shardManifests).isEqualTo(u.manifest().shards().size());
        assertSameAsReference(FeatureCache.at(copyToLocal(cache, "s3t")).load());

        // 4. a shard whose features file is cut short (as a copy stopped half-way would leave it) is extracted again
        ShardManifest first = SparkExtraction.JSON.readValue(store.open("shards/" + u.manifest().shards().get(0)
                .name() + ".json"), ShardManifest.class);
        byte[] whole = store.open("shards/" + first.featuresFile()).readAllBytes();
        Path half = tmp.resolve("half.npy");
        Files.write(half, Arrays.copyOf(whole, whole.length / 2));
        store.upload(half, "shards/" + first.featuresFile());
        ShardedFeatureCache.Update repaired = SparkExtraction.of(SPEC).extract(sc, data.toString(), cache);
        assertThat(repaired.extracted()).isEqualTo(first.rows());
        assertThat(repaired.reused()).isEqualTo(8 - first.rows());
        assertSameAsReference(FeatureCache.at(copyToLocal(cache, "s3t-repaired")).load());
    }
}
