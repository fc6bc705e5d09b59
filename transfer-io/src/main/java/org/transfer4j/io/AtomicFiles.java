package org.transfer4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file at the destination: a temporary file (or folder) beside the target,
 * then an atomic rename. Temporary entries get the default permissions (umask), unlike {@code Files.createTemp…},
 * so what is renamed into place is as accessible as anything else the user writes.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** Something that writes a file's content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Runs {@code writer} into a temporary file beside {@code target}, then moves it onto {@code target} atomically.
     *
     * @throws IOException naming the target; the target is unchanged and no temporary file is left behind
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path tmp = tempBeside(target);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            commit(tmp, target);
        } catch (IOException | RuntimeException e) {
            discard(tmp, e);
            if (e instanceof IOException io && io.getMessage() != null && io.getMessage().contains(target.toString())) {
                throw io;
            }
            throw new IOException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** A new empty file {@code .name.<random>.tmp} beside {@code target}. */
    public static Path tempBeside(Path target) throws IOException {
        return tempBeside(target, false);
    }

    /** A new empty file ({@code directory == false}) or folder {@code .name.<random>.tmp} beside {@code target}. */
    public static Path tempBeside(Path target, boolean directory) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                    + ".tmp");
            try {
                return directory ? Files.createDirectory(temp) : Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Moves {@code from} onto {@code to}, replacing it; atomically where the file system allows. */
    public static void commit(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a temporary file, adding any failure to {@code cause} as suppressed. */
    public static void discard(Path temp, Throwable cause) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** Deletes a file or folder tree if present (links are deleted, not followed). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes a tree, adding any failure to {@code cause} as suppressed. */
    public static void deleteTree(Path root, Throwable cause) {
        try {
            deleteTree(root);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
