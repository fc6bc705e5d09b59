package org.transfer4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.transfer4j.TransferPipeline;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.io.History;
import org.transfer4j.io.Provenance;
import org.transfer4j.io.StrictJson;
import org.transfer4j.train.Evaluation;

/** Writes a run's {@code history.json}, {@code metrics.json} and {@code run.json} (provenance) atomically. */
final class RunFiles {
    /** Strict JSON: NaN and infinities are written as null (they are not JSON). */
    static final JsonMapper JSON = StrictJson.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private RunFiles() {
    }

    /**
     * One split's metrics, scikit-learn's {@code classification_report(output_dict=True)} keys beside Keras's
     * ({@code loss}, {@code acc}, {@code top_5_acc}): per class precision / recall / f1-score / support, {@code macro
     * avg}, {@code weighted avg}, the confusion matrix with class names, and ROC-AUC (binary, or one-vs-rest per class
     * and macro for N classes). Undefined precision/recall/F1 are 0 ({@code "zero_division": 0}, scikit-learn's
     * default); any other undefined value (e.g. the ROC-AUC of a class with no examples, or a NaN loss) is
     * {@code null}.
     */
    static Map<String, Object> metrics(Evaluation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", e.loss());
        m.put("acc", e.accuracy());
        if (e.topK() > 0) {
            m.put("top_" + e.topK() + "_acc", e.topKAccuracy());
        }
        m.put("roc_auc", e.rocAuc());
        if (e.classCount() > 2) {
            m.put("roc_auc_average", "macro, one-vs-rest");
            m.put("roc_auc_weighted", e.weightedRocAuc());
            m.put("roc_auc_per_class", e.rocAucPerClass());
        }
        m.put("samples", e.samples());
        m.put("class_names", e.classNames());
        m.put("confusion_matrix", e.confusion());
        m.put("precision", e.precision());
        m.put("recall", e.recall());
        m.put("f1", e.f1());
        m.put("support", e.support());
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < e.classCount(); c++) {
            perClass.put(e.classNames().get(c), scores(e.precision()[c], e.recall()[c], e.f1()[c], e.support()[c]));
        }
        m.put("per_class", perClass);
        Evaluation.Average macro = e.macroAverage();
        Evaluation.Average weighted = e.weightedAverage();
        m.put("macro avg", scores(macro.precision(), macro.recall(), macro.f1(), macro.support()));
        m.put("weighted avg", scores(weighted.precision(), weighted.recall(), weighted.f1(), weighted.support()));
        m.put("zero_division", 0);
        m.put("undefined_precision", e.undefinedPrecision());
        return m;
    }

    private static Map<String, Object> scores(double precision, double recall, double f1, long support) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", precision);
        m.put("recall", recall);
        m.put("f1-score", f1);
        m.put("support", support);
        return m;
    }

    static void writeHistory(Path out, History history) throws IOException {
        history.writeJson(out.resolve("history.json"));
    }

    static void writeJson(Path file, Object value) throws IOException {
        AtomicFiles.write(file, o -> JSON.writeValue(o, value));
    }

    /**
     * Provenance of a run: the model's {@link Provenance} record (base, weights and checksum, cut, preprocessing,
     * input size, precision, library versions read from the jars), flat under the record's own names, then how it was
     * trained and on what.
     */
    static Map<String, Object> provenance(String command, Provenance made, TransferPipeline p, Path data,
            History history, String stopReason, Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", command);
        run.put("finished", Instant.now().toString());
        run.put("data", data.toAbsolutePath().toString());
        run.putAll(JSON.convertValue(made, new TypeReference<LinkedHashMap<String, Object>>() { }));
        run.put("freeze_until", p.firstTrainableLayer().map(l -> l.name()).orElse(null));
        run.put("head", p.head().map(Object::toString).orElse(null));
        run.put("optimizer", p.trainingOptions().optimizer().describe());
        run.put("epochs", p.trainingOptions().epochs());
        run.put("batch_size", p.trainingOptions().batchSize());
        run.put("seed", p.trainingOptions().seed());
        run.put("phase_starts", history.phaseStarts());
        if (stopReason != null) {
            run.put("stopped", stopReason);
        }
        run.putAll(extra);
        return run;
    }
}
