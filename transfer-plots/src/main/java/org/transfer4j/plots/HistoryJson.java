package org.transfer4j.plots;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes {@code history.json}: exactly the shape of Keras's {@code History.history}, a JSON object mapping
 * each metric name to an array of per-epoch numbers, e.g.
 * {@code {"loss": [0.69, 0.52], "acc": [0.55, 0.74], "val_loss": [0.61, 0.50], "val_acc": [0.68, 0.76]}}
 * (what {@code json.dump(history.history, f)} writes in Python).
 *
 * <p>Reading accepts what Python's {@code json} module and Jackson write for a missing value: the bare tokens
 * {@code NaN} (Python) or the string {@code "NaN"} (Jackson's default) or {@code null} all become NaN, drawn as a gap.
 * {@code Infinity}, other strings, nested values, an empty array, arrays of different lengths, duplicate keys, a
 * non-object root and trailing content are rejected with a {@link HistoryFormatException} naming the file and key.
 * Writing emits NaN as {@code null}: bare {@code NaN} is not JSON (strict parsers, {@code jq} and browsers reject it),
 * and Python's {@code json.load} reads {@code null} as {@code None}.
 *
 * <p>Provenance (what made the run: model, seed, settings) never goes into {@code history.json}; it lives beside it
 * in {@code run.json}, an arbitrary JSON object that {@link #readRunInfo(Path)} flattens to key/value text for
 * reports.
 *
 * <p>Stateless and thread-safe.
 */
public final class HistoryJson {

    /** File name of the provenance object that may sit beside {@code history.json}. */
    public static final String RUN_FILE_NAME = "run.json";

    private static final JsonMapper READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final JsonMapper WRITER = JsonMapper.builder().build();

    private HistoryJson() {
    }

    /**
     * Reads a Keras-shaped history file.
     *
     * @param file the {@code history.json} to read (UTF-8, or UTF-16/32 as JSON allows)
     * @return the history, series in file order
     * @throws NoSuchFileException     if the file does not exist
     * @throws HistoryFormatException  if the content is not a valid history (see the class comment)
     * @throws IOException             if the file cannot be read
     */
    public static TrainingHistory read(Path file) throws IOException {
        return parse(readBytes(file, "history"), file);
    }

    /**
     * Parses Keras-shaped history JSON text.
     *
     * @param json the JSON text
     * @return the history, series in text order
     * @throws HistoryFormatException if the text is not a valid history (see the class comment)
     */
    public static TrainingHistory parse(String json) throws HistoryFormatException {
        return parse(json.getBytes(StandardCharsets.UTF_8), null);
    }

    private static TrainingHistory parse(byte[] json, Path file) throws HistoryFormatException {
        JsonNode root = readTree(json, file);
        if (!root.isObject()) {
            throw new HistoryFormatException(file, "a history must be a JSON object mapping metric name to an array"
                    + " of per-epoch numbers, like Keras's history.history; got " + describe(root), null);
        }
        if (root.isEmpty()) {
            throw new HistoryFormatException(file, "the history object has no metrics; expected keys such as"
                    + " 'loss', 'acc', 'val_loss', 'val_acc'", null);
        }
        TrainingHistory history = TrainingHistory.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            double[] values = values(field.getKey(), field.getValue(), file);
            try {
                history = history.with(field.getKey(), values);
            } catch (IllegalArgumentException e) {
                throw new HistoryFormatException(file, e.getMessage(), e);
            }
        }
        return history;
    }

    private static double[] values(String key, JsonNode node, Path file) throws HistoryFormatException {
        if (!node.isArray()) {
            throw new HistoryFormatException(file, "metric '" + key + "' must be an array of per-epoch numbers; got "
                    + describe(node), null);
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (v.isNumber()) {
                values[i] = v.doubleValue();
            } else if (v.isNull() || (v.isTextual() && v.textValue().equals("NaN"))) {
                values[i] = Double.NaN;
            } else {
                throw new HistoryFormatException(file, "metric '" + key + "' has " + describe(v) + " at epoch "
                        + (i + 1) + "; values must be numbers (NaN or null for a missing value)", null);
            }
        }
        return values;
    }

    /**
     * Writes a history as Keras-shaped JSON, atomically (temporary file, then rename).
     *
     * @param history the history to write
     * @param file    the target, replaced if it exists; its directory must exist
     * @throws IOException if the file cannot be written
     */
    public static void write(TrainingHistory history, Path file) throws IOException {
        AtomicFiles.write(file, toJson(history));
    }

    /**
     * The Keras-shaped JSON text of a history (compact, as Python's {@code json.dumps}; NaN as {@code null}).
     *
     * @param history the history
     * @return JSON text
     */
    public static String toJson(TrainingHistory history) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = WRITER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, double[]> e : history.toMap().entrySet()) {
                g.writeFieldName(e.getKey());
                g.writeStartArray();
                for (double v : e.getValue()) {
                    if (Double.isFinite(v)) {
                        g.writeNumber(v);
                    } else {
                        g.writeNull();
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toString();
    }

    /**
     * Reads the provenance {@code run.json} beside a history file, if there is one.
     *
     * @param historyFile the {@code history.json}
     * @return the flattened run information (see {@link #readRunInfo(Path)}), or an empty map if there is no
     *         {@code run.json} beside it
     * @throws HistoryFormatException if {@code run.json} exists but is not a JSON object
     * @throws IOException            if it cannot be read
     */
    public static Map<String, String> readRunInfoBeside(Path historyFile) throws IOException {
        Path run = historyFile.toAbsolutePath().resolveSibling(RUN_FILE_NAME);
        return Files.exists(run) ? readRunInfo(run) : Map.of();
    }

    /**
     * Reads a provenance file: any JSON object. Top-level keys keep their order; string values are returned as they
     * are, every other value (number, boolean, null, array, object) as its compact JSON text.
     *
     * @param runFile the {@code run.json}
     * @return key to value text, unmodifiable
     * @throws NoSuchFileException    if the file does not exist
     * @throws HistoryFormatException if the file is not JSON or its root is not an object
     * @throws IOException            if it cannot be read
     */
    public static Map<String, String> readRunInfo(Path runFile) throws IOException {
        JsonNode root = readTree(readBytes(runFile, "run information"), runFile);
        if (!root.isObject()) {
            throw new HistoryFormatException(runFile, "run information must be a JSON object; got "
                    + describe(root), null);
        }
        LinkedHashMap<String, String> info = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode v = field.getValue();
            info.put(field.getKey(), v.isTextual() ? v.textValue() : v.toString());
        }
        return Collections.unmodifiableMap(info);
    }

    private static byte[] readBytes(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such " + what + " file");
        }
        if (Files.isDirectory(file)) {
            throw new HistoryFormatException(file, "is a directory; expected a " + what + " JSON file", null);
        }
        return Files.readAllBytes(file);
    }

    /** Jackson detects the encoding (UTF-8, or UTF-16/32 with or without BOM) and reports malformed bytes. */
    private static JsonNode readTree(byte[] json, Path file) throws HistoryFormatException {
        JsonNode root;
        try {
            root = READER.readTree(json);
        } catch (JacksonException e) {
            throw new HistoryFormatException(file, "not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory failed", e);
        }
        if (root == null || root.isMissingNode()) {
            throw new HistoryFormatException(file, "not JSON: the content is empty", null);
        }
        return root;
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array " + text;
            case OBJECT -> "an object " + text;
            case STRING -> "a string " + text;
            case BOOLEAN -> "a boolean " + text;
            case NULL -> "null";
            case NUMBER -> "a number " + text;
            default -> text;
        };
    }
}
