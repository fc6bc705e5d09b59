package org.transfer4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Pooling;

/**
 * A densely connected classifier put on top of a convolutional base, built fluently and immutably:
 * {@code dense(256).dropout(0.5).sigmoid()} is the book's Flatten → Dense(256, relu) → Dropout(0.5) →
 * Dense(1, sigmoid) (listing 5-18). Flatten is implied. The loss follows from the output layer: binary
 * cross-entropy after {@link #sigmoid()}, categorical cross-entropy after {@link #softmax(int)}.
 *
 * <p>Start a head with {@link Heads#dense(int)}. Immutable and thread-safe.
 */
public final class Head {
    /** The loss a head implies. */
    public enum Loss {
        BINARY_CROSSENTROPY("binary_crossentropy"),
        CATEGORICAL_CROSSENTROPY("categorical_crossentropy");

        private final String kerasName;

        Loss(String kerasName) {
            this.kerasName = kerasName;
        }

        public String kerasName() {
            return kerasName;
        }
    }

    private final List<HeadLayer> layers;
    private final Pooling pooling;

    Head(List<HeadLayer> layers) {
        this(layers, null);
    }

    private Head(List<HeadLayer> layers, Pooling pooling) {
        this.layers = List.copyOf(layers);
        this.pooling = pooling;
    }

    /**
     * How the base's feature maps reach the first dense layer, if the head says: {@link Pooling#NONE} after
     * {@link #flatten()} (the book's Flatten), {@link Pooling#AVG} after {@link #globalAveragePooling()} (Keras's
     * {@code pooling='avg'}); empty means the base's default ({@link ConvBase#defaultPooling()}: Flatten for VGG,
     * global average pooling for ResNet50 and MobileNetV2).
     */
    public Optional<Pooling> pooling() {
        return Optional.ofNullable(pooling);
    }

    /**
     * Starts the head with Keras's {@code Flatten} on the base's feature maps (the book's head; the default on VGG).
     *
     * @throws IllegalStateException after a layer
     */
    public Head flatten() {
        return withPooling(Pooling.NONE);
    }

    /**
     * Starts the head with {@code GlobalAveragePooling2D} on the base's feature maps (Keras's {@code pooling='avg'};
     * the default on ResNet50 and MobileNetV2): one feature per channel.
     *
     * @throws IllegalStateException after a layer
     */
    public Head globalAveragePooling() {
        return withPooling(Pooling.AVG);
    }

    private Head withPooling(Pooling p) {
        if (!layers.isEmpty() || pooling != null) {
            throw new IllegalStateException("flatten() or globalAveragePooling() starts a head; this head already has "
                    + this);
        }
        return new Head(layers, p);
    }

    /** The layers after the implied Flatten. */
    public List<HeadLayer> layers() {
        return layers;
    }

    /** Appends {@code Dense(units, relu)}. @throws IllegalStateException after the output layer */
    public Head dense(int units) {
        return dense(units, Activation.RELU);
    }

    /** Appends {@code Dense(units, activation)}. @throws IllegalStateException after the output layer */
    public Head dense(int units, Activation activation) {
        return append(new HeadLayer.Dense(units, activation));
    }

    /** Appends {@code Dropout(rate)}, rate in [0, 1). @throws IllegalStateException after the output layer */
    public Head dropout(double rate) {
        return append(new HeadLayer.Dropout(rate));
    }

    /** Appends the binary output layer {@code Dense(1, sigmoid)}; the loss becomes binary cross-entropy. */
    public Head sigmoid() {
        return append(new HeadLayer.Dense(1, Activation.SIGMOID));
    }

