package org.transfer4j;

import java.util.Locale;

/** Activations of dense layers, with Keras's names. */
public enum Activation {
    RELU, SIGMOID, SOFTMAX, TANH, LINEAR;

    /** Keras's name, e.g. {@code relu}. */
    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a Keras activation name.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Activation of(String name) {
        for (Activation a : values()) {
            if (a.kerasName().equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("Unknown activation '" + name + "'; expected relu, sigmoid, softmax, tanh or linear");
    }
}
