package org.transfer4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.transfer4j.internal.io.AtomicFiles;
import org.transfer4j.internal.io.StrictJson;

/**
 * Per-epoch metrics of a training run, with Keras's keys ({@code loss}, {@code acc}, {@code val_loss},
 * {@code val_acc}), written as JSON in exactly the shape of Keras's {@code history.history}. Two-phase runs (the
 * book's fine-tuning) keep one History and record where each phase starts in {@link #phaseStarts()} (that goes to
 * {@code run.json}, never into {@code history.json}).
 *
 * <p>Immutable; {@link #plus} returns a new History.
 */
public final class History {
    public static final String LOSS = "loss";
    public static final String ACC = "acc";
    public static final String VAL_LOSS = "val_loss";
    public static final String VAL_ACC = "val_acc";

    /** Writes strict JSON; reads old files with bare {@code NaN} too. */
    private static final JsonMapper JSON = StrictJson.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final Map<String, List<Double>> metrics;
    private final List<Integer> phaseStarts;

    private History(Map<String, List<Double>> metrics, List<Integer> phaseStarts) {
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        metrics.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.metrics = Collections.unmodifiableMap(copy);
        this.phaseStarts = List.copyOf(phaseStarts);
    }

    /** An empty history. */
    public static History empty() {
        return new History(Map.of(), List.of(0));
    }

    /**
     * This history with one more epoch.
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
            values.add(e.getValue());
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

    /** Number of epochs recorded. */
    public int epochs() {
        return metrics.isEmpty() ? 0 : metrics.values().iterator().next().size();
    }

    /** Metric → per-epoch values, in insertion order. */
    public Map<String, List<Double>> metrics() {
        return metrics;
    }

    /** Values of one metric. @throws IllegalArgumentException naming the recorded metrics */
    public List<Double> get(String metric) {
        List<Double> v = metrics.get(metric);
        if (v == null) {
            throw new IllegalArgumentException("No metric '" + metric + "'; recorded: " + metrics.keySet());
        }
        return v;
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
     * Keras's {@code json.dumps(history.history)}: metric → list of numbers. A NaN or infinite value (a diverged
     * run) is written as {@code null}, not Python's bare {@code NaN}, which is not JSON; {@link #readJson} reads
     * {@code null} (and old files' {@code NaN}) back as NaN.
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        metrics.forEach((k, values) -> {
            var array = root.putArray(k);
            values.forEach(v -> {
                if (v != null && Double.isFinite(v)) {
                    array.add(v);
                } else {
                    array.addNull();
                }
            });
        });
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@link #toJson()} atomically (temp file + rename). */
    public void writeJson(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    /**
     * Reads a Keras-shaped history JSON.
     *
     * @throws IOException naming the file, for unreadable or malformed content
     */
    public static History readJson(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("Cannot read history " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("History " + file + " is not a JSON object of metric -> list");
        }
        Map<String, List<Double>> metrics = new LinkedHashMap<>();
        int length = -1;
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isArray()) {
                throw new IOException("History " + file + ": '" + e.getKey() + "' is not a list");
            }
            List<Double> values = new ArrayList<>();
            e.getValue().forEach(n -> values.add(n.isNumber() ? n.asDouble() : Double.NaN));
            if (length >= 0 && values.size() != length) {
                throw new IOException("History " + file + ": '" + e.getKey() + "' has " + values.size()
                        + " epochs, others have " + length);
            }
            length = values.size();
            metrics.put(e.getKey(), values);
        }
        return new History(metrics, List.of(0));
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
