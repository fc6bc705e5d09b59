package org.transfer4j.internal.graph;

/** An activation fused into a layer ({@code activation=} of a Keras layer) or a layer of its own. */
public enum Activation {
    NONE,
    /** {@code max(x, 0)}. */
    RELU,
    /** {@code min(max(x, 0), 6)}: Keras's {@code ReLU(6.)}. */
    RELU6;

    /** Applies it to one value (the double reference and the Java parts of the engine use this). */
    public double apply(double x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> Math.max(x, 0);
            case RELU6 -> Math.min(Math.max(x, 0), 6);
        };
    }
}
