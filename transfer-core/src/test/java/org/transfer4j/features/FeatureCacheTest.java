package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TestImages;

class FeatureCacheTest {
    static ConvBase base;
    static Weights weights;

    @TempDir
    Path tmp;
    Path data;
    Path cacheDir;

    @BeforeAll
    static void loadBase() throws Exception {
        base = Vgg16.random(32, 32, 11);
        weights = base.loadWeights();
    }

    @BeforeEach
    void makeTree() {
        TestImages.Tree tree = TestImages.tree(tmp.resolve("data"));
        for (int i = 0; i < 5; i++) {
            tree.file("cats/cat." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, i)));
            tree.file("dogs/dog." + i + ".png", TestImages.png(TestImages.random(40, 30, 3, 100 + i)));
        }
        data = tree.write();
        cacheDir = tmp.resolve("cache");
    }

    ImageFolder folder() {
        return ImageFolder.of(data).classMode(ClassMode.BINARY);
    }

    FeatureSet extract(ConvBase b, Weights w) throws Exception {
        return FeatureCache.at(cacheDir).batchSize(3).extract(folder(), b, w, "block5_pool", ExtractionListener.none());
    }

    @Test
    void first_run_extracts_every_image_and_rows_equal_the_base_output() throws Exception {
        FeatureSet set = extract(base, weights);
        assertThat(set.samples()).isEqualTo(10);
        assertThat(set.extracted()).isEqualTo(10);
        assertThat(set.featureShape()).containsExactly(1, 1, 512);
        assertThat(set.classIndices()).containsExactly(java.util.Map.entry("cats", 0), java.util.Map.entry("dogs", 1));
        assertThat(set.filenames().get(5)).isEqualTo("dogs/dog.0.png");
        assertThat(set.classes()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
        try (FeatureExtractor direct = base.extractor(weights, "block5_pool")) {
            var img = ImageDecoder.create().targetSize(32, 32).decode(data.resolve("dogs/dog.0.png"));
            float[] expected = direct.extract(List.of(img));
            float[] row = Arrays.copyOfRange(set.features(), 5 * 512, 6 * 512);
            for (int i = 0; i < 512; i++) {
                assertThat(row[i]).isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-4f * (1 + Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void a_second_run_does_not_run_the_base() throws Exception {
        FeatureSet first = extract(base, weights);
        CacheManifest m = FeatureCache.at(cacheDir).manifest().orElseThrow();
        FeatureSet second = extract(base, weights);
        assertThat(second.cacheHit()).isTrue();
        assertThat(second.extracted()).isZero();
        assertThat(second.reused()).isEqualTo(10);
        assertThat(second.features()).isEqualTo(first.features());
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow().featuresFile()).isEqualTo(m.featuresFile());
    }

    @Test
    void adding_one_image_extracts_only_that_image() throws Exception {
        FeatureSet first = extract(base, weights);
        Files.write(data.resolve("cats/cat.9.png"), TestImages.png(TestImages.random(32, 32, 3, 77)));
        FeatureSet second = extract(base, weights);
        assertThat(second.extracted()).isEqualTo(1);
        assertThat(second.reused()).isEqualTo(10);
        assertThat(second.samples()).isEqualTo(11);
        assertThat(second.filenames().get(5)).isEqualTo("cats/cat.9.png");
        // rows of unchanged images are carried over in Keras order
        assertThat(Arrays.copyOfRange(second.features(), 6 * 512, 11 * 512))
                .isEqualTo(Arrays.copyOfRange(first.features(), 5 * 512, 10 * 512));
        try (var files = Files.list(cacheDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))).hasSize(2);
        }
    }

    @Test
    void removing_or_changing_an_image_is_seen() throws Exception {
        extract(base, weights);
        Files.delete(data.resolve("cats/cat.1.png"));
        FeatureSet removed = extract(base, weights);
        assertThat(removed.samples()).isEqualTo(9);
        assertThat(removed.extracted()).isZero();
        Files.write(data.resolve("dogs/dog.3.png"), TestImages.png(TestImages.random(32, 32, 3, 999)));
        Files.setLastModifiedTime(data.resolve("dogs/dog.3.png"), java.nio.file.attribute.FileTime.fromMillis(1234567));
        assertThat(extract(base, weights).extracted()).isEqualTo(1);
    }

    @Test
    void changing_preprocessing_or_weights_invalidates_everything() throws Exception {
        extract(base, weights);
        ConvBase rescaled = base.withPreprocessing(Preprocessing.RESCALE);
        assertThat(extract(rescaled, weights).extracted()).isEqualTo(10);
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow().key().preprocessing()).isEqualTo("rescale");
        Weights other = Vgg16.random(32, 32, 12).loadWeights();
        assertThat(extract(rescaled, other).extracted()).isEqualTo(10);
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow().key().weights()).isEqualTo(other.checksum());
    }

    @Test
    void changing_precision_invalidates_everything_and_bf16_features_stay_within_2e_2_of_fp32() throws Exception {
        org.assertj.core.api.Assumptions.assumeThat(org.transfer4j.internal.engine.Dnnl.bf16Unsupported())
                .as("bf16 support").isNull();
        FeatureSet fp32 = extract(base, weights);
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow().key().precision()).isEqualTo("fp32");
        FeatureSet bf16 = FeatureCache.at(cacheDir).batchSize(3).precision(org.transfer4j.Precision.BF16)
                .extract(folder(), base, weights, "block5_pool", ExtractionListener.none());
        assertThat(bf16.extracted()).isEqualTo(10);
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow().key().precision()).isEqualTo("bf16");
        float[] a = fp32.features();
        float[] b = bf16.features();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        assertThat(diff / scale).as("bf16 vs fp32, relative to the largest feature").isLessThan(2e-2).isPositive();
        assertThat(extract(base, weights).extracted()).as("back to fp32").isEqualTo(10);
    }

    @Test
    void a_truncated_cache_file_is_detected_and_rebuilt() throws Exception {
        FeatureSet first = extract(base, weights);
        CacheManifest m = FeatureCache.at(cacheDir).manifest().orElseThrow();
        Path features = cacheDir.resolve(m.featuresFile());
        byte[] bytes = Files.readAllBytes(features);
        Files.write(features, Arrays.copyOf(bytes, bytes.length - 100));
        FeatureSet again = extract(base, weights);
        assertThat(again.extracted()).isEqualTo(10);
        assertThat(again.features()).isEqualTo(first.features());
    }

    @Test
    void the_files_are_npy_that_numpy_loads() throws Exception {
        extract(base, weights);
        CacheManifest m = FeatureCache.at(cacheDir).manifest().orElseThrow();
        NpyHeader features = Npy.readHeader(cacheDir.resolve(m.featuresFile()));
        assertThat(features.shape()).containsExactly(10, 1, 1, 512);
        assertThat(features.dtype()).isEqualTo(NpyDtype.FLOAT32);
        byte[] head = Arrays.copyOf(Files.readAllBytes(cacheDir.resolve(m.labelsFile())), 8);
        assertThat(head).startsWith((byte) 0x93, (byte) 'N', (byte) 'U', (byte) 'M', (byte) 'P', (byte) 'Y', (byte) 1, (byte) 0);
        assertThat(Npy.readFloats(cacheDir.resolve(m.labelsFile())).data()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
        assertThat(m.images().get(0).path()).isEqualTo("cats/cat.0.png");
        assertThat(m.key().cutLayer()).isEqualTo("block5_pool");
        assertThat(m.key().input()).containsExactly(32, 32, 3);
        assertThat(Files.readString(cacheDir.resolve(FeatureCache.MANIFEST))).contains("\"weights\" : \"random:he-normal:seed=11\"");
    }

    @Test
    void a_bad_image_fails_naming_it_and_leaves_the_old_cache_intact() throws Exception {
        extract(base, weights);
        CacheManifest before = FeatureCache.at(cacheDir).manifest().orElseThrow();
        Path bad = data.resolve("dogs/dog.broken.png");
        Files.write(bad, TestImages.truncate(TestImages.png(TestImages.random(32, 32, 3, 5)), 60));
        assertThatThrownBy(() -> extract(base, weights))
                .isInstanceOf(BadImageException.class).hasMessageContaining("dog.broken.png");
        assertThat(FeatureCache.at(cacheDir).manifest().orElseThrow()).isEqualTo(before);
        assertThat(FeatureCache.at(cacheDir).load().samples()).isEqualTo(10);
        try (var files = Files.list(cacheDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))).hasSize(2);
        }
    }

    @Test
    void skip_policy_reports_bad_images_and_keeps_the_good_ones() throws Exception {
        Path bad = data.resolve("cats/cat.zz.png");
        Files.write(bad, "not an image".getBytes());
        ImageFolder skipping = folder().onBadImage(BadImagePolicy.SKIP);
        FeatureSet set = FeatureCache.at(cacheDir).extract(skipping, base, weights, "block5_pool",
                ExtractionListener.none());
        assertThat(set.samples()).isEqualTo(10);
        assertThat(set.skipped().skipped()).singleElement().satisfies(s -> assertThat(s.filename()).isEqualTo("cats/cat.zz.png"));
        FeatureSet again = FeatureCache.at(cacheDir).extract(skipping, base, weights, "block5_pool",
                ExtractionListener.none());
        assertThat(again.cacheHit()).isTrue();
        assertThat(again.skipped().skipped()).hasSize(1);
    }

    @Test
    void two_concurrent_extractions_of_one_cache_do_not_corrupt_it() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> extract(base, weights));
            var b = pool.submit(() -> extract(base, weights));
            FeatureSet first = a.get();
            FeatureSet second = b.get();
            assertThat(first.extracted() + second.extracted()).isEqualTo(10);
            assertThat(first.features()).isEqualTo(second.features());
        } finally {
            pool.shutdownNow();
        }
        assertThat(FeatureCache.at(cacheDir).load().samples()).isEqualTo(10);
        try (var files = Files.list(cacheDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))).hasSize(2);
        }
    }

    @Test
    void an_unreadable_manifest_is_ignored() throws Exception {
        Files.createDirectories(cacheDir);
        Files.writeString(cacheDir.resolve(FeatureCache.MANIFEST), "{ not json");
        assertThat(extract(base, weights).extracted()).isEqualTo(10);
    }

    @Test
    void load_without_a_cache_says_so() {
        assertThatThrownBy(() -> FeatureCache.at(cacheDir).load()).isInstanceOf(IOException.class)
                .hasMessageContaining("manifest.json");
    }
}
