package org.transfer4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A file digest in lower-case hex, as download sources publish them: SHA-256 (Keras's {@code get_file(file_hash=)},
 * dataset archives) or MD5 (Keras's VGG16 weights). Used to verify downloads, archives and cached weights.
 *
 * @param algorithm the digest algorithm
 * @param hex       the digest ({@link Algorithm#hexDigits()} hex digits, stored lower-case)
 */
public record Checksum(Algorithm algorithm, String hex) {

    /** The digest algorithms sources publish. */
    public enum Algorithm {
        /** MD5: 32 hex digits. */
        MD5("MD5", 32),
        /** SHA-256: 64 hex digits. */
        SHA256("SHA-256", 64);

        private final String javaName;
        private final int hexDigits;

        Algorithm(String javaName, int hexDigits) {
            this.javaName = javaName;
            this.hexDigits = hexDigits;
        }

        /** The name people and {@link MessageDigest} use: {@code MD5}, {@code SHA-256}. */
        public String displayName() {
            return javaName;
        }

        /** The length of a digest in hex digits. */
        public int hexDigits() {
            return hexDigits;
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(javaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(javaName + " is required of every Java platform", e);
            }
        }
    }

    /**
     * Validates and normalises the digest.
     *
     * @throws IllegalArgumentException if {@code hex} is not a digest of {@code algorithm}
     */
    public Checksum {
        Objects.requireNonNull(algorithm, "algorithm");
        if (hex == null || !hex.matches("(?i)[0-9a-f]{" + algorithm.hexDigits() + "}")) {
            throw new IllegalArgumentException("A " + algorithm.displayName() + " checksum is "
                    + algorithm.hexDigits() + " hex digits; got '" + hex + "'");
        }
        hex = hex.toLowerCase(Locale.ROOT);
    }

    /**
     * A SHA-256 digest.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 hex digits
     */
    public static Checksum sha256(String hex) {
        return new Checksum(Algorithm.SHA256, hex);
    }

    /**
     * An MD5 digest.
     *
     * @throws IllegalArgumentException if {@code hex} is not 32 hex digits
     */
    public static Checksum md5(String hex) {
        return new Checksum(Algorithm.MD5, hex);
    }

    /**
     * Computes the digest of a file.
     *
     * @throws IOException if the file cannot be read
     */
    public static Checksum of(Path file, Algorithm algorithm) throws IOException {
        MessageDigest md = algorithm.newDigest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return new Checksum(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    /** Computes the digest of bytes. */
    public static Checksum of(byte[] bytes, Algorithm algorithm) {
        return new Checksum(algorithm, HexFormat.of().formatHex(algorithm.newDigest().digest(bytes)));
    }

    /**
     * Computes this checksum's algorithm over a file, for comparing with this one.
     *
     * @throws IOException if the file cannot be read
     */
    public Checksum compute(Path file) throws IOException {
        return of(file, algorithm);
    }

    /** {@code SHA-256 0123…} / {@code MD5 6d6b…}. */
    @Override
    public String toString() {
        return algorithm.displayName() + " " + hex;
    }
}
