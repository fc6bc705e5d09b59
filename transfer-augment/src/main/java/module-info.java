/**
 * Keras {@code ImageDataGenerator}-style augmentation on HWC float images: the augmentation spec, sampled
 * transforms, the parallel batch producer and the image type. No dependency on DL4J or ND4J.
 */
module org.transfer4j.augment {
    requires org.slf4j;

    exports org.transfer4j.augment;
}
