package org.transfer4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What made a set of features or a trained model: the one provenance record of transfer4j. A saved model
 * ({@code model.json}), a run's {@code run.json} and a feature cache's key (a subset: base, weights checksum, cut,
 * preprocessing, input size, precision) all carry it with the same JSON names.
 *
 * @param base            the base's name, e.g. {@code vgg16}
 * @param weights         where the base's weights came from, e.g. {@code imagenet (keras)}, or null
 * @param weightsChecksum the checksum of the base's weights
 * @param cutLayer        the layer the frozen prefix ends with
 * @param preprocessing   the preprocessing id, e.g. {@code caffe}
 * @param input           {@code [height, width, channels]}
 * @param precision       the precision the prefix ran in, {@code fp32} or {@code bf16} ({@code fp32} when not recorded)
 * @param versions        library → version, read from the jars on the class path (see {@link #version}), e.g.
 *                        {@code transfer4j}, {@code nd4j}, {@code java}; empty when not recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Provenance(
        @JsonProperty("base") String base,
        @JsonProperty("weights") String weights,
        @JsonProperty("weights_checksum") String weightsChecksum,
        @JsonProperty("cut_layer") String cutLayer,
        @JsonProperty("preprocessing") String preprocessing,
        @JsonProperty("input") List<Integer> input,
        @JsonProperty("precision") String precision,
        @JsonProperty("versions") Map<String, String> versions) {

    /** File name of the run provenance that sits beside {@code history.json}. */
    public static final String RUN_FILE_NAME = "run.json";

    /**
     * @throws NullPointerException without a base, weights checksum or cut layer
     */
    public Provenance {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(weightsChecksum, "weightsChecksum");
        Objects.requireNonNull(cutLayer, "cutLayer");
        input = input == null ? List.of() : List.copyOf(input);
        precision = precision == null ? "fp32" : precision;
        versions = versions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    }

    /**
     * The version of the library that holds {@code anchor}: from the jar's Maven {@code pom.properties}
     * ({@code META-INF/maven/<groupId>/<artifactId>/pom.properties}), else the jar manifest's
     * {@code Implementation-Version}, else {@code "development"} (classes not from a released jar, e.g. a build tree).
     * Read from the jars, never written down by hand.
     */
    public static String version(Class<?> anchor, String groupId, String artifactId) {
        String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest: a version is informative, not worth failing a save for
        }
        Package pkg = anchor.getPackage();
        String v = pkg == null ? null : pkg.getImplementationVersion();
        return v == null ? "development" : v;
    }

    /**
     * Reads a provenance file ({@code run.json}): any JSON object. Top-level keys keep their order; string values are
     * returned as they are, every other value (number, boolean, null, array, object) as its compact JSON text. For
     * reports that show what made a run.
     *
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws HistoryFormatException if the file is not JSON or its root is not an object
     * @throws IOException            if it cannot be read
     */
    public static Map<String, String> readRunInfo(Path runFile) throws IOException {
        JsonNode root = HistoryJson.readTree(HistoryJson.readBytes(runFile, "run information"), runFile);
        if (!root.isObject()) {
            throw new HistoryFormatException(runFile, "run information must be a JSON object; got "
                    + HistoryJson.describe(root), null);
        }
        LinkedHashMap<String, String> info = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode v = field.getValue();
            info.put(field.getKey(), v.isTextual() ? v.textValue() : v.toString());
        }
        return Collections.unmodifiableMap(info);
    }

    /**
     * {@link #readRunInfo} of the {@code run.json} beside {@code historyFile}, or an empty map if there is none.
     *
     * @throws HistoryFormatException if {@code run.json} exists but is not a JSON object
     */
    public static Map<String, String> readRunInfoBeside(Path historyFile) throws IOException {
        Path run = historyFile.toAbsolutePath().resolveSibling(RUN_FILE_NAME);
        return Files.exists(run) ? readRunInfo(run) : Map.of();
    }
}
