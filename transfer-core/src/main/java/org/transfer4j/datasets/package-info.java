/**
 * Builders for the book's datasets: {@link org.transfer4j.datasets.CatsAndDogsSmall} makes the
 * {@code cats_and_dogs_small} tree of Deep Learning with Python, section 5.2 (listing 5.4) from Kaggle's
 * dogs-vs-cats {@code train.zip} or Microsoft's PetImages zip, with a resumable, verified
 * {@link org.transfer4j.datasets.Downloader} and a pluggable {@link org.transfer4j.datasets.ImageVerifier}
 * that skips corrupt files.
 */
package org.transfer4j.datasets;
