package org.transfer4j.data;

/**
 * What a batch carries as labels, Keras's {@code class_mode} argument of {@code flow_from_directory}. Each image
 * belongs to exactly one class (its folder): multi-label classification is out of scope.
 * Thread-safe (enum).
 */
public enum ClassMode {
    /**
     * One float per image: the class index ({@code 'binary'}). As in Keras the number of classes is not checked,
     * so with three class folders the labels are 0, 1 and 2 (a warning is logged).
     */
    BINARY("binary"),
    /** A one-hot row of width {@code numClasses} per image ({@code 'categorical'}, the Keras default). */
    CATEGORICAL("categorical"),
    /** One float per image: the class index ({@code 'sparse'}). */
    SPARSE("sparse"),
    /** The labels are a copy of the images, for autoencoders ({@code 'input'}). */
    INPUT("input"),
    /** No labels ({@code None}): {@link ImageBatch#y()} is empty. */
    NONE("None");

    private final String kerasName;

    ClassMode(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The Keras spelling, e.g. {@code "binary"}, or {@code "None"}. */
    public String kerasName() {
        return kerasName;
    }
}
