package org.transfer4j.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * The Keras golden fixtures: the folder named by the system property {@code transfer4j.fixtures} when it is set,
 * else the repository's own copy {@code testdata/keras}, found from the module folder upwards.
 */
final class Fixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static Path root() {
        String prop = System.getProperty("transfer4j.fixtures");
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-Dtransfer4j.fixtures=" + prop + ": no such folder (" + p + ")");
            }
            return p;
        }
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testdata").resolve("keras");
            if (Files.isDirectory(candidate)) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException("Keras fixtures not found: no testdata/keras in " + start
                + " or any folder above it; set -Dtransfer4j.fixtures=/path/to/fixtures/keras");
    }

    static JsonNode json(String relative) {
        try {
            return JSON.readTree(root().resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Npy npy(String relative) {
        try {
            return Npy.read(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }
}
