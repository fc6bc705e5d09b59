package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.testing.TwoClassTree;

/**
 * An extractor owns its engine: set up on the first batch, released by close, never shared with another extractor;
 * a feature cache runs an open extractor for as many folders as the caller likes and leaves it open.
 */
class FeatureExtractorOwnershipTest {
    static final ConvBase BASE = Vgg16.random(32, 32, 3);

    @TempDir
    Path tmp;

    @Test
    void the_engine_is_set_up_on_the_first_batch_and_released_by_close() throws Exception {
        Weights weights = BASE.loadWeights();
        float[] input = input(2);
        FeatureExtractor first = BASE.extractor(weights, "block2_pool");
        assertThat(first.engineReady()).isFalse();
        float[] features = first.extractPreprocessed(input, 2);
        assertThat(first.engineReady()).isTrue();
        try (FeatureExtractor second = BASE.extractor(weights, "block2_pool")) {
            assertThat(second.engineReady()).as("nothing is shared between extractors").isFalse();
            first.close();
            assertThat(first.engineReady()).isFalse();
            assertThat(second.extractPreprocessed(input, 2)).as("closing one does not touch the other")
                    .isEqualTo(features);
        }
        assertThatThrownBy(() -> first.extractPreprocessed(input, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void one_open_extractor_serves_several_folders_and_a_cache_hit_sets_up_no_engine() throws Exception {
        Path data = TwoClassTree.write(tmp.resolve("data"), 32, 6, 4, 0, 2);
        Weights weights = BASE.loadWeights();
        FeatureSet train;
        try (FeatureExtractor extractor = BASE.extractor(weights, "block5_pool")) {
            train = FeatureCache.at(tmp.resolve("c/train")).batchSize(5)
                    .extract(ImageFolder.of(data.resolve("train")), extractor, ExtractionListener.none());
            FeatureCache.at(tmp.resolve("c/validation")).batchSize(5)
                    .extract(ImageFolder.of(data.resolve("validation")), extractor, ExtractionListener.none());
            assertThat(extractor.imagesProcessed()).isEqualTo(12 + 8);
            assertThat(extractor.engineReady()).as("left open for the caller").isTrue();
        }
        try (FeatureExtractor fresh = BASE.extractor(weights, "block5_pool")) {
            FeatureSet again = FeatureCache.at(tmp.resolve("c/train"))
                    .extract(ImageFolder.of(data.resolve("train")), fresh, ExtractionListener.none());
            assertThat(again.cacheHit()).isTrue();
            assertThat(again.features()).isEqualTo(train.features());
            assertThat(fresh.engineReady()).as("a cache hit costs no engine").isFalse();
        }
        // the same key as extracting with base, weights and cut: the other overload finds it cached
        FeatureSet byKey = FeatureCache.at(tmp.resolve("c/train")).extract(ImageFolder.of(data.resolve("train")),
                BASE, weights, "block5_pool", ExtractionListener.none());
        assertThat(byKey.cacheHit()).isTrue();
    }

    static float[] input(int n) {
        SplittableRandom r = new SplittableRandom(11);
        float[] v = new float[n * 32 * 32 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 255 - 128);
        }
        return v;
    }
}
