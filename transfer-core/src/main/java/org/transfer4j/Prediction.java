package org.transfer4j;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The class probabilities of one image.
 *
 * @param file          the image
 * @param probabilities class name → probability, in class-index order
 * @param predicted     the most probable class (binary: the second class when its probability is above 0.5)
 * @param error         why the image could not be read (then the map is empty and {@code predicted} null), or null
 */
public record Prediction(Path file, Map<String, Double> probabilities, String predicted, String error) {
    public Prediction {
        Objects.requireNonNull(file, "file");
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
    }

    /** Probability of the predicted class (NaN when the image could not be read). */
    public double confidence() {
        return predicted == null ? Double.NaN : probabilities.get(predicted);
    }

    @Override
    public String toString() {
        if (error != null) {
            return file + ": " + error;
        }
        StringBuilder sb = new StringBuilder(file.toString()).append(": ").append(predicted);
        probabilities.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %s=%.4f", k, v)));
        return sb.toString();
    }
}
