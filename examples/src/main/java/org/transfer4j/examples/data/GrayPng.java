package org.transfer4j.examples.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * Encodes 8-bit grayscale images as PNG with the same bytes on every JVM and platform: no filtering and
 * "stored" (uncompressed) deflate blocks, so the output does not depend on the zlib build the way
 * {@code Deflater} or ImageIO output can. The files are a little larger than compressed PNGs (a 28×28 image
 * is 880 bytes); jars and git compress them anyway.
 */
final class GrayPng {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int MAX_STORED_BLOCK = 65535;

    private GrayPng() {
    }

    /**
     * Encodes {@code pixels} (row-major, {@code width * height} bytes, 0 = black) as a PNG file.
     *
     * @throws IllegalArgumentException if the sizes do not match
     */
    static byte[] encode(byte[] pixels, int width, int height) {
        if (width < 1 || height < 1 || pixels.length != width * height) {
            throw new IllegalArgumentException("Need width*height = " + width + "*" + height + " pixels; got "
                    + pixels.length);
        }
        byte[] raw = new byte[height * (width + 1)];
        for (int y = 0; y < height; y++) {
            raw[y * (width + 1)] = 0; // filter type None
            System.arraycopy(pixels, y * width, raw, y * (width + 1) + 1, width);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 100);
        out.writeBytes(SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", zlibStored(raw));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] zlibStored(byte[] data) {
        ByteArrayOutputStream z = new ByteArrayOutputStream(data.length + 16);
        z.write(0x78); // deflate, 32K window
        z.write(0x01); // no preset dictionary, fastest; (0x7801 % 31 == 0)
        int pos = 0;
        do {
            int len = Math.min(MAX_STORED_BLOCK, data.length - pos);
            boolean last = pos + len == data.length;
            z.write(last ? 1 : 0); // BFINAL, BTYPE = 00 (stored)
            z.write(len & 0xFF);
            z.write(len >>> 8);
            z.write(~len & 0xFF);
            z.write((~len >>> 8) & 0xFF);
            z.write(data, pos, len);
            pos += len;
        } while (pos < data.length);
        Adler32 adler = new Adler32();
        adler.update(data);
        long a = adler.getValue();
        z.write((int) (a >>> 24) & 0xFF);
        z.write((int) (a >>> 16) & 0xFF);
        z.write((int) (a >>> 8) & 0xFF);
        z.write((int) a & 0xFF);
        return z.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
