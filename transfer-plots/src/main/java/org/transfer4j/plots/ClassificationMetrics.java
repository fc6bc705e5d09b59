package org.transfer4j.plots;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.transfer4j.io.HistoryFormatException;

/**
 * One split's evaluation as a run's {@code metrics.json} holds it (scikit-learn's {@code classification_report}
 * beside Keras's metrics), for the HTML report: accuracy, loss, top-k accuracy, ROC-AUC, the confusion matrix with
 * class names, and precision / recall / F1 / support per class with macro and weighted averages. JSON {@code null}
 * (an undefined value) reads as NaN.
 *
 * @param split        e.g. {@code test}
 * @param classNames   class names in index order
 * @param confusion    {@code confusion[true][predicted]}
 * @param precision    per class
 * @param recall       per class
 * @param f1           per class
 * @param support      per class
 * @param accuracy     fraction correct
 * @param loss         mean cross-entropy
 * @param topKLabel    e.g. {@code top_5_acc}, or null
 * @param topK         its value, or NaN
 * @param rocAuc       binary ROC-AUC, or the macro mean of one-vs-rest ROC-AUCs
 * @param macro        precision, recall, F1 averaged over classes
 * @param weighted     the same weighted by support
 */
public record ClassificationMetrics(String split, List<String> classNames, long[][] confusion, double[] precision,
        double[] recall, double[] f1, long[] support, double accuracy, double loss, String topKLabel, double topK,
        double rocAuc, double[] macro, double[] weighted) {

    /** File name of the metrics beside {@code history.json}. */
    public static final String FILE_NAME = "metrics.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Reads {@code metrics.json} beside a history file: split name → metrics, in file order; empty if there is no
     * such file. Splits without a confusion matrix are left out.
     *
     * @throws HistoryFormatException if the file is not a JSON object of splits
     * @throws IOException            if it cannot be read
     */
    public static Map<String, ClassificationMetrics> readBeside(Path historyFile) throws IOException {
        Path file = historyFile.toAbsolutePath().resolveSibling(FILE_NAME);
        return Files.exists(file) ? read(file) : Map.of();
    }

    /**
     * Reads a {@code metrics.json}: split name → metrics.
     *
     * @throws HistoryFormatException if the file is not a JSON object of splits
     * @throws IOException            if it cannot be read
     */
    public static Map<String, ClassificationMetrics> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new HistoryFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new HistoryFormatException(file, "metrics must be a JSON object of splits", null);
        }
        Map<String, ClassificationMetrics> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode m = e.getValue();
            if (!m.isObject() || !m.has("confusion_matrix") || !m.has("class_names")) {
                continue;
            }
            List<String> names = new ArrayList<>();
            m.get("class_names").forEach(n -> names.add(n.asText()));
            int k = names.size();
            long[][] confusion = new long[k][k];
            for (int t = 0; t < k; t++) {
                for (int p = 0; p < k; p++) {
                    confusion[t][p] = m.get("confusion_matrix").path(t).path(p).asLong();
                }
            }
            String topKLabel = null;
            for (Iterator<String> names2 = m.fieldNames(); names2.hasNext(); ) {
                String f = names2.next();
                if (f.matches("top_\\d+_acc")) {
                    topKLabel = f;
                }
            }
            out.put(e.getKey(), new ClassificationMetrics(e.getKey(), Collections.unmodifiableList(names), confusion,
                    doubles(m.get("precision"), k), doubles(m.get("recall"), k), doubles(m.get("f1"), k),
                    longs(m.get("support"), confusion), number(m.get("acc")), number(m.get("loss")), topKLabel,
                    topKLabel == null ? Double.NaN : number(m.get(topKLabel)), number(m.get("roc_auc")),
                    average(m.get("macro avg")), average(m.get("weighted avg"))));
        }
        return Collections.unmodifiableMap(out);
    }

    private static double number(JsonNode n) {
        return n != null && n.isNumber() ? n.doubleValue() : Double.NaN;
    }

    private static double[] doubles(JsonNode array, int k) {
        double[] d = new double[k];
        for (int i = 0; i < k; i++) {
            d[i] = array == null ? Double.NaN : number(array.get(i));
        }
        return d;
    }

    private static long[] longs(JsonNode array, long[][] confusion) {
        long[] s = new long[confusion.length];
        for (int i = 0; i < s.length; i++) {
            if (array != null && array.get(i) != null) {
                s[i] = array.get(i).asLong();
            } else {
                for (long v : confusion[i]) {
                    s[i] += v;
                }
            }
        }
        return s;
    }

    private static double[] average(JsonNode avg) {
        return avg == null ? new double[] {Double.NaN, Double.NaN, Double.NaN}
                : new double[] {number(avg.get("precision")), number(avg.get("recall")), number(avg.get("f1-score"))};
    }
}
