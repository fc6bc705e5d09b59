/**
 * Keras {@code ImageDataGenerator}-equivalent random augmentation on HWC float images, verified against
 * keras_preprocessing 1.1.0 golden fixtures, seeded and multi-threaded. No dependency on DL4J's {@code nn}.
 *
 * <ul>
 *   <li>{@link org.transfer4j.augment.Augmentation}: the immutable spec ({@code ImageDataGenerator} arguments),
 *       with sampling ({@code get_random_transform}), applying ({@code apply_transform}) and standardisation;
 *       {@link org.transfer4j.augment.Augmentation#book()} is Deep Learning with Python's generator.</li>
 *   <li>{@link org.transfer4j.augment.RandomTransform}: one sampled parameter set (loggable, replayable).</li>
 *   <li>{@link org.transfer4j.augment.Augmenter}: threaded NHWC {@link org.transfer4j.augment.AugmentedBatch} producer
 *       with bounded prefetch, reproducible for any thread count.</li>
 *   <li>{@link org.transfer4j.augment.HwcImage}: the image type; {@link org.transfer4j.augment.Nd4jImages}
 *       converts to and from ND4J arrays (nd4j-api is an optional dependency).</li>
 * </ul>
 */
package org.transfer4j.augment;
