package org.transfer4j.model;

/**
 * What sits between a convolutional base and its classifier head, as Keras's {@code pooling} argument of the
 * applications says it: nothing (the head flattens the feature maps, the book's VGG16 setup) or a global average
 * pool (Keras's {@code pooling='avg'}, the usual choice for ResNet50 and MobileNetV2: one value per channel).
 */
public enum Pooling {
    /** The base's feature maps as they are; the head starts with {@code Flatten}. */
    NONE,
    /** {@code GlobalAveragePooling2D} over the last feature map: {@code [c]} features per image. */
    AVG
}
