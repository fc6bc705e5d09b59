package org.transfer4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the Keras golden fixtures: system property {@code transfer4j.fixtures}, else
 * {@code ../shared/fixtures/keras} relative to the project root (tried from the module folder too).
 */
public final class Fixtures {

    private Fixtures() {
    }

    /** The fixture root; fails with a clear message when it does not exist. */
    public static Path root() {
        String prop = System.getProperty("transfer4j.fixtures");
        Path p;
        if (prop != null && !prop.isBlank()) {
            p = Path.of(prop);
        } else {
            p = Path.of("../shared/fixtures/keras");
            if (!Files.isDirectory(p)) {
                p = Path.of("../../shared/fixtures/keras");
            }
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("Keras fixtures not found at " + p.toAbsolutePath()
                    + "; pass -Dtransfer4j.fixtures=/path/to/fixtures/keras");
        }
        return p;
    }
}
