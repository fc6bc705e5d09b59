package org.transfer4j.internal.image;

/**
 * What the header of an image file says, read without decoding pixels.
 *
 * @param format   container format
 * @param width    columns
 * @param height   rows
 * @param channels samples per pixel as stored (1 gray/palette, 3 colour, 4 CMYK or colour + alpha)
 * @param hasAlpha whether the stored image carries an alpha channel Pillow would keep (RGBA / LA / tRNS)
 */
public record ImageHeader(ImageFormat format, int width, int height, int channels, boolean hasAlpha) {

    /** width x height. */
    public long pixels() {
        return (long) width * height;
    }
}
