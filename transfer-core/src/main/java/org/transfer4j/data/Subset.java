package org.transfer4j.data;

/**
 * Which part of a {@code validationSplit} an {@link ImageFolder} reads, Keras's {@code subset} argument.
 * Per class folder, {@link #VALIDATION} takes the first {@code (int) (split * n)} files of the sorted list and
 * {@link #TRAINING} the rest. Thread-safe (enum).
 */
public enum Subset {
    /** Files {@code [(int) (split * n), n)} of each class ({@code 'training'}). */
    TRAINING("training"),
    /** Files {@code [0, (int) (split * n))} of each class ({@code 'validation'}). */
    VALIDATION("validation");

    private final String kerasName;

    Subset(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The Keras spelling, e.g. {@code "training"}. */
    public String kerasName() {
        return kerasName;
    }
}
