package org.transfer4j.datasets;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temp-then-rename helpers for this package. */
final class AtomicFiles {

    private AtomicFiles() {
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Creates a new empty file ({@code directory == false}) or directory {@code .name.<random>.tmp} beside
     * {@code target}. Unlike {@code Files.createTemp…} it gets the default permissions (umask), so what is
     * renamed into place later is as accessible as anything else the user writes.
     */
    static Path tempBeside(Path target, boolean directory) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                    + ".tmp");
            try {
                return directory ? Files.createDirectory(temp) : Files.createFile(temp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Renames {@code source} to {@code target}, replacing a file; atomically where the file system allows. */
    static void moveReplacing(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a file or directory tree if present. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes a tree, adding any failure to {@code cause} as suppressed. */
    static void deleteTree(Path root, Throwable cause) {
        try {
            deleteTree(root);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
