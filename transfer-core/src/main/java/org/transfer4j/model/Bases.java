package org.transfer4j.model;

import java.util.List;
import java.util.Locale;

/**
 * The bases by name, for command lines and saved models: {@code vgg16}, {@code vgg19}, {@code resnet50},
 * {@code mobilenet_v2} ({@link ConvBase#name()}). Thread-safe (stateless).
 */
public final class Bases {
    /** The names {@link #of} accepts. */
    public static final List<String> NAMES = List.of("vgg16", "vgg19", "resnet50", "mobilenet_v2");

    private Bases() {
    }

    /**
     * Base {@code name} for {@code height × width × 3} inputs with the given weights and its default preprocessing.
     *
     * @throws IllegalArgumentException for an unknown name (listing the known ones) or a too small input
     */
    public static ConvBase of(String name, int height, int width, WeightsSource weights) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vgg16" -> Vgg16.of(height, width, weights);
            case "vgg19" -> Vgg19.of(height, width, weights);
            case "resnet50" -> ResNet50.of(height, width, weights);
            case "mobilenet_v2", "mobilenetv2" -> MobileNetV2.of(height, width, weights);
            default -> throw new IllegalArgumentException("Unknown base '" + name + "'; bases are "
                    + String.join(", ", NAMES));
        };
    }
}
