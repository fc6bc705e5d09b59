package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.io.History;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.TwoClassTree;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.TrainingListener;

/**
 * A training run binds its listeners and checkpoints to itself: runs of one pipeline, even at the same time, never
 * see each other's epochs, and a checkpoint saves the model of the run that reached the best epoch.
 */
class TrainingRunTest {
    @TempDir
    static Path tmp;
    static TransferPipeline pipeline;
    static FeatureSet train;
    static FeatureSet validation;
    static Path data;

    @BeforeAll
    static void extract() throws Exception {
        data = TwoClassTree.write(tmp.resolve("data"), 32, 20, 10, 0, 5);
        pipeline = TransferPipeline.from(Vgg16.random(32, 32, 1)).head(dense(16).sigmoid())
                .optimizer(rmsprop(1e-3)).batchSize(10).seed(3);
        Weights weights = pipeline.base().loadWeights();
        train = pipeline.extractFeatures(weights, ImageFolder.of(data.resolve("train")).classMode(ClassMode.BINARY),
                tmp.resolve("cache/train"), ExtractionListener.none());
        validation = pipeline.extractFeatures(weights,
                ImageFolder.of(data.resolve("validation")).classMode(ClassMode.BINARY), tmp.resolve("cache/validation"),
                ExtractionListener.none());
    }

    /** Records the epochs it is told about. */
    static final class Recorder implements TrainingListener {
        final List<Map<String, Double>> epochs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEpochEnd(EpochReport report) {
            epochs.add(report.metrics());
        }
    }

    @Test
    void two_concurrent_runs_with_separate_listeners_do_not_see_each_others_epochs() throws Exception {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        ModelCheckpoint firstCheckpoint = new ModelCheckpoint(tmp.resolve("first.zip"));
        ModelCheckpoint secondCheckpoint = new ModelCheckpoint(tmp.resolve("second.zip"));
        TransferPipeline a = pipeline.epochs(2).seed(1).listener(first).listener(firstCheckpoint);
        TransferPipeline b = pipeline.epochs(3).seed(2).listener(second).listener(secondCheckpoint);
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<TransferModel> runA = threads.submit(() -> {
                start.await();
                return a.fit(train, validation);
            });
            Future<TransferModel> runB = threads.submit(() -> {
                start.await();
                return b.fit(train, validation);
            });
            try (TransferModel modelA = runA.get(); TransferModel modelB = runB.get()) {
                assertThat(first.epochs).hasSize(2);
                assertThat(second.epochs).hasSize(3);
                assertThat(first.epochs).isEqualTo(epochs(modelA.history()));
                assertThat(second.epochs).isEqualTo(epochs(modelB.history()));
                try (TransferModel savedA = TransferModel.load(firstCheckpoint.file());
                        TransferModel savedB = TransferModel.load(secondCheckpoint.file())) {
                    assertThat(savedA.history().epochs()).isBetween(1, 2);
                    assertThat(savedB.history().epochs()).isBetween(1, 3);
                    assertThat(epochs(savedA.history())).isEqualTo(
                            first.epochs.subList(0, savedA.history().epochs()));
                    assertThat(epochs(savedB.history())).isEqualTo(
                            second.epochs.subList(0, savedB.history().epochs()));
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void one_pipeline_trains_twice_and_each_checkpoint_holds_only_its_own_run() throws Exception {
        Path file = tmp.resolve("again.zip");
        ModelCheckpoint checkpoint = new ModelCheckpoint(file);
        TransferPipeline p = pipeline.epochs(2).listener(checkpoint);
        try (TransferModel once = p.fit(train, validation)) {
            int savesAfterFirst = checkpoint.saves();
            assertThat(savesAfterFirst).isBetween(1, 2);
            try (TransferModel twice = p.epochs(1).fit(train, validation)) {
                assertThat(checkpoint.saves()).isEqualTo(savesAfterFirst + 1);
                try (TransferModel saved = TransferModel.load(file)) {
                    assertThat(saved.history()).isEqualTo(twice.history());
                }
            }
            assertThat(once.history().epochs()).isEqualTo(2);
        }
    }

    @Test
    void a_checkpoint_called_outside_a_run_says_how_to_use_it() {
        ModelCheckpoint checkpoint = new ModelCheckpoint(tmp.resolve("unbound.zip"));
        assertThatThrownBy(() -> checkpoint.onNewBest(1, "val_loss", 0.5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("listener(...)");
    }

    @Test
    void a_folder_with_its_own_batch_size_shuffle_or_seed_is_refused_by_the_pipeline_naming_the_setting()
            throws Exception {
        ImageFolder plain = ImageFolder.of(data.resolve("train")).classMode(ClassMode.BINARY);
        assertThat(plain.batchSettings()).isEmpty();
        ImageFolder batched = plain.batchSize(64);
        ImageFolder unshuffled = plain.shuffle(false).seed(7);
        assertThat(unshuffled.batchSettings()).containsExactly("shuffle(false)", "seed(7)");
        ImageFolder sameAsDefault = plain.batchSize(32);
        assertThat(sameAsDefault.batchSettings()).as("set explicitly, though equal to the default")
                .containsExactly("batchSize(32)");
        Path cache = tmp.resolve("refused");
        TransferPipeline p = pipeline.epochs(1);
        assertThatThrownBy(() -> p.fit(batched, null, cache)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("training folder " + data.resolve("train"))
                .hasMessageContaining("batchSize(64)").hasMessageContaining("pipeline");
        assertThatThrownBy(() -> p.fit(plain, unshuffled, cache)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validation folder").hasMessageContaining("shuffle(false), seed(7)");
        assertThatThrownBy(() -> p.extractFeatures(sameAsDefault, cache.resolve("x"), ExtractionListener.none()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize(32)");
        try (TransferModel model = p.fit(train, validation)) {
            assertThatThrownBy(() -> model.evaluate(batched)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("evaluation folder");
            assertThatThrownBy(() -> model.fineTune(model.pipeline().freezeUntil("block5_conv1"), batched, null,
                    cache)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize(64)");
            assertThat(model.evaluate(plain).samples()).isEqualTo(40L);
        }
        assertThat(cache).doesNotExist();
    }

    private static List<Map<String, Double>> epochs(History h) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (int e = 0; e < h.epochs(); e++) {
            Map<String, Double> epoch = new LinkedHashMap<>();
            for (var m : h.metrics().entrySet()) {
                epoch.put(m.getKey(), m.getValue().get(e));
            }
            out.add(epoch);
        }
        return out;
    }
}
