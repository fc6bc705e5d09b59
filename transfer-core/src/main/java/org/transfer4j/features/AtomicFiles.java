package org.transfer4j.features;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Temp-file-then-rename helpers for this package. */
final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Creates an empty temp file {@code .name.<random>.tmp} beside {@code target} (same directory, so the final
     * rename is atomic). Unlike {@code Files.createTempFile} it gets the default permissions (umask), so the
     * renamed file is as readable as any other file the user writes.
     */
    static Path tempBeside(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                    + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** Renames {@code temp} to {@code target}, replacing it; atomically where the file system allows. */
    static void commit(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes {@code temp} if present, adding any failure to {@code cause} as suppressed. */
    static void discard(Path temp, Throwable cause) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
