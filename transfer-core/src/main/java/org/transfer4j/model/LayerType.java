package org.transfer4j.model;

/** Kinds of layer a model here is made of, with the class names Keras prints in {@code summary()}. */
public enum LayerType {
    INPUT("InputLayer"),
    CONV2D("Conv2D"),
    MAX_POOLING2D("MaxPooling2D"),
    FLATTEN("Flatten"),
    DENSE("Dense"),
    DROPOUT("Dropout");

    private final String kerasName;

    LayerType(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The Keras class name, e.g. {@code Conv2D}. */
    public String kerasName() {
        return kerasName;
    }
}
