package org.transfer4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the Keras golden fixtures: the folder named by the system property {@code transfer4j.fixtures} when it is
 * set, else the repository's own copy {@code testdata/keras} (see its README), found from the module folder upwards.
 */
public final class Fixtures {

    /** The system property that names another fixture set of the same format. */
    public static final String PROPERTY = "transfer4j.fixtures";
    /** The in-repository copy, relative to the project root. */
    public static final Path IN_REPO = Path.of("testdata", "keras");

    private Fixtures() {
    }

    /** The fixture root; fails with a clear message when it does not exist. */
    public static Path root() {
        return locate(PROPERTY, IN_REPO, "Keras fixtures", "/path/to/fixtures/keras");
    }

    /**
     * A test-data folder: {@code -D<property>=DIR} if given (it must exist), else {@code inRepo} in the working folder
     * or the nearest folder above it that has one.
     *
     * @throws IllegalStateException naming {@code what}, where it looked and the property to set
     */
    public static Path locate(String property, Path inRepo, String what, String example) {
        String prop = System.getProperty(property);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-D" + property + "=" + prop + ": no such folder (" + p + ")");
            }
            return p;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(inRepo);
            if (Files.isDirectory(candidate)) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException(what + " not found: no " + inRepo + " in " + start
                + " or any folder above it; pass -D" + property + "=" + example);
    }
}
