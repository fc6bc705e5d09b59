package org.transfer4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.transfer4j.train.EarlyStopping;
import org.transfer4j.train.LearningRateSchedule;
import org.transfer4j.train.TrainingListener;

/**
 * How a pipeline trains: the book's defaults are RMSprop(2e-5), 30 epochs, batch 20. Immutable; {@code with...}
 * methods return new values.
 *
 * @param optimizer       update rule and base learning rate
 * @param epochs          ≥ 1
 * @param batchSize       ≥ 1
 * @param seed            seeds shuffles, dropout, head initialisation and augmentation
 * @param stepsPerEpoch   batches per epoch (Keras's {@code steps_per_epoch}); 0 = one pass over the data
 * @param validationSteps validation batches per epoch; 0 = all
 * @param earlyStopping   or null
 * @param classWeights    loss weight per class (Keras's {@code class_weight}): none, fixed, or balanced
 * @param lrMultipliers   learning-rate multiplier per layer name, e.g. {@code block5_conv1 -> 0.1}
 * @param schedule        learning rate per epoch, or null for constant
 * @param listeners       callbacks
 */
public record TrainingOptions(Optimizer optimizer, int epochs, int batchSize, long seed, int stepsPerEpoch,
        int validationSteps, EarlyStopping earlyStopping, ClassWeights classWeights,
        Map<String, Double> lrMultipliers, LearningRateSchedule schedule, List<TrainingListener> listeners) {

    public TrainingOptions {
        Objects.requireNonNull(optimizer, "optimizer");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1; got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + batchSize);
        }
        if (stepsPerEpoch < 0 || validationSteps < 0) {
            throw new IllegalArgumentException("steps must be >= 0 (0 = one full pass); got stepsPerEpoch="
                    + stepsPerEpoch + ", validationSteps=" + validationSteps);
        }
        Objects.requireNonNull(classWeights, "classWeights");
        lrMultipliers = Map.copyOf(lrMultipliers);
        for (Map.Entry<String, Double> e : lrMultipliers.entrySet()) {
            if (!(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                throw new IllegalArgumentException("learning-rate multiplier of " + e.getKey()
                        + " must be finite and >= 0; got " + e.getValue());
            }
        }
        listeners = List.copyOf(listeners);
    }

    /** The book's approach-1 settings: RMSprop(lr=2e-5), 30 epochs, batch 20, seed 0. */
    public static TrainingOptions book() {
        return new TrainingOptions(Optimizers.rmsprop(2e-5), 30, 20, 0, 0, 0, null, ClassWeights.none(), Map.of(), null,
                List.of());
    }

    public TrainingOptions withOptimizer(Optimizer o) {
        return new TrainingOptions(o, epochs, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withEpochs(int n) {
        return new TrainingOptions(optimizer, n, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withBatchSize(int n) {
        return new TrainingOptions(optimizer, epochs, n, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withSeed(long s) {
        return new TrainingOptions(optimizer, epochs, batchSize, s, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withSteps(int perEpoch, int validation) {
        return new TrainingOptions(optimizer, epochs, batchSize, seed, perEpoch, validation, earlyStopping,
                classWeights, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withEarlyStopping(EarlyStopping e) {
        return new TrainingOptions(optimizer, epochs, batchSize, seed, stepsPerEpoch, validationSteps, e,
                classWeights, lrMultipliers, schedule, listeners);
    }

    /** @throws IllegalArgumentException for a negative, NaN or infinite weight */
    public TrainingOptions withClassWeights(Map<Integer, Double> w) {
        return withClassWeights(ClassWeights.of(w));
    }

    public TrainingOptions withClassWeights(ClassWeights w) {
        return new TrainingOptions(optimizer, epochs, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                w, lrMultipliers, schedule, listeners);
    }

    public TrainingOptions withLearningRateMultiplier(String layer, double factor) {
        Map<String, Double> m = new LinkedHashMap<>(lrMultipliers);
        m.put(layer, factor);
        return new TrainingOptions(optimizer, epochs, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, m, schedule, listeners);
    }

    public TrainingOptions withSchedule(LearningRateSchedule s) {
        return new TrainingOptions(optimizer, epochs, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, s, listeners);
    }

    public TrainingOptions withListener(TrainingListener l) {
        List<TrainingListener> ls = new ArrayList<>(listeners);
        ls.add(Objects.requireNonNull(l));
        return new TrainingOptions(optimizer, epochs, batchSize, seed, stepsPerEpoch, validationSteps, earlyStopping,
                classWeights, lrMultipliers, schedule, ls);
    }
}
