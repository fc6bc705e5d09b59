package org.transfer4j.internal.image;

/**
 * An 8-bit image in HWC order with channels in RGB(A) order: 1 = L, 2 = LA, 3 = RGB, 4 = RGBA.
 *
 * @param height   rows
 * @param width    columns
 * @param channels 1..4
 * @param data     {@code height * width * channels} unsigned bytes
 */
public record RawImage(int height, int width, int channels, byte[] data) {
}
