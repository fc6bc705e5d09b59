package org.transfer4j.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Builds .npy files by hand (any version, alignment and dict text) for reader tests. */
final class NpyTestFiles {

    private NpyTestFiles() {
    }

    static byte[] file(int major, int minor, String dict, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            b.putFloat(v);
        }
        return file(major, minor, dict, 64, b.array());
    }

    static byte[] file(int major, int minor, String dict, int align, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            b.putFloat(v);
        }
        return file(major, minor, dict, align, b.array());
    }

    static byte[] file(int major, int minor, String dict, int[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : data) {
            b.putInt(v);
        }
        return file(major, minor, dict, 64, b.array());
    }

    static byte[] file(int major, int minor, String dict, double[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : data) {
            b.putDouble(v);
        }
        return file(major, minor, dict, 64, b.array());
    }

    static byte[] file(int major, int minor, String dict, int dataBytes) {
        return file(major, minor, dict, 64, new byte[dataBytes]);
    }

    /** Magic, version, length (2 bytes for 1.x, 4 otherwise), dict padded with spaces + '\n' to {@code align}. */
    static byte[] file(int major, int minor, String dict, int align, byte[] data) {
        byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + text.length + 1;
        total += (align - total % align) % align;
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, (byte) minor});
        if (major == 1) {
            b.putShort((short) (total - prefix));
        } else {
            b.putInt(total - prefix);
        }
        b.put(text);
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        b.put(data);
        return b.array();
    }

    static String descr(Path f) throws IOException {
        return Npy.readHeader(f).dtype().descr();
    }
}
