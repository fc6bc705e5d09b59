package org.transfer4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.internal.io.FileLocks;
import org.transfer4j.io.AtomicFiles;

/**
 * Downloads a file over HTTP(S) so that it can be trusted: bytes go to {@code name.part} beside the target,
 * an interrupted download resumes from where it stopped (HTTP {@code Range} requests, both after a dropped
 * connection within one call and across runs), the result is checked against the server's size and an
 * optional {@link Checksum} (SHA-256 or MD5), and only then renamed atomically to the target. Like Keras's
 * {@code get_file} with a {@code file_hash}, but resumable. The one downloader of the project: datasets and
 * ImageNet weights both come through it.
 *
 * <p>A failed local write (a full disk) is not retried: it fails at once naming the target, and the partial file
 * is deleted so that the disk is not left full. A network failure keeps the partial file for the next attempt.
 *
 * <p>Concurrent downloads of the same target, from threads or from other processes, are serialized by the lock
 * file {@code name.lock} (left in place; it is empty): the second caller waits, then finds the finished target and
 * returns it. A target that already exists is returned without a request (after verifying it, when a checksum is
 * given).
 *
 * <p>Immutable and thread-safe; the {@code with…} methods return new instances.
 *
 * @param maxAttempts    requests allowed to fail in a row (a request that delivered bytes resets the count), ≥ 1
 * @param retryDelay     pause before retrying after a failure, ≥ 0
 * @param connectTimeout connection timeout, &gt; 0
 * @param readTimeout    timeout for each read of the response, &gt; 0
 * @param progress       progress receiver
 */
