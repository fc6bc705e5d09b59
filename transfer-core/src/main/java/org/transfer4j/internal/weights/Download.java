package org.transfer4j.internal.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.internal.io.AtomicFiles;

/** Verified downloads into a temporary file, moved atomically into place. */
public final class Download {
    private static final Logger LOG = LoggerFactory.getLogger(Download.class);
    private static final int CONNECT_TIMEOUT_MS = 15_000;
    private static final int READ_TIMEOUT_MS = 60_000;

    private Download() {
    }

    /**
     * Downloads {@code url} to {@code target}: bytes go to a temporary file beside it, which is checked for
     * {@code size} bytes and the MD5 {@code md5} and only then moved onto {@code target}. Progress is logged.
     *
     * @throws IOException naming the URL and the reason (a failed local write, e.g. a full disk, also names
     *                     {@code target}); {@code target} is untouched and no temporary file is left
     */
    public static void to(URI url, Path target, long size, String md5) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = AtomicFiles.tempBeside(target);
        try {
            URLConnection connection = url.toURL().openConnection();
            connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
            connection.setReadTimeout(READ_TIMEOUT_MS);
            if (connection instanceof HttpURLConnection http) {
                int code = http.getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    throw new IOException("HTTP " + code + " from " + url);
                }
            }
            long total = connection.getContentLengthLong() > 0 ? connection.getContentLengthLong() : size;
            LOG.info("Downloading {} ({} bytes) to {}", url, total, target);
            try (InputStream in = connection.getInputStream()) {
                copyWithProgress(in, tmp, target, total);
            }
            String problem = verify(tmp, size, md5);
            if (problem != null) {
                throw new IOException("downloaded file from " + url + " failed verification: " + problem);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("Saved {}", target);
        } catch (IOException e) {
            throw new IOException(e.getMessage() == null || !e.getMessage().contains(url.toString())
                    ? "cannot download " + url + ": " + e : e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Copies {@code in} to {@code tmp}; a failed write or close (e.g. a full disk) is reported naming {@code target}
     * and {@code tmp}, a failed read as it is.
     */
    private static void copyWithProgress(InputStream in, Path tmp, Path target, long total) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long done = 0;
        long start = System.nanoTime();
        long lastLog = start;
        OutputStream out;
        try {
            out = Files.newOutputStream(tmp);
        } catch (IOException e) {
            throw cannotWrite(tmp, target, e);
        }
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    throw cannotWrite(tmp, target, e);
                }
                done += n;
                long now = System.nanoTime();
                if (now - lastLog > 2_000_000_000L) {
                    lastLog = now;
                    double seconds = (now - start) / 1e9;
                    double rate = done / seconds;
                    double eta = total > done ? (total - done) / rate : 0;
                    LOG.info(String.format(Locale.ROOT, "  %.1f / %.1f MB (%.0f%%), %.1f MB/s, ETA %.0f s",
                            done / 1e6, total / 1e6, 100.0 * done / total, rate / 1e6, eta));
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                out.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        try {
            out.close();
        } catch (IOException e) {
            throw cannotWrite(tmp, target, e);
        }
    }

    private static IOException cannotWrite(Path tmp, Path target, IOException e) {
        return new IOException("cannot write " + target + " (temporary file " + tmp + "): " + e.getMessage(), e);
    }

    /** Null if {@code file} has {@code size} bytes and MD5 {@code md5}; otherwise what is wrong. */
    public static String verify(Path file, long size, String md5) throws IOException {
        long actual = Files.size(file);
        if (actual != size) {
            return "size " + actual + " bytes, expected " + size;
        }
        String digest = md5(file);
        if (!digest.equalsIgnoreCase(md5)) {
            return "MD5 " + digest + ", expected " + md5;
        }
        return null;
    }

    /** Hex MD5 of a file. */
    public static String md5(Path file) throws IOException {
        return digest(file, "MD5");
    }

    /** Hex digest of a file. */
    public static String digest(Path file, String algorithm) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
