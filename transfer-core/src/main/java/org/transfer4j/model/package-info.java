/**
 * Pretrained convolutional bases: {@link org.transfer4j.model.ConvBase}, {@link org.transfer4j.model.Vgg16}, their
 * layers with Keras's names and shapes, weight sources (Keras h5, DL4J zoo zip, random), preprocessing, and the
 * Keras-style {@link org.transfer4j.model.Summary}.
 */
package org.transfer4j.model;