    /** Appends the output layer {@code Dense(classes, softmax)}; the loss becomes categorical cross-entropy. */
    public Head softmax(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("softmax needs at least 2 classes; got " + classes
                    + " (use sigmoid() for a binary head)");
        }
        return append(new HeadLayer.Dense(classes, Activation.SOFTMAX));
    }

    /**
     * Appends the output layer a Keras user writes for {@code classes} classes: {@link #sigmoid()} for 2 (one unit,
     * binary cross-entropy, as in the book), {@link #softmax(int) softmax(classes)} for more ({@code Dense(N,
     * activation='softmax')}, categorical cross-entropy).
     *
     * @throws IllegalArgumentException for fewer than 2 classes
     * @throws IllegalStateException    after the output layer
     */
    public Head output(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("A classifier needs at least 2 classes; got " + classes);
        }
        return classes == 2 ? sigmoid() : softmax(classes);
    }

    /**
     * This head if it is complete, else this head with {@link #output(int) output(classes)} appended: lets a user
     * write only the hidden layers ({@code dense(512).dropout(0.3)}) and leave the output to the class count.
     */
    public Head completedFor(int classes) {
        return isComplete() ? this : output(classes);
    }

    /**
     * Why {@link #output(int)} picks its layer, for run headers: e.g. {@code "3 classes: softmax(3) with categorical
     * cross-entropy"}.
     */
    public static String outputReason(int classes) {
        return classes == 2 ? "2 classes: sigmoid() with binary cross-entropy, as in the book"
                : classes + " classes: softmax(" + classes + ") with categorical cross-entropy";
    }

    private Head append(HeadLayer layer) {
        if (isComplete()) {
            throw new IllegalStateException("The head already ends with its output layer " + last()
                    + "; nothing can follow it");
        }
        List<HeadLayer> next = new ArrayList<>(layers);
        next.add(layer);
        return new Head(next, pooling);
    }

    private HeadLayer last() {
        return layers.isEmpty() ? null : layers.get(layers.size() - 1);
    }

    /** True once the head ends with a sigmoid or softmax output layer. */
    public boolean isComplete() {
        return last() instanceof HeadLayer.Dense d
                && (d.activation() == Activation.SIGMOID || d.activation() == Activation.SOFTMAX);
    }

    /** Units of the output layer (1 for binary). @throws IllegalStateException if the head is not complete */
    public int outputUnits() {
        requireComplete();
        return ((HeadLayer.Dense) last()).units();
    }

    /** The loss the output layer implies. @throws IllegalStateException if the head is not complete */
    public Loss loss() {
        requireComplete();
        return ((HeadLayer.Dense) last()).activation() == Activation.SIGMOID ? Loss.BINARY_CROSSENTROPY
                : Loss.CATEGORICAL_CROSSENTROPY;
    }

    private void requireComplete() {
        if (!isComplete()) {
            throw new IllegalStateException("The head " + this + " has no output layer; end it with sigmoid() or softmax(n)");
        }
    }

    /** Parameters of the head on {@code inputs} flattened features. */
    public long parameterCount(long inputs) {
        long total = 0;
        long in = inputs;
        for (HeadLayer l : layers) {
            if (l instanceof HeadLayer.Dense d) {
                total += in * d.units() + d.units();
                in = d.units();
            }
        }
        return total;
    }

    private static final Pattern CALL = Pattern.compile("\\s*(\\w+)\\s*\\(([^)]*)\\)\\s*");

    /**
     * Parses the DSL text of a head, as written in Java: {@code dense(256).dropout(0.5).sigmoid()}; also
     * {@code dense(128, tanh)} and {@code softmax(3)}.
     *
     * @throws IllegalArgumentException naming the part that does not parse
     */
    public static Head parse(String text) {
        Objects.requireNonNull(text, "text");
        Head head = new Head(List.of());
        String rest = text.trim();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("Empty head; expected e.g. dense(256).dropout(0.5).sigmoid()");
        }
        for (String part : rest.split("\\.(?=\\s*[a-zA-Z])")) {
            Matcher m = CALL.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("Cannot parse '" + part + "' in head '" + text
                        + "'; expected calls like dense(256), dropout(0.5), sigmoid(), softmax(10)");
            }
            String name = m.group(1).toLowerCase(Locale.ROOT);
            String[] args = m.group(2).isBlank() ? new String[0] : m.group(2).split(",");
            try {
                head = switch (name) {
                    case "dense" -> args.length == 1 ? head.dense(Integer.parseInt(args[0].trim()))
                            : head.dense(Integer.parseInt(args[0].trim()), Activation.of(args[1]));
                    case "dropout" -> head.dropout(Double.parseDouble(args[0].trim()));
                    case "sigmoid" -> head.sigmoid();
                    case "flatten" -> head.flatten();
                    case "globalaveragepooling", "globalaveragepooling2d" -> head.globalAveragePooling();
                    case "softmax" -> head.softmax(Integer.parseInt(args[0].trim()));
                    default -> throw new IllegalArgumentException("Unknown head layer '" + name
                            + "'; expected flatten, globalAveragePooling, dense, dropout, sigmoid or softmax");
                };
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("In head '" + text + "': " + e.getMessage(), e);
            } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
                throw new IllegalArgumentException("Bad arguments in '" + part.trim() + "' of head '" + text + "'", e);
            }
        }
        return head;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Head h && layers.equals(h.layers) && pooling == h.pooling;
    }

    @Override
    public int hashCode() {
        return layers.hashCode() * 31 + (pooling == null ? 0 : pooling.hashCode());
    }

    /** The DSL text, e.g. {@code dense(256).dropout(0.5).sigmoid()}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (pooling != null) {
            parts.add(pooling == Pooling.AVG ? "globalAveragePooling()" : "flatten()");
        }
        for (HeadLayer l : layers) {
            if (l instanceof HeadLayer.Dropout d) {
                parts.add("dropout(" + d.rate() + ")");
            } else if (l instanceof HeadLayer.Dense d) {
                if (d.activation() == Activation.SIGMOID && d.units() == 1) {
                    parts.add("sigmoid()");
                } else if (d.activation() == Activation.SOFTMAX) {
                    parts.add("softmax(" + d.units() + ")");
                } else if (d.activation() == Activation.RELU) {
                    parts.add("dense(" + d.units() + ")");
                } else {
                    parts.add("dense(" + d.units() + ", " + d.activation().kerasName() + ")");
                }
            }
        }
        return String.join(".", parts);
    }
}
