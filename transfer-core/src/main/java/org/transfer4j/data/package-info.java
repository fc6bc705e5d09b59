/**
 * Image folders with Keras {@code flow_from_directory} semantics: listing ({@link org.transfer4j.data.ImageFolder},
 * {@link org.transfer4j.data.FolderListing}), decoding single files exactly as Keras's {@code load_img} with Pillow
 * ({@link org.transfer4j.data.ImageDecoder}), batches ({@link org.transfer4j.data.ImageFolderBatches}) and the
 * bad-image policy and report ({@link org.transfer4j.data.BadImagePolicy},
 * {@link org.transfer4j.data.BadImageException}, {@link org.transfer4j.data.BadImageReport}).
 *
 * <p>Decoded pixels are {@link org.transfer4j.augment.HwcImage} values on the 0..255 scale, as Keras's
 * {@code img_to_array}; batches are NHWC {@code float[]} arrays. No ND4J type appears in this package; ND4J users convert with
 * {@code org.transfer4j.interop.Nd4jArrays}.
 */
package org.transfer4j.data;
