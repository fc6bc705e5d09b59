package org.transfer4j.internal.image;

/** Container formats recognised from a file's first bytes. */
public enum ImageFormat {
    PNG, JPEG, BMP, PNM, TIFF, GIF
}
