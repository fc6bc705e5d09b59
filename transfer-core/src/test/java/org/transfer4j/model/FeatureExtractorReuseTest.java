package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A closed extractor's engine is taken over by the next extractor of the same base, weights and cut, which then gives
 * the same features; another key, weights that only share the checksum, or {@link FeatureExtractor#releaseIdle()}
 * mean a fresh engine.
 */
class FeatureExtractorReuseTest {
    static final ConvBase BASE = Vgg16.random(32, 32, 3);

    @AfterEach
    void release() {
        FeatureExtractor.releaseIdle();
    }

    @Test
    void the_next_extractor_with_the_same_key_reuses_the_closed_ones_engine_and_gives_the_same_features()
            throws Exception {
        Weights weights = BASE.loadWeights();
        float[] input = input(2);
        FeatureExtractor first = BASE.extractor(weights, "block2_pool");
        float[] before = first.extractPreprocessed(input, 2);
        first.close();

        try (FeatureExtractor second = BASE.extractor(BASE.loadWeights(), "block2_pool")) {
            assertThat(second.reusedEngine()).as("same base, weights checksum and cut").isTrue();
            assertThat(second.extractPreprocessed(input, 2)).isEqualTo(before);
            try (FeatureExtractor third = BASE.extractor(weights, "block2_pool")) {
                assertThat(third.reusedEngine()).as("the engine is in use by the second").isFalse();
                assertThat(third.extractPreprocessed(input, 2)).isEqualTo(before);
            }
        }
        assertThatThrownBy(() -> first.extractPreprocessed(input, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void another_cut_other_weights_or_a_release_set_up_a_fresh_engine() throws Exception {
        Weights weights = BASE.loadWeights();
        BASE.extractor(weights, "block2_pool").close();
        try (FeatureExtractor otherCut = BASE.extractor(weights, "block1_pool")) {
            assertThat(otherCut.reusedEngine()).isFalse();
        }
        ConvBase otherSeed = Vgg16.random(32, 32, 4);
        try (FeatureExtractor otherWeights = otherSeed.extractor(otherSeed.loadWeights(), "block1_pool")) {
            assertThat(otherWeights.reusedEngine()).as("weights of another seed").isFalse();
        }
        FeatureExtractor.releaseIdle();
        try (FeatureExtractor afterRelease = BASE.extractor(weights, "block1_pool")) {
            assertThat(afterRelease.reusedEngine()).isFalse();
        }
    }

    @Test
    void weights_that_only_share_a_checksum_do_not_take_over_the_engine() throws Exception {
        Weights weights = BASE.loadWeights();
        BASE.extractor(weights, "block1_pool").close();
        java.util.List<Layer> layers = BASE.layers();
        java.util.Map<String, LayerWeights> changed = new java.util.LinkedHashMap<>();
        for (Layer l : layers) {
            if (l.type() == LayerType.CONV2D) {
                LayerWeights w = weights.layer(l.name());
                float[] k = w.kernel().clone();
                k[0] += 1f;
                changed.put(l.name(), new LayerWeights(k, w.kernelShape(), w.bias()));
            }
        }
        Weights impostor = Weights.of(layers, changed, weights.checksum(), "same checksum, other values");
        try (FeatureExtractor e = BASE.extractor(impostor, "block1_pool")) {
            assertThat(e.reusedEngine()).isFalse();
        }
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
