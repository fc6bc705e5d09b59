package org.transfer4j.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.io.History;
import org.transfer4j.model.Vgg16;
import org.transfer4j.testing.SyntheticShards;
import org.transfer4j.train.Evaluation;

/** Training batches streamed from shards: a reproducible permutation across and within shards, same rows as loaded. */
class ShardedBatchSourceTest {
    static final int[] SHAPE = {1, 1, 512}; // VGG16's block5_pool at 32 × 32
    static final int N = 230;

    @TempDir
    static Path tmp;
    static ShardedFeatures set;
    static FeatureSet loaded;

    @BeforeAll
    static void write() throws Exception {
        SyntheticShards.write(tmp.resolve("train"), N, 40, SHAPE, 0.5f, 1);
        set = ShardedFeatureCache.at(tmp.resolve("train")).open().shuffleBuffer(64);
        loaded = FeatureCache.at(tmp.resolve("train")).load();
    }

    static ShardedBatchSource source(long seed, boolean shuffle) {
        return new ShardedBatchSource(set, 1, 20, shuffle, seed);
    }

    @Test
    void a_shuffled_pass_is_a_permutation_reproducible_from_seed_and_pass() {
        int[] order = source(7, true).order(0);
        assertThat(order).hasSize(N).containsExactlyInAnyOrder(IntStream.range(0, N).toArray());
        assertThat(source(7, true).order(0)).isEqualTo(order);
        assertThat(source(7, true).order(1)).isNotEqualTo(order).containsExactlyInAnyOrder(order);
        assertThat(source(8, true).order(0)).isNotEqualTo(order);
        assertThat(source(7, false).order(0)).isEqualTo(IntStream.range(0, N).toArray());
    }

    @Test
    void shuffling_mixes_rows_of_several_shards_into_each_batch() {
        int[] order = source(3, true).order(0);
        Set<Integer> shards = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            shards.add(order[i] / 40);
        }
        assertThat(shards).hasSizeGreaterThan(1);
        assertThat(Arrays.copyOf(order, 40)).isNotEqualTo(IntStream.range(order[0] / 40 * 40, order[0] / 40 * 40 + 40)
                .toArray());
    }

    @Test
    void streamed_batches_hold_the_rows_and_labels_of_the_loaded_set_in_the_streamed_order() {
        ShardedBatchSource source = source(5, true);
        int[] order = source.order(2);
        int row = 0;
        for (Iterator<Batch> it = source.pass(2); it.hasNext(); ) {
            Batch b = it.next();
            float[] x = b.x().data().asFloat();
            float[] y = b.y().data().asFloat();
            for (int i = 0; i < b.size(); i++, row++) {
                int src = order[row];
                assertThat(Arrays.copyOfRange(x, i * 512, (i + 1) * 512))
                        .isEqualTo(Arrays.copyOfRange(loaded.features(), src * 512, (src + 1) * 512));
                assertThat(b.classes()[i]).isEqualTo(loaded.classes()[src]);
                assertThat(y[i]).isEqualTo((float) loaded.classes()[src]);
            }
        }
        assertThat(row).isEqualTo(N);
    }

    @Test
    void training_streamed_and_in_memory_reaches_the_same_accuracy() throws Exception {
        SyntheticShards.write(tmp.resolve("validation"), 100, 40, SHAPE, 0.5f, 2);
        ShardedFeatures validation = ShardedFeatureCache.at(tmp.resolve("validation")).open();
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 1)).head(dense(16).sigmoid())
                .optimizer(rmsprop(1e-3)).epochs(4).batchSize(20).seed(3);
        History streamed;
        try (TransferModel m = p.fit(set, validation)) {
            streamed = m.history();
            // streamed evaluation equals the in-memory one on the same rows (the set's order, no shuffle)
            Evaluation fromShards = m.evaluate(validation);
            Evaluation inMemory = m.evaluate(FeatureCache.at(tmp.resolve("validation")).load());
            assertThat(fromShards.confusion()).isDeepEqualTo(inMemory.confusion());
            assertThat(fromShards.loss()).isCloseTo(inMemory.loss(), org.assertj.core.api.Assertions.within(1e-6));
            assertThat(fromShards.accuracy()).isEqualTo(inMemory.accuracy()).isGreaterThan(0.9)
                    .isCloseTo(streamed.last("val_acc"), org.assertj.core.api.Assertions.within(1e-6));
        }
        History inMemory;
        try (TransferModel m = p.fit(loaded, FeatureCache.at(tmp.resolve("validation")).load())) {
            inMemory = m.history();
        }
        assertThat(streamed.epochs()).isEqualTo(4);
        assertThat(streamed.last("val_acc")).isGreaterThan(0.9);
        assertThat(inMemory.last("val_acc")).isGreaterThan(0.9);
        assertThat(streamed.last("val_loss")).isCloseTo(inMemory.last("val_loss"),
                org.assertj.core.api.Assertions.within(0.1));
        assertThat(streamed.get("loss").get(3)).isLessThan(streamed.get("loss").get(0));
    }
}
