/** Keras {@code ImageDataGenerator}-equivalent random augmentation on HWC float images. */
package org.transfer4j.augment;
