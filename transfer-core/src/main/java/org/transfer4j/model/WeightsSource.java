package org.transfer4j.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.transfer4j.internal.weights.Dl4jZooReader;
import org.transfer4j.internal.weights.KerasH5Reader;
import org.transfer4j.internal.weights.RandomWeights;

/**
 * Where the weights of a convolutional base come from. Sources are immutable descriptions; nothing is read until
 * {@link #load(String, List)} is called.
 *
 * <ul>
 *   <li>{@link #imagenet()}: the base's ImageNet weights (Keras's notop h5 of that base), resolved as {@link ImagenetWeights} describes (a file you
 *       name, then the cache directory, then a verified download of Keras's notop h5).</li>
 *   <li>{@link #file(Path)}: a Keras h5 file ({@code vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5} layout) or a
 *       DL4J zoo zip ({@code vgg16_dl4j_inference.zip}), told apart by content.</li>
 *   <li>{@link #random(long)}: He-normal initialisation, reproducible per seed; for tests and offline demos.</li>
 * </ul>
 */
public sealed interface WeightsSource {

    /**
     * Loads and checks the weights of {@code layers}.
     *
     * @param model   the model's name, for messages
     * @param layers  the layers that need weights, with their shapes
     * @throws WeightsException if the weights are missing, corrupt or of the wrong shape
     */
    Weights load(String model, List<Layer> layers) throws WeightsException;

    /** A short description for logs, summaries and manifests. */
    String describe();

    /** ImageNet weights resolved from the cache directory or downloaded. */
    static WeightsSource imagenet() {
        return new Imagenet(Optional.empty(), true);
    }

    /** A Keras h5 or DL4J zoo zip weight file. */
    static WeightsSource file(Path file) {
        return new FileSource(file);
    }

    /**
     * Random weights, reproducible per seed: He-normal kernels (std {@code sqrt(2 / fan_in)}), zero biases,
     * BatchNormalization as the identity ({@code gamma = 1}, {@code beta = 0}, mean 0, variance 1).
     */
    static WeightsSource random(long seed) {
        return new Random(seed);
    }

    /**
     * Weights from arrays in memory, keyed by full Keras weight name as {@code model.weights} names them, e.g.
     * {@code "conv1_conv/kernel:0"}, {@code "conv1_bn/moving_variance:0"},
     * {@code "block_1_depthwise/depthwise_kernel:0"}; each value flat, row-major, in Keras's shape (convolution
     * {@code [kh, kw, in, out]}, depthwise {@code [kh, kw, in, 1]}, vectors {@code [c]}). The map is copied when the
     * source is made; the arrays are read when the weights load. Keras 3's names without {@code ":0"}
     * ({@code "conv1_conv/kernel"}) are accepted too. Arrays no layer of the base uses (a classifier's, say) are
     * ignored; a missing one fails naming it.
     *
     * @param id     what identifies the arrays (e.g. the file they came from); recorded in the checksum and provenance
     * @param arrays full Keras weight name → values
     */
    static WeightsSource ofKerasArrays(String id, Map<String, float[]> arrays) {
        return new KerasArrays(id, arrays);
    }

    /**
     * ImageNet weights.
     *
     * @param file           a file the caller names, tried first
     * @param allowDownload  whether a missing file may be downloaded
     */
    record Imagenet(Optional<Path> file, boolean allowDownload) implements WeightsSource {
        public Imagenet {
            Objects.requireNonNull(file, "file");
        }

        /** The same source with a file the caller names. */
        public Imagenet withFile(Path path) {
            return new Imagenet(Optional.of(path), allowDownload);
        }

        /** The same source, never downloading (fails with the instructions instead). */
        public Imagenet offline() {
            return new Imagenet(file, false);
        }

        @Override
        public Weights load(String model, List<Layer> layers) throws WeightsException {
            if (file.isPresent()) {
                return FileSource.read(file.get(), model, layers);
            }
            Path resolved = ImagenetWeights.of(model).resolve(allowDownload);
            return FileSource.read(resolved, model, layers);
        }

        @Override
        public String describe() {
            return "imagenet" + file.map(f -> " (" + f + ")").orElse("");
        }
    }

    /** A Keras h5 or DL4J zoo zip weight file. */
    record FileSource(Path path) implements WeightsSource {
        public FileSource {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public Weights load(String model, List<Layer> layers) throws WeightsException {
            return read(path, model, layers);
        }

        static Weights read(Path path, String model, List<Layer> layers) throws WeightsException {
            if (Dl4jZooReader.looksLikeZip(path)) {
                return Dl4jZooReader.read(path, layers);
            }
            return KerasH5Reader.read(path, layers);
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    /**
     * Weights from arrays in memory by full Keras weight name ({@link WeightsSource#ofKerasArrays}).
     *
     * @param id     what identifies them, recorded in the checksum
     * @param arrays full Keras weight name ({@code layer/weight:0}) → flat row-major values
     */
    record KerasArrays(String id, Map<String, float[]> arrays) implements WeightsSource {
        public KerasArrays {
            Objects.requireNonNull(id, "id");
            arrays = Map.copyOf(arrays);
        }

        @Override
        public Weights load(String model, List<Layer> layers) throws WeightsException {
            String description = model + " weights from arrays '" + id + "'";
            Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
            long hash = 1125899906842597L;
            for (Layer layer : layers) {
                if (!layer.hasWeights()) {
                    continue;
                }
                LayerWeights.Builder b = LayerWeights.builder();
                for (Layer.Weight w : layer.weights()) {
                    String key = layer.name() + "/" + w.name() + ":0";
                    float[] values = arrays.get(key);
                    if (values == null) {
                        values = arrays.get(layer.name() + "/" + w.name()); // Keras 3 names weights without ":0"
                    }
                    if (values == null) {
                        throw new WeightsException(description + ": no array '" + key + "' for layer '" + layer.name()
                                + "' (shape " + Arrays.toString(w.shape()) + "); arrays of that layer given: "
                                + arrays.keySet().stream().filter(k -> k.startsWith(layer.name() + "/")).sorted().toList());
                    }
                    if (values.length != w.size()) {
                        throw new WeightsException(description + ": array '" + key + "' of layer '" + layer.name()
                                + "' has " + values.length + " values; its shape " + Arrays.toString(w.shape())
                                + " needs " + w.size());
                    }
                    for (float v : values) {
                        hash = 31 * hash + Float.floatToIntBits(v);
                    }
                    b.put(w.name(), Arrays.stream(w.shape()).asLongStream().toArray(), values);
                }
                byLayer.put(layer.name(), b.build());
            }
            return Weights.of(layers, byLayer, "arrays:" + id + ":" + Long.toHexString(hash), description);
        }

        @Override
        public String describe() {
            return "arrays " + id;
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }

        @Override
        public String toString() {
            return "KerasArrays[" + id + ", " + arrays.size() + " arrays]";
        }
    }

    /** Random weights. */
    record Random(long seed) implements WeightsSource {
        @Override
        public Weights load(String model, List<Layer> layers) throws WeightsException {
            return RandomWeights.heNormal(model, layers, seed);
        }

        @Override
        public String describe() {
            return "random (he-normal, seed " + seed + ")";
        }
    }
}
