package org.transfer4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.transfer4j.History;
import org.transfer4j.TransferPipeline;
import org.transfer4j.internal.io.AtomicFiles;
import org.transfer4j.train.Evaluation;

/** Writes a run's {@code history.json}, {@code metrics.json} and {@code run.json} (provenance) atomically. */
final class RunFiles {
    static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    private RunFiles() {
    }

    static Map<String, Object> metrics(Evaluation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", e.loss());
        m.put("acc", e.accuracy());
        if (!Double.isNaN(e.rocAuc())) {
            m.put("roc_auc", e.rocAuc());
        }
        m.put("class_names", e.classNames());
        m.put("confusion_matrix", e.confusion());
        m.put("precision", e.precision());
        m.put("recall", e.recall());
        return m;
    }

    static void writeHistory(Path out, History history) throws IOException {
        history.writeJson(out.resolve("history.json"));
    }

    static void writeJson(Path file, Object value) throws IOException {
        AtomicFiles.write(file, o -> JSON.writeValue(o, value));
    }

    /** Provenance of a run: what was trained on what, how. */
    static Map<String, Object> provenance(String command, TransferPipeline p, String weightsChecksum, Path data,
            History history, String stopReason, Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", command);
        run.put("finished", Instant.now().toString());
        run.put("data", data.toAbsolutePath().toString());
        run.put("base", p.base().name());
        run.put("input", p.base().inputShape());
        run.put("weights", p.base().weightsSource().describe());
        run.put("weights_checksum", weightsChecksum);
        run.put("preprocessing", p.base().preprocessing().id());
        run.put("cut_layer", p.cutLayer().name());
        run.put("precision", p.precision().resolve().cliName());
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
        run.put("versions", Map.of("transfer4j", version(), "java", System.getProperty("java.version"),
                "deeplearning4j", "1.0.0-M2.1"));
        return run;
    }

    static String version() {
        String v = RunFiles.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
