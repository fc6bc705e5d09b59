package org.transfer4j.model;

/** Kinds of layer a model here is made of, with the class names Keras prints in {@code summary()}. */
public enum LayerType {
    INPUT("InputLayer"),
    CONV2D("Conv2D"),
    MAX_POOLING2D("MaxPooling2D"),
    FLATTEN("Flatten"),
    DENSE("Dense"),
    DROPOUT("Dropout"),
    DEPTHWISE_CONV2D("DepthwiseConv2D"),
    BATCH_NORMALIZATION("BatchNormalization"),
    /** Keras's {@code Activation('relu')} layer. */
    ACTIVATION("Activation"),
    /** Keras's {@code ReLU(6.)} layer. */
    RELU("ReLU"),
    ZERO_PADDING2D("ZeroPadding2D"),
    ADD("Add"),
    GLOBAL_AVERAGE_POOLING2D("GlobalAveragePooling2D");

    private final String kerasName;

    LayerType(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The Keras class name, e.g. {@code Conv2D}. */
    public String kerasName() {
        return kerasName;
    }
}
