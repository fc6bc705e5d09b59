package org.transfer4j.internal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.Head;
import org.transfer4j.io.History;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.train.EarlyStopping;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.Losses;
import org.transfer4j.train.TrainingListener;

class TrainerTest {
    static final int[] SHAPE = {2, 2, 8};

    /** Two Gaussian blobs in 32 dimensions whose means differ in a few coordinates. */
    static ArrayBatchSource blobs(int n, long seed, boolean shuffle, int batch) {
        SplittableRandom r = new SplittableRandom(seed);
        int per = 2 * 2 * 8;
        float[] x = new float[n * per];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int j = 0; j < per; j++) {
                double mean = (j % 4 == 0) ? (y[i] == 1 ? 1.0 : -1.0) : 0;
                x[i * per + j] = (float) (mean + r.nextGaussian());
            }
        }
        return new ArrayBatchSource(x, SHAPE, y, 1, batch, shuffle, seed);
    }

    /** Three Gaussian blobs in 32 dimensions, one-hot targets for a softmax(3) head. */
    static ArrayBatchSource threeBlobs(int n, long seed, boolean shuffle, int batch) {
        SplittableRandom r = new SplittableRandom(seed);
        int per = 2 * 2 * 8;
        float[] x = new float[n * per];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < per; j++) {
                double mean = (j % 3 == y[i] && j < 12) ? 1.5 : 0;
                x[i * per + j] = (float) (mean + r.nextGaussian());
            }
        }
        return new ArrayBatchSource(x, SHAPE, y, 3, batch, shuffle, seed);
    }

    @Test
    void a_softmax_head_learns_three_classes_well_above_chance() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(16).dropout(0.5).softmax(3), 42);
        Trainer.Result r = Trainer.fit(net, threeBlobs(450, 1, true, 20), threeBlobs(150, 2, false, 20),
                plan(15, 42, List.of()));
        // chance is 1/3
        assertThat(r.history().last("val_acc")).isGreaterThan(0.8);
        assertThat(r.history().get("loss").get(14)).isLessThan(r.history().get("loss").get(0));

        // the engine's loss (from logits) is Keras's categorical cross-entropy of its probabilities, whether the
        // targets are one-hot rows or the integer classes
        Batch b = threeBlobs(40, 9, false, 40).pass(0).next();
        SuffixNet.StepResult e = net.evaluate(b.x(), b.y(), org.nd4j.linalg.factory.Nd4j.ones(40));
        float[] oneHot = b.y().data().asFloat();
        assertThat(e.loss()).isCloseTo(Losses.categoricalCrossentropy(e.probabilities(), oneHot, 3),
                org.assertj.core.api.Assertions.within(1e-5));
        assertThat(e.loss()).isCloseTo(Losses.sparseCategoricalCrossentropy(e.probabilities(), 3, b.classes()),
                org.assertj.core.api.Assertions.within(1e-5));
    }

    static Trainer.Plan plan(int epochs, long seed, List<TrainingListener> listeners) {
        return new Trainer.Plan(epochs, 0, 0, rmsprop(3e-3), seed, Map.of(), Map.of(), null, null, listeners);
    }

    static Trainer.Result train(long seed) {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(16).dropout(0.5).sigmoid(), seed);
        return Trainer.fit(net, blobs(400, 1, true, 20), blobs(200, 2, false, 20), plan(15, seed, List.of()));
    }

    @Test
    void a_dense_head_learns_separable_features_well_above_chance() {
        Trainer.Result r = train(42);
        History h = r.history();
        assertThat(h.metrics().keySet()).containsExactly("loss", "acc", "val_loss", "val_acc");
        assertThat(h.epochs()).isEqualTo(15);
        assertThat(h.last("val_acc")).isGreaterThan(0.85);
        assertThat(h.get("loss").get(14)).isLessThan(h.get("loss").get(0));
        assertThat(r.stopReason()).isNull();
    }

    @Test
    void same_seed_and_data_give_the_same_history() {
        assertThat(train(7).history()).isEqualTo(train(7).history());
        assertThat(train(7).history()).isNotEqualTo(train(8).history());
    }

    @Test
    void dropout_is_off_at_prediction_so_predictions_are_deterministic() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(64).dropout(0.5).sigmoid(), 3);
        Trainer.fit(net, blobs(100, 1, true, 20), null, plan(2, 3, List.of()));
        INDArray x = blobs(10, 5, false, 10).pass(0).next().x();
        INDArray a = net.predict(x);
        INDArray b = net.predict(x);
        assertThat(a.data().asFloat()).containsExactly(b.data().asFloat());
        // with dropout active, two training-mode forwards would differ: check the mask really is random
        SuffixNet twin = new SuffixNet(SHAPE, List.of(), null, dense(64).dropout(0.5).sigmoid(), 3);
        var y = blobs(10, 5, false, 10).pass(0).next().y();
        double l1 = twin.evaluate(x, y, org.nd4j.linalg.factory.Nd4j.ones(10)).loss();
        double l2 = twin.evaluate(x, y, org.nd4j.linalg.factory.Nd4j.ones(10)).loss();
        assertThat(l1).isEqualTo(l2);
    }

    @Test
    void early_stopping_stops_and_restores_the_best_epoch() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(16).sigmoid(), 1);
        List<Integer> bests = new ArrayList<>();
        List<String> stops = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onNewBest(int epoch, String monitor, double value) {
                bests.add(epoch);
            }

            @Override
            public void onStop(String reason) {
                stops.add(reason);
            }
        };
        // a huge learning rate makes validation loss stop improving quickly
        Trainer.Plan plan = new Trainer.Plan(60, 0, 0, rmsprop(0.5), 1, Map.of(), Map.of(), null,
                new EarlyStopping("val_loss", 2, 0, true), List.of(listener));
        Trainer.Result r = Trainer.fit(net, blobs(200, 1, true, 20), blobs(100, 2, false, 20), plan);
        assertThat(r.history().epochs()).isLessThan(60);
        assertThat(r.stopReason()).startsWith("early stopping: val_loss did not improve for 3 epochs");
        assertThat(stops).hasSize(1);
        assertThat(bests).last().isEqualTo(r.bestEpoch());
        double best = r.history().get("val_loss").get(r.bestEpoch() - 1);
        double[] now = Trainer.validate(net, blobs(100, 2, false, 20), 0);
        assertThat(now[0]).isCloseTo(best, org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void a_nan_loss_stops_training_with_a_clear_reason() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(16).sigmoid(), 1);
        float[] x = new float[20 * 32];
        x[5] = Float.NaN;
        ArrayBatchSource bad = new ArrayBatchSource(x, SHAPE, new int[20], 1, 20, false, 0);
        Trainer.Result r = Trainer.fit(net, bad, null, plan(3, 1, List.of()));
        assertThat(r.stopReason()).contains("loss became NaN at epoch 1, step 1").contains("lower learning rate");
        assertThat(r.history().epochs()).isZero();
    }

    @Test
    void steps_per_epoch_continue_across_passes_like_keras_generators() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(8).sigmoid(), 1);
        List<EpochReport> reports = new ArrayList<>();
        Trainer.Plan plan = new Trainer.Plan(3, 7, 2, rmsprop(1e-3), 1, Map.of(), Map.of(), null, null,
                List.of(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochReport report) {
                        reports.add(report);
                    }
                }));
        Trainer.fit(net, blobs(100, 1, true, 20), blobs(100, 2, false, 20), plan);
        assertThat(reports).hasSize(3);
        assertThat(reports.get(0).line()).startsWith("Epoch 1/3 - ").contains(" - val_acc: ");
    }

    @Test
    void class_weights_scale_the_loss() {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, dense(8).sigmoid(), 1);
        Batch b = blobs(20, 1, false, 20).pass(0).next();
        double plain = net.evaluate(b.x(), b.y(), Trainer.sampleWeights(b.classes(), Map.of())).loss();
        double doubled = net.evaluate(b.x(), b.y(), Trainer.sampleWeights(b.classes(), Map.of(0, 2.0, 1, 2.0))).loss();
        assertThat(doubled).isCloseTo(2 * plain, org.assertj.core.api.Assertions.within(1e-5));
    }

    @Test
    void labels_that_do_not_fit_the_head_are_rejected() {
        assertThatThrownBy(() -> new ArrayBatchSource(new float[32], SHAPE, new int[] {2}, 1, 1, false, 0))
                .hasMessageContaining("class index 2");
        assertThatThrownBy(() -> new SuffixNet(SHAPE, List.of(), null, dense(8), 1))
                .hasMessageContaining("no output layer");
        Head softmax = dense(8).softmax(3);
        assertThat(softmax.outputUnits()).isEqualTo(3);
    }
}
