package org.transfer4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal test-only reader of NumPy {@code .npy} files (format 1.x/2.x, C order, {@code <f4} or {@code |u1}). */
public final class Npy {

    /** @param shape dimensions; @param data values as float (uint8 widened) */
    public record Array(int[] shape, float[] data) {
    }

    private Npy() {
    }

    public static Array read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || (b[0] & 0xFF) != 0x93 || b[1] != 'N') {
            throw new IOException("not an .npy file: " + file);
        }
        int major = b[6];
        int headerLen;
        int start;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            start = 10;
        } else {
            headerLen = bb.getInt(8);
            start = 12;
        }
        String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher descr = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
        Matcher shape = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
        if (!descr.find() || !shape.find() || header.contains("'fortran_order': True")) {
            throw new IOException("unsupported .npy header in " + file + ": " + header);
        }
        String[] parts = shape.group(1).split(",");
        int count = 0;
        for (String p : parts) {
            if (!p.isBlank()) {
                count++;
            }
        }
        int[] dims = new int[count];
        int k = 0;
        long n = 1;
        for (String p : parts) {
            if (!p.isBlank()) {
                dims[k] = Integer.parseInt(p.trim());
                n *= dims[k++];
            }
        }
        int off = start + headerLen;
        float[] out = new float[(int) n];
        switch (descr.group(1)) {
            case "<f4" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = bb.getFloat(off + 4 * i);
                }
            }
            case "|u1" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b[off + i] & 0xFF;
                }
            }
            default -> throw new IOException("unsupported dtype " + descr.group(1) + " in " + file);
        }
        return new Array(dims, out);
    }
}
