package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationMetricsTest {
    @TempDir
    Path dir;

    /** A metrics.json as the CLI writes it for three classes, with an undefined (null) ROC-AUC on validation. */
    static final String METRICS = """
            {"validation": {"loss": 0.9, "acc": 0.5, "roc_auc": null, "class_names": ["a", "b", "c"],
              "confusion_matrix": [[1, 1, 0], [0, 2, 0], [1, 0, 1]]},
             "test": {"loss": 0.5, "acc": 0.75, "top_5_acc": 1.0, "roc_auc": 0.875, "class_names": ["a", "b", "c"],
              "confusion_matrix": [[2, 0, 0], [1, 1, 0], [0, 0, 0]], "precision": [0.6667, 1.0, 0.0],
              "recall": [1.0, 0.5, 0.0], "f1": [0.8, 0.6667, 0.0], "support": [2, 2, 0],
              "macro avg": {"precision": 0.5556, "recall": 0.5, "f1-score": 0.4889, "support": 4},
              "weighted avg": {"precision": 0.8333, "recall": 0.75, "f1-score": 0.7333, "support": 4}}}
            """;

    @Test
    void reads_the_splits_beside_a_history_and_nulls_as_nan() throws IOException {
        Files.writeString(dir.resolve("metrics.json"), METRICS);
        Map<String, ClassificationMetrics> m = ClassificationMetrics.readBeside(dir.resolve("history.json"));

        assertThat(m.keySet()).containsExactly("validation", "test");
        assertThat(m.get("validation").rocAuc()).isNaN();
        assertThat(m.get("validation").support()).containsExactly(2, 2, 2);
        ClassificationMetrics t = m.get("test");
        assertThat(t.classNames()).containsExactly("a", "b", "c");
        assertThat(t.confusion()[1]).containsExactly(1, 1, 0);
        assertThat(t.topKLabel()).isEqualTo("top_5_acc");
        assertThat(t.macro()).containsExactly(0.5556, 0.5, 0.4889);
        assertThat(ClassificationMetrics.readBeside(dir.resolve("elsewhere/history.json"))).isEmpty();
    }

    @Test
    void the_report_shows_the_confusion_matrix_with_class_names_and_the_class_table() throws IOException {
        Files.writeString(dir.resolve("metrics.json"), METRICS);
        String html = HtmlReport.of(Histories.bookLike(2))
                .metrics(ClassificationMetrics.readBeside(dir.resolve("history.json"))).toHtml();

        assertThat(html).contains("<h2>Evaluation: test</h2>")
                .contains("Accuracy 0.7500, loss 0.5000, top-5 accuracy 1.0000, ROC-AUC 0.8750 (one-vs-rest, macro)")
                .contains("<thead><tr><th></th><th>a</th><th>b</th><th>c</th></tr></thead>")
                .contains("<tr><th>b</th><td>1</td><td class=\"best\">1</td><td>0</td></tr>")
                .contains("<tr><th>a</th><td>0.6667</td><td>1.0000</td><td>0.8000</td><td>2</td></tr>")
                .contains("<tr><th>macro avg</th><td>0.5556</td>")
                .contains("<h2>Evaluation: validation</h2>").contains("ROC-AUC NaN");
    }
}
