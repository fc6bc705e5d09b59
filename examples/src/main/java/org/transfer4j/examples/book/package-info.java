/**
 * Section 5.3 of Chollet's <i>Deep Learning with Python</i> as three runnable programs, one per approach, written
 * to be read next to the book's listings:
 * {@link org.transfer4j.examples.book.FeatureExtractionExample} (listings 5-17 to 5-19, features of the frozen VGG16
 * base, then a dense classifier), {@link org.transfer4j.examples.book.AugmentationExample} (5-20 and 5-21, training
 * on augmented images through the frozen base) and {@link org.transfer4j.examples.book.FineTuningExample} (5-22 to
 * 5-24, unfreezing {@code block5}).
 *
 * <p>Each takes a book-shaped folder ({@code DIR/train}, {@code DIR/validation}, {@code DIR/test}, two class folders
 * each) as its first argument, or without one unpacks the embedded Fashion-MNIST shirts/T-shirts set, and writes
 * {@code history.json} and the training curves into its output folder. Options: {@code --out DIR},
 * {@code --epochs N}, {@code --input SIZE} (at least 32), {@code --weights auto|imagenet|random}, {@code --seed N}
 * and, for fine-tuning, {@code --fine-tune-epochs N}.
 */
package org.transfer4j.examples.book;