public record Downloader(int maxAttempts, Duration retryDelay, Duration connectTimeout, Duration readTimeout,
                         DownloadProgress progress) {

    private static final Logger LOG = LoggerFactory.getLogger(Downloader.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)");

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public Downloader {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1; got " + maxAttempts);
        }
        if (retryDelay == null || retryDelay.isNegative()) {
            throw new IllegalArgumentException("retryDelay must be >= 0; got " + retryDelay);
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be > 0; got " + connectTimeout);
        }
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout must be > 0; got " + readTimeout);
        }
        if (progress == null) {
            throw new IllegalArgumentException("progress must not be null; use DownloadProgress.NONE");
        }
    }

    /** 5 attempts, 2 s between them, 30 s connect and 60 s read timeouts, no progress output. */
    public static Downloader defaults() {
        return new Downloader(5, Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60),
                DownloadProgress.NONE);
    }

    /** A copy with another number of attempts. */
    public Downloader withMaxAttempts(int attempts) {
        return new Downloader(attempts, retryDelay, connectTimeout, readTimeout, progress);
    }

    /** A copy with another retry delay. */
    public Downloader withRetryDelay(Duration delay) {
        return new Downloader(maxAttempts, delay, connectTimeout, readTimeout, progress);
    }

    /** A copy with other timeouts. */
    public Downloader withTimeouts(Duration connect, Duration read) {
        return new Downloader(maxAttempts, retryDelay, connect, read, progress);
    }

    /** A copy reporting to {@code receiver}. */
    public Downloader withProgress(DownloadProgress receiver) {
        return new Downloader(maxAttempts, retryDelay, connectTimeout, readTimeout, receiver);
    }

    /**
     * Downloads {@code uri} to {@code target} without checksum verification.
     *
     * @see #download(URI, Path, Optional)
     */
    public Path download(URI uri, Path target) throws IOException {
        return download(uri, target, Optional.empty());
    }

    /**
     * Downloads {@code uri} to {@code target} (parent directories are created), resuming a {@code .part}
     * file left by an earlier attempt, and verifies it.
     *
     * @param uri      an {@code http} or {@code https} URL
     * @param target   the final file
     * @param expected the checksum the file must have, if known
     * @return {@code target}
     * @throws IllegalArgumentException if the URL is not http(s)
     * @throws DownloadException        on an HTTP error status, when {@code maxAttempts} requests in a row fail,
     *                                  or when the size or checksum does not match (the {@code .part} file is
     *                                  then deleted)
     * @throws IOException              if local files cannot be written
     */
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    public Path download(URI uri, Path target, Optional<Checksum> expected) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("Only http and https URLs can be downloaded; got " + uri);
        }
        Path abs = target.toAbsolutePath().normalize();
        Files.createDirectories(abs.getParent());
        try (FileLocks.Held lock = FileLocks.acquire(lockFile(abs), "the download of " + abs)) {
            if (Files.isRegularFile(abs)) {
                verifyExisting(abs, expected);
                LOG.info("Using existing {}", abs);
                return target;
            }
            Path part = abs.resolveSibling(abs.getFileName() + ".part");
            fetch(uri, part, abs);
            verifyDownloaded(uri, part, expected);
            AtomicFiles.commit(part, abs);
            return target;
        }
    }

    /** The lock file that serialises downloads of {@code target} (and anything else that writes it). */
    public static Path lockFile(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".lock");
    }

    private static void verifyExisting(Path file, Optional<Checksum> expected) throws IOException {
        if (expected.isPresent()) {
            Checksum actual = expected.get().compute(file);
            if (!actual.equals(expected.get())) {
                throw new DownloadException("Existing file " + file + " has " + actual + " but "
                        + expected.get().hex() + " was expected; delete it to download it again");
            }
        }
    }

    private static void verifyDownloaded(URI uri, Path part, Optional<Checksum> expected) throws IOException {
        if (expected.isPresent()) {
            Checksum actual = expected.get().compute(part);
            if (!actual.equals(expected.get())) {
                Files.deleteIfExists(part);
                throw new DownloadException("Download of " + uri + " failed verification: " + actual + ", but "
                        + expected.get().hex() + " was expected; the partial file was deleted");
            }
        }
    }

    /**
     * Fills {@code part} with the whole resource, resuming and retrying as needed. A failed local write deletes
     * {@code part} and is reported naming {@code target}.
     */
    private void fetch(URI uri, Path part, Path target) throws IOException {
        try {
            fetchInto(uri, part, target.getFileName().toString());
        } catch (LocalWriteException e) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw new IOException("cannot write " + target + " (temporary file " + part + "): "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    private void fetchInto(URI uri, Path part, String name) throws IOException {
        int failures = 0;
        FileChannel opened;
        try {
            opened = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new LocalWriteException(e);
        }
        try (FileChannel out = opened) {
            while (true) {
                long before = out.size();
                try {
                    if (attempt(uri, out, name)) {
                        try {
                            out.force(true);
                        } catch (IOException e) {
                            throw new LocalWriteException(e);
                        }
                        return;
                    }
                    failures++; // the server answered a resume badly; start over, but not forever
                    if (failures >= maxAttempts) {
                        throw new DownloadException("Download of " + uri + " restarted " + failures
                                + " times because the server answered range requests inconsistently");
                    }
                } catch (RetryableException e) {
                    failures = out.size() > before ? 1 : failures + 1;
                    if (failures >= maxAttempts) {
                        throw new DownloadException("Download of " + uri + " failed " + failures
                                + " times in a row; " + out.size() + " bytes are kept in " + part
                                + " and the next run resumes from there. Last error: " + e.getMessage(), e.getCause());
                    }
                    LOG.warn("Download of {} interrupted at {} bytes ({}); retrying", uri, out.size(), e.getMessage());
                    sleep(retryDelay);
                }
            }
        }
    }

    /**
     * One request. Returns true when the part file is complete, false to restart from scratch without counting
     * a failure; throws {@link RetryableException} for network failures worth retrying.
     */
    private boolean attempt(URI uri, FileChannel out, String name) throws IOException {
        long have = out.size();
        HttpURLConnection conn;
        try {
            URLConnection c = uri.toURL().openConnection();
            conn = (HttpURLConnection) c;
        } catch (IOException e) {
            throw new RetryableException("cannot open " + uri + ": " + e, e);
        }
        conn.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        conn.setReadTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
        conn.setInstanceFollowRedirects(true);
        conn.setRequestProperty("Accept-Encoding", "identity");
        if (have > 0) {
            conn.setRequestProperty("Range", "bytes=" + have + "-");
        }
        try {
            int code;
            try {
                code = conn.getResponseCode();
            } catch (IOException e) {
                throw new RetryableException("request failed: " + e, e);
            }
            long expectedEnd; // exclusive end offset of this response's body, or -1 if unknown
            OptionalLong total;
            if (code == HttpURLConnection.HTTP_OK) {
                if (have > 0) {
                    LOG.info("Server ignored the range request for {}; downloading from the start", uri);
                    out.truncate(0);
                    have = 0;
                }
                long len = conn.getContentLengthLong();
                expectedEnd = len;
                total = len >= 0 ? OptionalLong.of(len) : OptionalLong.empty();
            } else if (code == HttpURLConnection.HTTP_PARTIAL) {
                String range = conn.getHeaderField("Content-Range");
                Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
                if (m == null || !m.matches() || Long.parseLong(m.group(1)) != have) {
                    LOG.warn("Unexpected Content-Range '{}' for a request from byte {} of {}; restarting", range,
                            have, uri);
                    out.truncate(0);
                    return false;
                }
                expectedEnd = Long.parseLong(m.group(2)) + 1;
                total = m.group(3).equals("*") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(m.group(3)));
            } else if (code == 416 && have > 0) {
                String range = conn.getHeaderField("Content-Range");
                Matcher m = range == null ? null : UNSATISFIED_RANGE.matcher(range.trim());
                if (m != null && m.matches() && Long.parseLong(m.group(1)) == have) {
                    return true; // the part file was already complete
                }
                LOG.warn("Server rejected a resume from byte {} of {} ({}); restarting", have, uri, range);
                out.truncate(0);
                return false;
            } else if (code >= 500 || code == 408 || code == 429) {
                throw new RetryableException("HTTP " + code + " " + conn.getResponseMessage(), null);
            } else {
                throw new DownloadException("GET " + uri + " returned HTTP " + code + " "
                        + (conn.getResponseMessage() == null ? "" : conn.getResponseMessage())
                        + (code == 401 || code == 403 ? " (the file may need a login; download it in a browser "
                        + "and pass the local file instead)" : ""));
            }
            progress.update(name, have, total);
            long pos = have;
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            try (InputStream in = conn.getInputStream()) {
                while (true) {
                    int n = in.read(buf.array());
                    if (n < 0) {
                        break;
                    }
                    buf.clear().limit(n);
                    try {
                        while (buf.hasRemaining()) {
                            pos += out.write(buf, pos);
                        }
                    } catch (IOException e) {
                        throw new LocalWriteException(e);
                    }
                    progress.update(name, pos, total);
                }
            } catch (LocalWriteException e) {
                throw e;
            } catch (IOException e) {
                throw new RetryableException("connection lost after " + pos + " bytes: " + e, e);
            }
            if (expectedEnd >= 0 && pos < expectedEnd) {
                throw new RetryableException("connection closed after " + pos + " of " + expectedEnd + " bytes",
                        null);
            }
            if (expectedEnd >= 0 && pos > expectedEnd) {
                out.truncate(0);
                throw new DownloadException("GET " + uri + " sent " + pos + " bytes but announced " + expectedEnd);
            }
            if (total.isPresent() && pos < total.getAsLong()) {
                return attempt(uri, out, name); // a partial answer: ask for the rest
            }
            return true;
        } finally {
            conn.disconnect();
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting to retry a download");
        }
    }

    /** A write to the partial file failed (e.g. the disk is full): not worth another request. */
    private static final class LocalWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        LocalWriteException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A failure worth another request. */
    private static final class RetryableException extends IOException {
        private static final long serialVersionUID = 1L;

        RetryableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
