package org.transfer4j;

import java.util.List;

/**
 * Static factories that start a {@link Head}, for {@code import static org.transfer4j.Heads.*}:
 * {@code dense(256).dropout(0.5).sigmoid()}.
 */
public final class Heads {
    private Heads() {
    }

    /** A head starting with Keras's {@code Flatten} (the book's; the default on VGG bases). */
    public static Head flatten() {
        return new Head(List.of()).flatten();
    }

    /**
     * A head starting with {@code GlobalAveragePooling2D} (Keras's {@code pooling='avg'}; the default on ResNet50 and
     * MobileNetV2): {@code globalAveragePooling().dense(256).sigmoid()}.
     */
    public static Head globalAveragePooling() {
        return new Head(List.of()).globalAveragePooling();
    }

    /** A head starting with {@code Dense(units, relu)} (Keras's dense default here is relu, as in the book). */
    public static Head dense(int units) {
        return new Head(List.of()).dense(units);
    }

    /** A head starting with {@code Dense(units, activation)}. */
    public static Head dense(int units, Activation activation) {
        return new Head(List.of()).dense(units, activation);
    }

    /**
     * A head starting with {@code Dropout(rate)} on the flattened features, as the book's section 5.2 model does
     * ({@code Flatten, Dropout(0.5), Dense(512)}).
     */
    public static Head dropout(double rate) {
        return new Head(List.of()).dropout(rate);
    }

    /** A head that is only the binary output layer {@code Dense(1, sigmoid)} (logistic regression on features). */
    public static Head sigmoid() {
        return new Head(List.of()).sigmoid();
    }

    /** A head that is only the output layer {@code Dense(classes, softmax)}. */
    public static Head softmax(int classes) {
        return new Head(List.of()).softmax(classes);
    }

    /**
     * The book's head for {@code classes} classes: {@code dense(256).dropout(0.5)} then {@code sigmoid()} for 2
     * classes (listing 5-18) or {@code softmax(classes)} for more.
     *
     * @throws IllegalArgumentException for fewer than 2 classes
     */
    public static Head book(int classes) {
        return dense(256).dropout(0.5).output(classes);
    }

    /** A head that is only the output layer for {@code classes} classes (see {@link Head#output(int)}). */
    public static Head output(int classes) {
        return new Head(List.of()).output(classes);
    }
}
