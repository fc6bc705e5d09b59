package org.transfer4j.augment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-only reader for NumPy .npy files: format 1.0, C order, dtype '<f4' or '|u1'. */
record Npy(int[] shape, float[] data) {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static Npy read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = buf.get();
        int minor = buf.get();
        if (major != 1 || minor != 0) {
            throw new IOException(file + ": .npy format " + major + "." + minor + "; only 1.0 is supported");
        }
        int headerLen = Short.toUnsignedInt(buf.getShort());
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        buf.position(10 + headerLen);
        String descr = group(DESCR, header, file);
        if (!group(FORTRAN, header, file).equals("False")) {
            throw new IOException(file + ": Fortran order is not supported");
        }
        String dims = group(SHAPE, header, file).trim();
        int[] shape = dims.isEmpty() ? new int[0]
                : Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[n];
        switch (descr) {
            case "<f4" -> {
                for (int i = 0; i < n; i++) {
                    data[i] = buf.getFloat();
                }
            }
            case "|u1" -> {
                for (int i = 0; i < n; i++) {
                    data[i] = Byte.toUnsignedInt(buf.get());
                }
            }
            default -> throw new IOException(file + ": dtype " + descr + " is not supported ('<f4', '|u1')");
        }
        return new Npy(shape, data);
    }

    /** The array as an HWC image; a 2-D array becomes one channel. */
    HwcImage image() {
        if (shape.length == 3) {
            return new HwcImage(shape[0], shape[1], shape[2], data);
        }
        if (shape.length == 2) {
            return new HwcImage(shape[0], shape[1], 1, data);
        }
        throw new IllegalStateException("not an image: shape " + Arrays.toString(shape));
    }

    private static String group(Pattern p, String header, Path file) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": header lacks " + p.pattern() + ": " + header);
        }
        return m.group(1);
    }
}
