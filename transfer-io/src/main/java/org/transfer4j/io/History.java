package org.transfer4j.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-epoch metrics of a training run in the shape of Keras's {@code History.history}: metric name ({@code loss},
 * {@code acc}, {@code val_loss}, {@code val_acc}, ...) to one value per epoch. The one history type of transfer4j:
 * training records it (transfer-core), {@code history.json} stores it, charts and reports read it (transfer-plots).
 *
 * <p>Every series has the same number of epochs. A value is a finite number or NaN, which marks a missing value
 * (e.g. a diverged loss): an infinite value recorded by {@link #plus} is kept as NaN, exactly as {@code history.json}
 * stores it ({@code null}), and {@link #with} refuses one. Series keep the order in which they were added (JSON order
 * when read). Two-phase runs (the book's fine-tuning) keep one History and record where each phase starts in
 * {@link #phaseStarts()}; that goes to the model's configuration, never into {@code history.json}.
 *
 * <pre>{@code
 * History h = History.empty().with("loss", 0.69, 0.52).with("acc", 0.55, 0.74);
 * h.writeJson(Path.of("history.json"));          // {"loss":[0.69,0.52],"acc":[0.55,0.74]}
 * History back = History.readJson(Path.of("history.json"));
 * }</pre>
 *
 * <p>Immutable and thread-safe; every step returns a new History.
 */
public final class History {
    public static final String LOSS = "loss";
    public static final String ACC = "acc";
    public static final String VAL_LOSS = "val_loss";
    public static final String VAL_ACC = "val_acc";

    private static final History EMPTY = new History(Map.of(), List.of(0));

    private final Map<String, List<Double>> metrics;
    private final List<Integer> phaseStarts;

    private History(Map<String, List<Double>> metrics, List<Integer> phaseStarts) {
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        metrics.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.metrics = Collections.unmodifiableMap(copy);
        this.phaseStarts = List.copyOf(phaseStarts);
    }

    /** An empty history (no series, 0 epochs). */
    public static History empty() {
        return EMPTY;
    }

    /**
     * A history of the given series, in the map's iteration order.
     *
     * @throws IllegalArgumentException if the map is empty or a series breaks the rules of {@link #with}
     */
    public static History of(Map<String, double[]> series) {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("a history needs at least one series; got " + series);
        }
        History h = EMPTY;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            h = h.with(e.getKey(), e.getValue());
        }
        return h;
    }

    /**
     * This history plus one whole series (replacing a series of the same name): for histories made by hand or read
     * from elsewhere.
     *
     * @param name   the metric name, e.g. {@code "val_acc"}; not blank
     * @param values one value per epoch, finite or NaN (a missing value); copied
     * @throws IllegalArgumentException if the name is blank, there are no values, a value is infinite, or the length
     *                                  differs from the other series'
     */
    public History with(String name, double... values) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("metric name must not be blank; got '" + name + "'");
        }
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("series '" + name + "' has zero epochs; a history needs at least one");
        }
        List<Double> list = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            if (Double.isInfinite(values[i])) {
                throw new IllegalArgumentException("series '" + name + "' has an infinite value " + values[i]
                        + " at epoch " + (i + 1) + "; values must be finite numbers or NaN (a gap)");
            }
            list.add(values[i]);
        }
        for (Map.Entry<String, List<Double>> e : metrics.entrySet()) {
            if (!e.getKey().equals(name) && e.getValue().size() != values.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + values.length + " epochs but '"
                        + e.getKey() + "' has " + e.getValue().size() + "; every series needs one value per epoch");
            }
        }
        Map<String, List<Double>> next = new LinkedHashMap<>(metrics);
        next.put(name, list);
        return new History(next, phaseStarts);
    }

    /**
     * This history with one more epoch (what training records). An infinite value is kept as NaN.
     *
     * @param epoch metric → value; after the first epoch the keys must stay the same
     * @throws IllegalArgumentException if the keys differ from earlier epochs
     */
    public History plus(Map<String, Double> epoch) {
        if (!metrics.isEmpty() && !metrics.keySet().equals(epoch.keySet())) {
            throw new IllegalArgumentException("Epoch metrics " + epoch.keySet() + " differ from earlier epochs' "
                    + metrics.keySet());
        }
        Map<String, List<Double>> next = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : epoch.entrySet()) {
            List<Double> values = new ArrayList<>(metrics.getOrDefault(e.getKey(), List.of()));
            Double v = e.getValue();
            values.add(v == null || Double.isInfinite(v) ? Double.NaN : v);
            next.put(e.getKey(), values);
        }
        return new History(next, phaseStarts);
    }

    /** This history followed by {@code next} (a later phase); the phase boundary is recorded. */
    public History then(History next) {
        if (metrics.isEmpty()) {
            return next;
        }
        if (!next.metrics.isEmpty() && !next.metrics.keySet().equals(metrics.keySet())) {
            throw new IllegalArgumentException("Phase metrics " + next.metrics.keySet() + " differ from "
                    + metrics.keySet());
        }
        Map<String, List<Double>> joined = new LinkedHashMap<>();
        for (String k : metrics.keySet()) {
            List<Double> values = new ArrayList<>(metrics.get(k));
            values.addAll(next.metrics.getOrDefault(k, List.of()));
            joined.put(k, values);
        }
        List<Integer> starts = new ArrayList<>(phaseStarts);
        for (int s : next.phaseStarts) {
            starts.add(s + epochs());
        }
        return new History(joined, starts.stream().distinct().sorted().toList());
    }

    /**
     * This history's series split into phases at {@code starts} (0-based epochs; a history read from
     * {@code history.json} is one phase).
     *
     * @throws IllegalArgumentException if the starts are not increasing from 0 within the epochs
     */
    public History withPhaseStarts(List<Integer> starts) {
        List<Integer> s = starts == null || starts.isEmpty() ? List.of(0) : List.copyOf(starts);
        for (int i = 0; i < s.size(); i++) {
            if ((i == 0 && s.get(0) != 0) || (i > 0 && s.get(i) <= s.get(i - 1)) || s.get(i) > Math.max(epochs(), 0)) {
                throw new IllegalArgumentException("Phase starts " + s + " must increase from 0 within the "
                        + epochs() + " epochs");
            }
        }
        return new History(metrics, s);
    }

    /** Number of epochs recorded (0 only when there is no series). */
    public int epochs() {
        return metrics.isEmpty() ? 0 : metrics.values().iterator().next().size();
    }

    /** Metric → per-epoch values, in insertion order. */
    public Map<String, List<Double>> metrics() {
        return metrics;
    }

    /** The metric names, in order. */
    public List<String> names() {
        return List.copyOf(metrics.keySet());
    }

    /** Whether a series of this name is present. */
    public boolean contains(String name) {
        return metrics.containsKey(name);
    }

    /** Values of one metric. @throws IllegalArgumentException naming the recorded metrics */
    public List<Double> get(String metric) {
        List<Double> v = metrics.get(metric);
        if (v == null) {
            throw new IllegalArgumentException("No metric '" + metric + "'; recorded: " + metrics.keySet());
        }
        return v;
    }

    /** A copy of one series as an array. @throws IllegalArgumentException naming the recorded metrics */
    public double[] series(String metric) {
        return get(metric).stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A copy of all series as arrays, in order. */
    public Map<String, double[]> toMap() {
        Map<String, double[]> out = new LinkedHashMap<>();
        metrics.keySet().forEach(k -> out.put(k, series(k)));
        return Collections.unmodifiableMap(out);
    }

    /** The last value of a metric. */
    public double last(String metric) {
        List<Double> v = get(metric);
        if (v.isEmpty()) {
            throw new IllegalStateException("No epochs recorded");
        }
        return v.get(v.size() - 1);
    }

    /** 0-based epoch index where each training phase starts (always starts with 0). */
    public List<Integer> phaseStarts() {
        return phaseStarts;
    }

    /**
     * Keras's {@code json.dumps(history.history)}: metric → list of numbers, compact. A NaN value is written as
     * {@code null}, not Python's bare {@code NaN}, which is not JSON; {@link #readJson} reads it back as NaN.
     */
    public String toJson() {
        return HistoryJson.write(this);
    }

    /** Writes {@link #toJson()} atomically (temporary file + rename); the folder must exist. */
    public void writeJson(Path file) throws IOException {
        AtomicFiles.write(file, out -> out.write(toJson().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Reads a Keras-shaped history file: a JSON object of metric → array of numbers, all of one length. A missing
     * value may be {@code null}, Python's bare {@code NaN} or the string {@code "NaN"} (read as NaN).
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws HistoryFormatException naming the file, key and epoch, for anything else (not JSON, not an object,
     *                                infinite values, strings, series of different lengths, zero epochs, duplicate
     *                                keys, trailing content)
     */
    public static History readJson(Path file) throws IOException {
        return HistoryJson.read(file);
    }

    /** {@link #readJson} of JSON text. @throws HistoryFormatException as {@link #readJson} */
    public static History parseJson(String json) throws HistoryFormatException {
        return HistoryJson.parse(json);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof History h && metrics.equals(h.metrics) && phaseStarts.equals(h.phaseStarts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(metrics, phaseStarts);
    }

    @Override
    public String toString() {
        return "History" + metrics;
    }
}
