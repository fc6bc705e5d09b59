package org.transfer4j.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.transfer4j.testing.ReferenceWeights;

/**
 * The factories under test by the reference's base names, and the generated weights as a {@link WeightsSource}
 * (cached per base: ResNet50's are 94 MB).
 */
final class ReferenceBases {
    private static final Map<String, Map<String, float[]>> ARRAYS = new ConcurrentHashMap<>();

    private ReferenceBases() {
    }

    /** {@code X.of(h, w, weights)} for the reference's base name. */
    static ConvBase of(String base, int h, int w, WeightsSource weights) {
        return switch (base) {
            case "vgg19" -> Vgg19.of(h, w, weights);
            case "resnet50" -> ResNet50.of(h, w, weights);
            case "mobilenet_v2" -> MobileNetV2.of(h, w, weights);
            default -> throw new IllegalArgumentException("Unknown base '" + base + "'; the reference has "
                    + ReferenceWeights.BASES);
        };
    }

    /** The generated weights of {@code base} for {@code seed}, by full Keras weight name. */
    static Map<String, float[]> arrays(String base, long seed) {
        return ARRAYS.computeIfAbsent(base + "@" + seed, k -> ReferenceWeights.weights(base, seed));
    }

    /** The generated weights as a source, identified by base and seed. */
    static WeightsSource source(String base, long seed) {
        return WeightsSource.ofKerasArrays("reference " + base + " seed " + seed, arrays(base, seed));
    }
}
