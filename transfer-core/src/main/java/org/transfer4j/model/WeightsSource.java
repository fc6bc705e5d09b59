package org.transfer4j.model;

import java.nio.file.Path;
import java.util.List;
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
 *   <li>{@link #imagenet()}: VGG16's ImageNet weights, resolved as {@link ImagenetWeights} describes (a file you
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

    /** He-normal random weights (std {@code sqrt(2 / fan_in)}, zero biases), reproducible per seed. */
    static WeightsSource random(long seed) {
        return new Random(seed);
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
            Path resolved = ImagenetWeights.vgg16().resolve(allowDownload);
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

    /** He-normal random weights. */
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
