/**
 * Why a model predicted what it did: Grad-CAM class activation heatmaps (Selvaraju et al. 2017, section 5.4.3 of
 * Chollet's <i>Deep Learning with Python</i>), as float grids and as jet-coloured overlays on the original image.
 * Start from {@link org.transfer4j.TransferModel#explain(java.nio.file.Path)}; {@link org.transfer4j.explain.GradCam}
 * chooses the layer, the classes and the score. No ND4J types here.
 */
package org.transfer4j.explain;
