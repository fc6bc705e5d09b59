package org.transfer4j.plots;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Per-epoch metric values of one training run, in the shape of Keras's {@code History.history}: metric name (e.g.
 * {@code loss}, {@code acc}, {@code val_loss}, {@code val_acc}) to one value per epoch.
 *
 * <p>Every series has the same, non-zero number of epochs. Values are finite numbers or NaN; NaN marks a missing
 * value (e.g. a diverged loss) and is drawn as a gap in charts and shown as {@code NaN} in reports. Infinite values are
 * rejected, and so is a series that is entirely NaN (its chart would be blank). Series keep the order in which they
 * were given (JSON order when read by {@link HistoryJson}).
 *
 * <p>Build one from plain arrays with {@link #empty()} and {@link #with(String, double...)}, from a map with
 * {@link #of(Map)}, or read Keras's JSON with {@link HistoryJson#read(java.nio.file.Path)}.
 *
 * <pre>{@code
 * TrainingHistory history = TrainingHistory.empty()
 *         .with("loss", 0.69, 0.52, 0.41)
 *         .with("acc", 0.55, 0.74, 0.82)
 *         .with("val_loss", 0.61, 0.50, 0.48)
 *         .with("val_acc", 0.68, 0.76, 0.79);
 * }</pre>
 *
 * <p>Immutable (arrays are copied in and out) and thread-safe.
 */
public final class TrainingHistory {

    private static final TrainingHistory EMPTY = new TrainingHistory(new LinkedHashMap<>());

    private final Map<String, double[]> series;

    private TrainingHistory(LinkedHashMap<String, double[]> series) {
        this.series = series;
    }

    /** A history with no series yet; add series with {@link #with(String, double...)}. */
    public static TrainingHistory empty() {
        return EMPTY;
    }

    /**
     * A history of the given series, in the map's iteration order.
     *
     * @param series metric name to per-epoch values; copied
     * @return the history
     * @throws IllegalArgumentException if the map is null or empty, or any series breaks the rules of
     *                                  {@link #with(String, double...)}
     */
    public static TrainingHistory of(Map<String, double[]> series) {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("a history needs at least one series; got " + series);
        }
        TrainingHistory history = EMPTY;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            history = history.with(e.getKey(), e.getValue());
        }
        return history;
    }

    /**
     * This history plus one series (replacing a series of the same name).
     *
     * @param name   the metric name, e.g. {@code "val_acc"}; not blank
     * @param values one value per epoch, finite or NaN; copied
     * @return a new history
     * @throws IllegalArgumentException if the name is blank, there are zero values, a value is infinite, every value is
     *                                  NaN, or the length differs from the series already present
     */
    public TrainingHistory with(String name, double... values) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("metric name must not be blank; got '" + name + "'");
        }
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("series '" + name + "' has zero epochs; a history needs at least one");
        }
        boolean anyNumber = false;
        for (int i = 0; i < values.length; i++) {
            if (Double.isInfinite(values[i])) {
                throw new IllegalArgumentException("series '" + name + "' has an infinite value " + values[i]
                        + " at epoch " + (i + 1) + "; values must be finite numbers or NaN (a gap)");
            }
            anyNumber |= !Double.isNaN(values[i]);
        }
        if (!anyNumber) {
            throw new IllegalArgumentException("series '" + name + "' is NaN at every one of its " + values.length
                    + " epochs; there is nothing to draw");
        }
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (!e.getKey().equals(name) && e.getValue().length != values.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + values.length + " epochs but '"
                        + e.getKey() + "' has " + e.getValue().length + "; every series needs one value per epoch");
            }
        }
        LinkedHashMap<String, double[]> copy = new LinkedHashMap<>(series);
        copy.put(name, values.clone());
        return new TrainingHistory(copy);
    }

    /** Number of epochs (0 only for {@link #empty()}). */
    public int epochs() {
        return series.isEmpty() ? 0 : series.values().iterator().next().length;
    }

    /** The metric names, in order. */
    public List<String> names() {
        return List.copyOf(series.keySet());
    }

    /** Whether a series of this name is present. */
    public boolean contains(String name) {
        return series.containsKey(name);
    }

    /**
     * A copy of one series.
     *
     * @throws IllegalArgumentException if there is no series of that name (the message lists the names)
     */
    public double[] series(String name) {
        double[] values = series.get(name);
        if (values == null) {
            throw new IllegalArgumentException("no series '" + name + "' in history; series are " + names());
        }
        return values.clone();
    }

    /** A copy of all series, in order. */
    public Map<String, double[]> toMap() {
        LinkedHashMap<String, double[]> copy = new LinkedHashMap<>();
        series.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /**
     * The key of the training series of {@code metric}, e.g. {@code acc} or {@code accuracy}.
     *
     * @throws IllegalArgumentException if there is none, or both {@code acc} and {@code accuracy} are present
     */
    public String trainingKey(Metric metric) {
        List<String> found = new ArrayList<>();
        for (String key : metric.trainingKeys()) {
            if (series.containsKey(key)) {
                found.add(key);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("history has no " + metric.name().toLowerCase(Locale.ROOT)
                    + " series: expected key " + String.join(" or ", quoted(metric.trainingKeys()))
                    + "; keys are " + names());
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("history has both " + String.join(" and ", quoted(found))
                    + "; which one is the " + metric.name().toLowerCase(Locale.ROOT)
                    + " is ambiguous: keep one");
        }
        return found.get(0);
    }

    /**
     * The key of the validation series of {@code metric} ({@code "val_" + training key}), or empty if the history has
     * training data only.
     *
     * @throws IllegalArgumentException if {@link #trainingKey(Metric)} does, or the validation key does not match the
     *                                  training key's naming (e.g. {@code acc} with {@code val_accuracy})
     */
    public Optional<String> validationKey(Metric metric) {
        String training = trainingKey(metric);
        String validation = Metric.validationKeyOf(training);
        if (series.containsKey(validation)) {
            return Optional.of(validation);
        }
        for (String other : metric.trainingKeys()) {
            String otherValidation = Metric.validationKeyOf(other);
            if (series.containsKey(otherValidation)) {
                throw new IllegalArgumentException("history pairs training key '" + training + "' with '"
                        + otherValidation + "'; expected '" + validation + "'");
            }
        }
        return Optional.empty();
    }

    private static List<String> quoted(List<String> keys) {
        return keys.stream().map(k -> "'" + k + "'").toList();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrainingHistory other) || !other.series.keySet().equals(series.keySet())) {
            return false;
        }
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.series.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            h = 31 * h + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return "TrainingHistory" + names() + " over " + epochs() + " epochs";
    }
}
