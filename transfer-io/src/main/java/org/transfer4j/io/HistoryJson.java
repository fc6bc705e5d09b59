package org.transfer4j.io;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * {@code history.json} in exactly the shape of Keras's {@code History.history}, read strictly and written compactly
 * with NaN as {@code null} (see {@link History#readJson} and {@link History#toJson}); also the tree reading that
 * {@link Provenance#readRunInfo} shares. Stateless and thread-safe.
 */
final class HistoryJson {
    private static final JsonMapper READER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final JsonMapper WRITER = JsonMapper.builder().build();

    private HistoryJson() {
    }

    static History read(Path file) throws IOException {
        return parse(readBytes(file, "history"), file);
    }

    static History parse(String json) throws HistoryFormatException {
        return parse(json.getBytes(StandardCharsets.UTF_8), null);
    }

    static History parse(byte[] json, Path file) throws HistoryFormatException {
        JsonNode root = readTree(json, file);
        if (!root.isObject()) {
            throw new HistoryFormatException(file, "a history must be a JSON object mapping metric name to an array"
                    + " of per-epoch numbers, like Keras's history.history; got " + describe(root), null);
        }
        if (root.isEmpty()) {
            throw new HistoryFormatException(file, "the history object has no metrics; expected keys such as"
                    + " 'loss', 'acc', 'val_loss', 'val_acc'", null);
        }
        History history = History.empty();
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

    static String write(History history) {
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

    static byte[] readBytes(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such " + what + " file");
        }
        if (Files.isDirectory(file)) {
            throw new HistoryFormatException(file, "is a directory; expected a " + what + " JSON file", null);
        }
        return Files.readAllBytes(file);
    }

    /** Jackson detects the encoding (UTF-8, or UTF-16/32 with or without BOM) and reports malformed bytes. */
    static JsonNode readTree(byte[] json, Path file) throws HistoryFormatException {
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

    static String describe(JsonNode node) {
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
