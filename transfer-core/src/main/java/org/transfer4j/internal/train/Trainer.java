package org.transfer4j.internal.train;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.Optimizer;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.io.History;
import org.transfer4j.train.EarlyStopping;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.LearningRateSchedule;
import org.transfer4j.train.TrainingListener;

/**
 * The training loop: Keras's {@code fit} / {@code fit_generator} for the trainable suffix. Each epoch trains on
 * {@code stepsPerEpoch} batches (or one full pass), then evaluates on the validation source without dropout;
 * metrics are Keras's ({@code loss}, {@code acc}, {@code val_loss}, {@code val_acc}; the training ones are the
 * batch-size-weighted means over the epoch, as Keras reports them). Everything random (shuffles, dropout masks)
 * derives from the plan's seed: same seed and data, same History.
 *
 * <p>Stops early on {@link EarlyStopping}, and on a NaN or infinite loss (with a message saying so).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private Trainer() {
    }

    /**
     * What to train with.
     *
     * @param epochs          ≥ 1
     * @param stepsPerEpoch   batches per epoch; 0 = one full pass of the training source
     * @param validationSteps validation batches per epoch; 0 = the whole validation source
     * @param optimizer       update rule and base learning rate
     * @param seed            seeds dropout masks (shuffles are seeded by the sources)
     * @param classWeights    loss weight per class index (missing: 1), Keras's {@code class_weight}
     * @param lrMultipliers   learning-rate multiplier per layer name (discriminative rates; missing: 1)
     * @param schedule        learning rate per epoch
     * @param earlyStopping   or null
     * @param listeners       callbacks
     */
    public record Plan(int epochs, int stepsPerEpoch, int validationSteps, Optimizer optimizer, long seed,
            Map<Integer, Double> classWeights, Map<String, Double> lrMultipliers, LearningRateSchedule schedule,
            EarlyStopping earlyStopping, List<TrainingListener> listeners) {
        public Plan {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1; got " + epochs);
            }
            if (stepsPerEpoch < 0 || validationSteps < 0) {
                throw new IllegalArgumentException("steps must be >= 0 (0 = a full pass); got stepsPerEpoch="
                        + stepsPerEpoch + ", validationSteps=" + validationSteps);
            }
            Objects.requireNonNull(optimizer, "optimizer");
            classWeights = Map.copyOf(classWeights);
            lrMultipliers = Map.copyOf(lrMultipliers);
            schedule = schedule == null ? LearningRateSchedule.constant() : schedule;
            listeners = List.copyOf(listeners);
        }
    }

    /**
     * The outcome of a run.
     *
     * @param history     per-epoch metrics
     * @param stopReason  why training stopped early, or null if it ran all epochs
     * @param bestEpoch   1-based epoch with the best monitored value (early stopping), or the last epoch
     */
    public record Result(History history, String stopReason, int bestEpoch) {
    }

    /** Trains {@code net} on {@code train}, validating on {@code validation} (may be null). */
    public static Result fit(SuffixNet net, BatchSource train, BatchSource validation, Plan plan) {
        int steps = plan.stepsPerEpoch() == 0 ? train.batchesPerPass() : plan.stepsPerEpoch();
        CyclicBatches batches = new CyclicBatches(train);
        History history = History.empty();
        EarlyStopping early = plan.earlyStopping();
        String monitor = early != null ? early.monitor() : (validation != null ? History.VAL_LOSS : History.LOSS);
        boolean maximise = EarlyStopping.maximise(monitor);
        double best = maximise ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int sinceBest = 0;
        Map<String, INDArray> bestValues = null;
        String stopReason = null;
        long start = System.nanoTime();
        for (int epoch = 0; epoch < plan.epochs(); epoch++) {
            long epochStart = System.nanoTime();
            double lr = plan.schedule().learningRate(epoch, plan.optimizer().learningRate());
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("The learning-rate schedule gave " + lr + " for epoch " + (epoch + 1));
            }
            Optimizer optimizer = plan.optimizer().withLearningRate(lr);
            SplittableRandom dropout = new SplittableRandom(plan.seed() * 0xD1B54A32D192ED03L + epoch);
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                Batch b = batches.next();
                float[] weights = sampleWeights(b.classes(), plan.classWeights());
                SuffixNet.StepResult r = net.trainStep(b.x(), b.y(), weights, dropout, optimizer, plan.lrMultipliers());
                if (!Double.isFinite(r.loss())) {
                    stopReason = String.format(Locale.ROOT, "loss became %s at epoch %d, step %d; training stopped "
                            + "(try a lower learning rate)", r.loss(), epoch + 1, s + 1);
                    break;
                }
                lossSum += r.loss() * b.size();
                correct += countCorrect(r.probabilities(), r.units(), b.classes());
                seen += b.size();
            }
            if (stopReason != null) {
                break;
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(History.LOSS, lossSum / seen);
            metrics.put(History.ACC, (double) correct / seen);
            if (validation != null) {
                double[] v = validate(net, validation, plan.validationSteps());
                metrics.put(History.VAL_LOSS, v[0]);
                metrics.put(History.VAL_ACC, v[1]);
            }
            history = history.plus(metrics);
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            double elapsed = (System.nanoTime() - start) / 1e9;
            EpochReport report = new EpochReport(epoch + 1, plan.epochs(), metrics, seconds, seen / seconds,
                    elapsed / (epoch + 1) * (plan.epochs() - epoch - 1), lr);
            LOG.debug(report.line());
            for (TrainingListener l : plan.listeners()) {
                l.onEpochEnd(report);
            }
            Double value = metrics.get(monitor);
            if (value == null) {
                throw new IllegalArgumentException("Cannot monitor '" + monitor + "'; metrics are " + metrics.keySet());
            }
            boolean improved = maximise ? value > best + (early == null ? 0 : early.minDelta())
                    : value < best - (early == null ? 0 : early.minDelta());
            if (improved || bestEpoch == 0) {
                best = value;
                bestEpoch = epoch + 1;
                sinceBest = 0;
                if (early != null && early.restoreBest()) {
                    bestValues = net.variableValues();
                }
                for (TrainingListener l : plan.listeners()) {
                    l.onNewBest(epoch + 1, monitor, value);
                }
            } else {
                sinceBest++;
                if (early != null && sinceBest > early.patience()) {
                    stopReason = String.format(Locale.ROOT, "early stopping: %s did not improve for %d epochs "
                            + "(best %.4f at epoch %d)", monitor, sinceBest, best, bestEpoch);
                    break;
                }
            }
        }
        if (stopReason != null) {
            LOG.info(stopReason);
            for (TrainingListener l : plan.listeners()) {
                l.onStop(stopReason);
            }
        }
        if (bestValues != null) {
            net.setVariableValues(bestValues);
        }
        return new Result(history, stopReason, bestEpoch == 0 ? history.epochs() : bestEpoch);
    }

    /** Mean loss and accuracy over {@code steps} batches of {@code source} (0 = all), dropout off. */
    public static double[] validate(SuffixNet net, BatchSource source, int steps) {
        Iterator<Batch> it = source.pass(0);
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        int done = 0;
        while (it.hasNext() && (steps == 0 || done < steps)) {
            Batch b = it.next();
            float[] ones = new float[b.size()];
            Arrays.fill(ones, 1f);
            SuffixNet.StepResult r = net.evaluate(b.x(), b.y(), ones);
            lossSum += r.loss() * b.size();
            correct += countCorrect(r.probabilities(), r.units(), b.classes());
            seen += b.size();
            done++;
        }
        return new double[] {lossSum / seen, (double) correct / seen};
    }

    static float[] sampleWeights(int[] classes, Map<Integer, Double> classWeights) {
        float[] w = new float[classes.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = classWeights.getOrDefault(classes[i], 1.0).floatValue();
        }
        return w;
    }

    /** Examples whose most probable class ({@code p > 0.5} for one sigmoid unit) is their class. */
    static long countCorrect(float[] p, int units, int[] classes) {
        long correct = 0;
        for (int i = 0; i < classes.length; i++) {
            int predicted;
            if (units == 1) {
                predicted = p[i] > 0.5f ? 1 : 0;
            } else {
                predicted = 0;
                for (int j = 1; j < units; j++) {
                    if (p[i * units + j] > p[i * units + predicted]) {
                        predicted = j;
                    }
                }
            }
            if (predicted == classes[i]) {
                correct++;
            }
        }
        return correct;
    }

    /** Batches across passes: a step-based epoch continues where the last one stopped, as Keras's generators do. */
    private static final class CyclicBatches {
        private final BatchSource source;
        private int pass;
        private Iterator<Batch> current;

        CyclicBatches(BatchSource source) {
            this.source = source;
            this.current = source.pass(0);
        }

        Batch next() {
            if (!current.hasNext()) {
                pass++;
                current = source.pass(pass);
                if (!current.hasNext()) {
                    throw new IllegalStateException("The training source has no samples");
                }
            }
            return current.next();
        }
    }
}
