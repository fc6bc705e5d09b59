package org.transfer4j.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * The Keras golden fixtures: root from the system property {@code transfer4j.fixtures}, else
 * {@code ../shared/fixtures/keras} relative to the project root (this module's parent directory).
 */
final class Fixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static Path root() {
        String prop = System.getProperty("transfer4j.fixtures");
        List<Path> candidates = prop != null && !prop.isBlank()
                ? List.of(Paths.get(prop))
                : List.of(Paths.get("..", "shared", "fixtures", "keras"), Paths.get("..", "..", "shared", "fixtures", "keras"));
        for (Path p : candidates) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("Keras fixtures not found at " + candidates
                + "; set -Dtransfer4j.fixtures=/path/to/fixtures/keras");
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
