package org.transfer4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One provenance record: the same JSON names wherever it is written, library versions read from the jars. */
class ProvenanceTest {
    @TempDir
    Path dir;

    @Test
    void versions_come_from_the_jars_not_from_the_source() throws Exception {
        String jackson = Provenance.version(JsonMapper.class, "com.fasterxml.jackson.core", "jackson-databind");
        assertThat(jackson).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(jackson).isEqualTo(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        assertThat(Provenance.version(ProvenanceTest.class, "org.transfer4j", "nothing-here"))
                .as("classes from a build tree").isEqualTo("development");
    }

    @Test
    void the_record_round_trips_with_the_run_json_names_and_old_files_without_precision_read_as_fp32()
            throws Exception {
        Provenance p = new Provenance("vgg16", "random (seed 1)", "sha256:abc", "block5_pool", "caffe",
                List.of(150, 150, 3), "bf16", Map.of("transfer4j", "development"));
        JsonMapper json = StrictJson.builder().build();
        Path run = dir.resolve(Provenance.RUN_FILE_NAME);
        AtomicFiles.write(run, out -> json.writeValue(out, p));
        assertThat(json.readValue(run.toFile(), Provenance.class)).isEqualTo(p);
        assertThat(Provenance.readRunInfo(run)).containsEntry("base", "vgg16")
                .containsEntry("weights_checksum", "sha256:abc").containsEntry("cut_layer", "block5_pool")
                .containsEntry("input", "[150,150,3]").containsEntry("precision", "bf16");
        Provenance old = json.readValue("{\"base\":\"vgg16\",\"weights_checksum\":\"x\",\"cut_layer\":\"block5_pool\"}",
                Provenance.class);
        assertThat(old.precision()).isEqualTo("fp32");
        assertThat(old.versions()).isEmpty();
        Path history = dir.resolve("history.json");
        Files.writeString(history, "{\"loss\":[1.0]}");
        assertThat(Provenance.readRunInfoBeside(history)).containsEntry("base", "vgg16");
    }
}
