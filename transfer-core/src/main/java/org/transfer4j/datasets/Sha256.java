package org.transfer4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A SHA-256 digest as 64 lower-case hex digits, used to verify downloads and archives.
 *
 * @param hex the digest, 64 hex digits (stored lower-case)
 */
public record Sha256(String hex) {

    /**
     * Validates and normalizes the digest.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 hex digits
     */
    public Sha256 {
        if (hex == null || !hex.matches("(?i)[0-9a-f]{64}")) {
            throw new IllegalArgumentException("A SHA-256 checksum is 64 hex digits; got '" + hex + "'");
        }
        hex = hex.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a digest.
     *
     * @throws IllegalArgumentException if {@code hex} is not 64 hex digits
     */
    public static Sha256 of(String hex) {
        return new Sha256(hex);
    }

    /**
     * Computes the digest of a file.
     *
     * @throws IOException if the file cannot be read
     */
    public static Sha256 of(Path file) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        }
        return new Sha256(HexFormat.of().formatHex(md.digest()));
    }

    /** Computes the digest of bytes. */
    public static Sha256 of(byte[] bytes) {
        return new Sha256(HexFormat.of().formatHex(digest().digest(bytes)));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return hex;
    }
}
