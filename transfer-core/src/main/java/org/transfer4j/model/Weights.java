package org.transfer4j.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Loaded weights of a convolutional base: one {@link LayerWeights} per layer with weights, each array checked by its
 * Keras name and shape against the base's layers, and a checksum that identifies them (recorded in feature caches and saved models).
 *
 * <p>Immutable once built; the float arrays are shared, not copied, so do not modify them.
 */
public final class Weights {
    private final Map<String, LayerWeights> layers;
    private final String checksum;
    private final String description;

    private Weights(Map<String, LayerWeights> layers, String checksum, String description) {
        this.layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        this.checksum = checksum;
        this.description = description;
    }

    /**
     * Checks {@code byLayer} against {@code expected} and wraps it.
     *
     * @param expected     the layers of the base; every layer with weights must be present with its exact shape
     * @param byLayer      weights by layer name
     * @param checksum     what identifies these weights, e.g. {@code md5:6d6b...} of the file, or {@code random:seed=42}
     * @param description  where they came from, for messages
     * @throws WeightsException naming the first missing layer, wrong shape or non-finite value
     */
    public static Weights of(List<Layer> expected, Map<String, LayerWeights> byLayer, String checksum, String description)
            throws WeightsException {
        Objects.requireNonNull(checksum, "checksum");
        Map<String, LayerWeights> ordered = new LinkedHashMap<>();
        for (Layer layer : expected) {
            if (!layer.hasWeights()) {
                continue;
            }
            LayerWeights w = byLayer.get(layer.name());
            if (w == null) {
                throw new WeightsException(description + ": no weights for layer '" + layer.name() + "'; found layers "
                        + byLayer.keySet());
            }
            for (Layer.Weight spec : layer.weights()) {
                if (!w.has(spec.name())) {
                    throw new WeightsException(description + ": layer '" + layer.name() + "' lacks weight '"
                            + spec.name() + ":0' " + Arrays.toString(spec.shape()) + "; it has " + w.names());
                }
                long[] want = Arrays.stream(spec.shape()).asLongStream().toArray();
                if (!Arrays.equals(want, w.shape(spec.name()))) {
                    String what = spec.name().equals("kernel") ? "kernel shape" : "weight '" + spec.name() + ":0' of shape";
                    throw new WeightsException(description + ": layer '" + layer.name() + "' has " + what + " "
                            + Arrays.toString(w.shape(spec.name())) + ", expected " + Arrays.toString(want));
                }
                checkFinite(w.values(spec.name()), description, layer.name() + " " + (spec.name().equals("kernel")
                        || spec.name().equals("bias") ? spec.name() : spec.name() + ":0"));
            }
            for (String held : w.names()) {
                if (layer.weights().stream().noneMatch(x -> x.name().equals(held))) {
                    throw new WeightsException(description + ": layer '" + layer.name() + "' has an unexpected weight '"
                            + held + "'; it expects " + layer.weights().stream().map(Layer.Weight::name).toList());
                }
            }
            ordered.put(layer.name(), w);
        }
        return new Weights(ordered, checksum, description);
    }

    private static void checkFinite(float[] values, String description, String what) throws WeightsException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new WeightsException(description + ": " + what + " holds a non-finite value (" + values[i]
                        + ") at index " + i);
            }
        }
    }

    /** Weights of layer {@code name}. @throws IllegalArgumentException listing the layers that have weights */
    public LayerWeights layer(String name) {
        LayerWeights w = layers.get(name);
        if (w == null) {
            throw new IllegalArgumentException("No weights for layer '" + name + "'; layers with weights are "
                    + String.join(", ", layers.keySet()));
        }
        return w;
    }

    /** Layer name → weights, in network order. */
    public Map<String, LayerWeights> layers() {
        return layers;
    }

    /** What identifies these weights, e.g. {@code md5:6d6bbae1...} or {@code random:he-normal:seed=42}. */
    public String checksum() {
        return checksum;
    }

    /** Where the weights came from (file path or generator), for logs and messages. */
    public String description() {
        return description;
    }

    /** Total number of parameters. */
    public long parameters() {
        return layers.values().stream().mapToLong(LayerWeights::parameters).sum();
    }

    @Override
    public String toString() {
        return "Weights[" + description + ", " + checksum + "]";
    }
}
