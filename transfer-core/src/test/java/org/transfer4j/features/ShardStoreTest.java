package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.BadImageReport;

/** The sharded cache's protocol on a store that is not a local folder (as HDFS or an object store is). */
class ShardStoreTest {
    static final int[] SHAPE = {1, 1, 4};

    @TempDir
    Path tmp;

    /** A store elsewhere: files in a local folder, but no local folder to read rows from. */
    record Remote(ShardStore files) implements ShardStore {
        @Override
        public Optional<Path> localDirectory() {
            return Optional.empty();
        }

        @Override
        public String describe(String file) {
            return "remote:" + file;
        }

        @Override
        public List<String> list(String folder) throws IOException {
            return files.list(folder);
        }

        @Override
        public boolean exists(String file) throws IOException {
            return files.exists(file);
        }

        @Override
        public long length(String file) throws IOException {
            return files.length(file);
        }

        @Override
        public InputStream open(String file) throws IOException {
            return files.open(file);
        }

        @Override
        public void upload(Path from, String file) throws IOException {
            files.upload(from, file);
        }

        @Override
        public void commit(String file, byte[] content) throws IOException {
            files.commit(file, content);
        }

        @Override
        public void delete(String file) throws IOException {
            files.delete(file);
        }
    }

    static CacheManifest.Key key() {
        LinkedHashMap<String, Integer> classes = new LinkedHashMap<>();
        classes.put("a", 0);
        classes.put("b", 1);
        return new CacheManifest.Key("vgg16", "w", "block5_pool", "caffe", List.of(32, 32, 3), "rgb", "nearest",
                classes, "fp32");
    }

    static List<ShardedFeatureCache.Input> inputs(int n) {
        List<ShardedFeatureCache.Input> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(new ShardedFeatureCache.Input((i % 2 == 0 ? "a/" : "b/") + i + ".png", i % 2, 100 + i, 1000 + i,
                    "/nowhere/" + i + ".png"));
        }
        return in;
    }

    /** Writes the plan's pending shards (each row: its image's size, four times) and commits the set. */
    static ShardedFeatureCache.Update extract(ShardedFeatureCache cache, List<ShardedFeatureCache.Input> inputs)
            throws Exception {
        ShardedFeatureCache.Plan plan = cache.plan(key(), SHAPE, inputs, BadImagePolicy.SKIP);
        List<ShardManifest> written = new ArrayList<>();
        for (ShardedFeatureCache.PendingShard p : plan.pending()) {
            // the decoded image carries its file's size; the forward pass writes it into each of the row's 4 values
            written.add(ShardedFeatureCache.writeShard(cache.store(), key(), SHAPE, p,
                    in -> new HwcImage(1, 1, 1, new float[] {in.size()}), images -> {
                        float[] rows = new float[images.size() * 4];
                        for (int i = 0; i < rows.length; i++) {
                            rows[i] = images.get(i / 4).pixels()[0];
                        }
                        return rows;
                    }, BadImagePolicy.SKIP, 2, n -> { }));
        }
        return cache.commit(plan, written, BadImageReport.EMPTY);
    }

    @Test
    void a_cache_in_another_store_commits_resumes_and_is_read_where_it_is_local() throws Exception {
        Path dir = tmp.resolve("cache");
        ShardedFeatureCache cache = ShardedFeatureCache.at(new Remote(ShardStore.local(dir))).shardSize(3);
        ShardedFeatureCache.Update first = extract(cache, inputs(5));
        assertThat(first.extracted()).isEqualTo(5);
        assertThat(first.shardsWritten()).isEqualTo(2);
        assertThat(cache.manifest()).isPresent();

        ShardedFeatureCache.Update again = extract(cache, inputs(7));
        assertThat(again.extracted()).isEqualTo(2);
        assertThat(again.reused()).isEqualTo(5);

        // rows are read from a local folder only; the same files, read there, are the set
        assertThatThrownBy(cache::load).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("remote:").hasMessageContaining("local folder");
        assertThatThrownBy(cache::open).isInstanceOf(IllegalStateException.class);
        FeatureSet set = ShardedFeatureCache.at(dir).load();
        assertThat(set.samples()).isEqualTo(7);
        for (int i = 0; i < 7; i++) {
            String name = set.filenames().get(i);
            int image = Integer.parseInt(name.substring(2, name.indexOf('.')));
            assertThat(Arrays.copyOfRange(set.features(), i * 4, i * 4 + 4)).containsOnly(100f + image);
        }
    }

    @Test
    void a_truncated_features_file_or_a_half_written_manifest_is_not_trusted() throws Exception {
        Path dir = tmp.resolve("cache");
        ShardedFeatureCache cache = ShardedFeatureCache.at(new Remote(ShardStore.local(dir))).shardSize(3);
        assertThat(extract(cache, inputs(6)).shardsWritten()).isEqualTo(2);
        ShardManifest shard0 = FeatureCache.JSON.readValue(dir.resolve("shards/shard-00000.json").toFile(),
                ShardManifest.class);

        // shard 0's features cut in half, as a copy stopped half-way leaves them
        Path features = dir.resolve("shards").resolve(shard0.featuresFile());
        byte[] whole = Files.readAllBytes(features);
        Files.write(features, Arrays.copyOf(whole, whole.length / 2));
        ShardedFeatureCache.Plan plan = cache.plan(key(), SHAPE, inputs(6), BadImagePolicy.SKIP);
        assertThat(plan.kept()).extracting(ShardManifest::name).containsExactly("shard-00001");
        assertThat(plan.pending()).singleElement().satisfies(p -> assertThat(p.inputs())
                .extracting(ShardedFeatureCache.Input::filename).containsExactly("a/0.png", "b/1.png", "a/2.png"));

        // shard 1's manifest half-written: not a shard; the set's manifest half-written: no set
        Path manifest1 = dir.resolve("shards/shard-00001.json");
        byte[] json = Files.readAllBytes(manifest1);
        Files.write(manifest1, Arrays.copyOf(json, json.length / 2));
        Path set = dir.resolve(FeatureCache.MANIFEST);
        byte[] setJson = Files.readAllBytes(set);
        Files.write(set, Arrays.copyOf(setJson, setJson.length - 1));
        assertThat(cache.manifest()).isEmpty();
        assertThat(cache.plan(key(), SHAPE, inputs(6), BadImagePolicy.SKIP).kept()).isEmpty();

        ShardedFeatureCache.Update repaired = extract(cache, inputs(6));
        assertThat(repaired.extracted()).isEqualTo(6);
        assertThat(cache.manifest()).isPresent();
        assertThat(ShardedFeatureCache.at(dir).load().samples()).isEqualTo(6);
        try (var files = Files.list(dir.resolve("shards"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
                    .hasSize(repaired.manifest().shards().size());
        }
    }
}
