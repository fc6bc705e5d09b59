package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.examples.data.EmbeddedDataset;

/** train --augment, fine-tune and predict on the embedded dataset, small and with random weights. */
class FolderTrainingCliTest {
    @TempDir
    static Path tmp;
    static Path data;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeAll
    static void data() throws Exception {
        data = EmbeddedDataset.extractTo(tmp.resolve("data"));
    }

    @Test
    void fine_tune_writes_both_phases_and_a_model_that_predict_loads() throws Exception {
        Path out = tmp.resolve("ft");
        CliRun r = run("fine-tune", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--preprocess", "rescale", "--input", "32", "--head-epochs", "1", "--epochs", "1", "--head-lr", "1e-4",
                "--lr", "1e-5");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Phase 1: dense(256).sigmoid()").contains("(augmented: Augmentation[rotation_range=40.0").contains("seed=42]")
                .contains("Phase 2: fine-tuning from block5_conv1 (7,211,009 trainable parameters)")
                .contains("Test accuracy: ");
        JsonNode history = JsonMapper.builder().build().readTree(out.resolve("history.json").toFile());
        assertThat(history.get("loss").size()).isEqualTo(2);
        JsonNode runJson = JsonMapper.builder().build().readTree(out.resolve("run.json").toFile());
        assertThat(runJson.get("phase_starts").toString()).isEqualTo("[0,1]");
        assertThat(runJson.get("cut_layer").asText()).isEqualTo("block4_pool");
        assertThat(runJson.get("freeze_until").asText()).isEqualTo("block5_conv1");
        assertThat(Files.exists(out.resolve("metrics.json"))).isTrue();

        CliRun p = run("predict", "--model", out.resolve("model.zip").toString(), data.resolve("test/shirts").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out().lines()).hasSize(200).allSatisfy(line -> assertThat(line).contains("\tshirts=")
                .contains("\ttshirts="));
    }

    @Test
    void fine_tune_of_mobilenet_v2_unfreezes_its_last_block_by_default_and_predict_loads_it() throws Exception {
        Path out = tmp.resolve("ft-mobilenet");
        CliRun r = run("fine-tune", "--base", "mobilenet_v2", "--data", data.toString(), "--out", out.toString(),
                "--weights", "random", "--input", "32", "--head-epochs", "1", "--epochs", "1", "--head", "dense(16)",
                "--no-augment", "--head-lr", "1e-4", "--lr", "1e-5");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Phase 2: fine-tuning from block_16_expand").contains("Test accuracy: ");
        JsonNode runJson = JsonMapper.builder().build().readTree(out.resolve("run.json").toFile());
        assertThat(runJson.get("cut_layer").asText()).isEqualTo("block_15_add");
        assertThat(runJson.get("freeze_until").asText()).isEqualTo("block_16_expand");
        CliRun p = run("predict", "--model", out.resolve("model.zip").toString(), data.resolve("test/shirts").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out().lines()).hasSize(200);
    }

    @Test
    void train_augment_runs_approach_2() throws Exception {
        Path out = tmp.resolve("aug");
        CliRun r = run("train", "--augment", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--preprocess", "rescale", "--input", "32", "--epochs", "1", "--lr", "1e-4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Phase 1: dense(256).sigmoid() on").contains("Epoch 1/1 - ").contains("Model: ");
        assertThat(Files.exists(out.resolve("model.zip"))).isTrue();
        assertThat(Files.exists(out.resolve("features/train"))).as("augmented training images are not cached").isFalse();
        assertThat(Files.exists(out.resolve("features/validation/block5_pool/manifest.json"))).isTrue();
    }

    @Test
    void predict_reports_unreadable_images_with_exit_1() throws Exception {
        Path out = tmp.resolve("one");
        assertThat(run("train", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32", "--epochs", "1").code()).isZero();
        Path bad = tmp.resolve("bad.png");
        Files.writeString(bad, "no image");
        CliRun p = run("predict", "--model", out.resolve("model.zip").toString(), bad.toString(),
                data.resolve("test/tshirts/tshirt.600.png").toString());
        assertThat(p.code()).isEqualTo(1);
        assertThat(p.err()).contains("bad.png");
        assertThat(p.out()).contains("tshirt.600.png\t");
    }
}
