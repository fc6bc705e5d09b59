package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.Precision;
import org.transfer4j.examples.data.EmbeddedDataset;
import org.transfer4j.spark.ExtractionSpec;
import picocli.CommandLine;

/** extract, train and quickstart on the embedded dataset, small and with random weights. */
class ApproachOneCliTest {
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
    void train_writes_keras_history_metrics_and_provenance() throws Exception {
        Path out = tmp.resolve("run");
        CliRun r = run("train", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32", "--epochs", "2", "--lr", "1e-4", "--preprocess", "rescale");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Epoch 1/2 - ").contains("Epoch 2/2 - ").contains(" - val_acc: ")
                .contains("Test accuracy: ");
        JsonNode history = JsonMapper.builder().build().readTree(out.resolve("history.json").toFile());
        assertThat(history.fieldNames()).toIterable().containsExactly("loss", "acc", "val_loss", "val_acc");
        assertThat(history.get("val_acc").size()).isEqualTo(2);
        JsonNode metrics = JsonMapper.builder().build().readTree(out.resolve("metrics.json").toFile());
        assertThat(metrics.get("test").get("confusion_matrix").size()).isEqualTo(2);
        assertThat(metrics.get("test").get("class_names").toString()).isEqualTo("[\"shirts\",\"tshirts\"]");
        JsonNode run = JsonMapper.builder().build().readTree(out.resolve("run.json").toFile());
        assertThat(run.get("weights_checksum").asText()).isEqualTo("random:he-normal:seed=42");
        assertThat(run.get("preprocessing").asText()).isEqualTo("rescale");
        assertThat(run.get("cut_layer").asText()).isEqualTo("block5_pool");
        assertThat(run.get("precision").asText()).isEqualTo("fp32");
        assertThat(r.out()).contains("Precision: fp32");
    }

    @Test
    void extract_with_auto_precision_says_what_it_chose_and_a_precision_change_rebuilds_the_cache() {
        Path out = tmp.resolve("features-auto");
        CliRun fp32 = run("extract", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32");
        assertThat(fp32.code()).as(fp32.err()).isZero();
        CliRun auto = run("extract", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32", "--precision", "auto");
        assertThat(auto.code()).as(auto.err()).isZero();
        boolean bf16 = org.transfer4j.Precision.AUTO.resolve() == org.transfer4j.Precision.BF16;
        assertThat(auto.out()).contains(bf16 ? "Precision: bf16 (auto: the CPU has bf16)"
                : "Precision: fp32 (auto: the CPU has no bf16)");
        assertThat(auto.err()).contains(bf16 ? "Features of train: 800 images extracted, 0 reused"
                : "Features of train: cache hit, 800 images reused");
    }

    @Test
    void a_second_extract_is_a_cache_hit() {
        Path out = tmp.resolve("features");
        String[] args = {"extract", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32"};
        CliRun first = run(args);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("Features of train: 800 images extracted, 0 reused");
        CliRun second = run(args);
        assertThat(second.code()).isZero();
        assertThat(second.err()).contains("Features of train: cache hit, 800 images reused")
                .contains("Features of test: cache hit, 400 images reused");
        assertThat(Files.exists(out.resolve("validation/manifest.json"))).isTrue();
        assertThat(out.resolve("validation/shards/shard-00000.json")).exists(); // committed in shards of 500
        assertThat(out.resolve("train/shards/shard-00001.json")).exists();
    }

    @Test
    void quickstart_runs_offline_and_reports_test_accuracy() {
        Path out = tmp.resolve("qs");
        CliRun r = run("quickstart", "--out", out.toString(), "--input", "32", "--epochs", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("continuing with random weights").contains("Test accuracy: ")
                .contains("on 400 images").contains(out.resolve("results/history.json").toAbsolutePath().toString());
    }

    @Test
    void train_streams_features_that_extract_left_in_shards_and_matches_training_on_the_folders() throws Exception {
        Path features = tmp.resolve("streamed-features");
        CliRun x = run("extract", "--data", data.toString(), "--out", features.toString(), "--weights", "random",
                "--input", "32");
        assertThat(x.code()).as(x.err()).isZero();
        Path out = tmp.resolve("streamed-run");
        CliRun t = run("train", "--features", features.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32", "--epochs", "2", "--lr", "1e-4");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).contains("streamed from " + features).contains("Test accuracy: ")
                .contains("on 400 images");
        assertThat(out.resolve("model.zip")).isRegularFile();
        // the same run on the image folders (features in memory) ends with about the same validation loss (the
        // streamed shuffle is another permutation, so not the same)
        Path folders = tmp.resolve("folder-run");
        CliRun f = run("train", "--data", data.toString(), "--out", folders.toString(), "--weights", "random",
                "--input", "32", "--epochs", "2", "--lr", "1e-4");
        assertThat(f.code()).as(f.err()).isZero();
        JsonNode streamed = JsonMapper.builder().build().readTree(out.resolve("history.json").toFile());
        JsonNode inMemory = JsonMapper.builder().build().readTree(folders.resolve("history.json").toFile());
        assertThat(streamed.get("val_loss").get(1).asDouble()).isCloseTo(inMemory.get("val_loss").get(1).asDouble(),
                org.assertj.core.data.Percentage.withPercentage(10));

        CliRun both = run("train", "--features", features.toString(), "--data", data.toString());
        assertThat(both.code()).isNotZero();
        assertThat(both.err()).contains("either --data").contains("--features");
    }

    /**
     * Issue #13's bf16 check: approach 1 on the embedded dataset reaches fp32's test accuracy within 0.01 (at 32 px to
     * keep the test short; at the default 64 px it measured 0.8150 against 0.8175).
     */
    @Test
    void quickstart_in_bf16_reaches_the_fp32_test_accuracy_within_one_point() {
        Assumptions.assumeTrue(Precision.AUTO.resolve() == Precision.BF16, "no bf16 on this CPU");
        double[] accuracy = new double[2];
        String[] precisions = {"fp32", "bf16"};
        for (int i = 0; i < 2; i++) {
            CliRun r = run("quickstart", "--out", tmp.resolve("qs-" + precisions[i]).toString(), "--input", "32",
                    "--precision", precisions[i]);
            assertThat(r.code()).as(r.err()).isZero();
            Matcher m = Pattern.compile("Test accuracy: ([0-9.]+)").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            accuracy[i] = Double.parseDouble(m.group(1));
        }
        assertThat(accuracy[0]).as("fp32 test accuracy").isGreaterThan(0.7);
        assertThat(accuracy[1]).as("bf16 test accuracy").isCloseTo(accuracy[0], within(0.01));
    }

    @Test
    void quickstart_runs_approach_one_on_mobilenet_v2() {
        Path out = tmp.resolve("qs-mobilenet");
        CliRun r = run("quickstart", "--base", "mobilenet_v2", "--out", out.toString(), "--input", "32", "--epochs",
                "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Base: mobilenet_v2").contains("preprocessing tf").contains("Test accuracy: ");
    }

    @Test
    void extract_on_spark_without_spark_on_the_classpath_says_how_to_get_it() {
        CliRun r = run("extract", "--spark", "local[2]", "--data", data.toString(), "--out",
                tmp.resolve("spark").toString(), "--weights", "random", "--input", "32");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--spark needs Spark on the launcher's classpath").contains("-Pspark")
                .contains("spark-submit");
    }

    @Test
    void extract_on_spark_takes_the_precision_to_its_executors() {
        ExtractCommand extract = new ExtractCommand();
        new CommandLine(extract).parseArgs("--spark", "local[2]", "--data", "d", "--out", "o", "--base",
                "mobilenet_v2", "--input", "32", "--batch", "4", "--shard-size", "8", "--precision", "bf16");
        assertThat(extract.sparkSpec()).extracting(ExtractionSpec::base, ExtractionSpec::precision,
                ExtractionSpec::batchSize, ExtractionSpec::shardSize)
                .containsExactly("mobilenet_v2", Precision.BF16, 4, 8);
        new CommandLine(extract = new ExtractCommand()).parseArgs("--spark", "local[2]", "--data", "d", "--out", "o",
                "--precision", "auto");
        assertThat(extract.sparkSpec().precision()).isEqualTo(Precision.AUTO.resolve());

        // bf16 is no longer refused: without Spark on the classpath, what stops the run is the missing Spark
        CliRun r = run("extract", "--spark", "local[2]", "--data", data.toString(), "--out",
                tmp.resolve("spark-bf16").toString(), "--weights", "random", "--precision", "bf16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--spark needs Spark on the launcher's classpath");
    }

    @Test
    void bad_arguments_fail_with_one_line() {
        CliRun r = run("train", "--data", tmp.resolve("nowhere").toString(), "--weights", "random");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("must hold train/ and validation/");
        CliRun w = run("extract", "--data", data.toString(), "--out", tmp.resolve("x").toString(), "--weights",
                tmp.resolve("missing.h5").toString());
        assertThat(w.code()).isEqualTo(1);
        assertThat(w.err()).contains("missing.h5: no such file");
        CliRun p = run("extract", "--data", data.toString(), "--out", tmp.resolve("y").toString(), "--weights",
                "random", "--input", "32", "--precision", "fp16");
        assertThat(p.code()).isEqualTo(1);
        assertThat(p.err()).contains("--precision fp16: expected fp32, bf16 or auto");
    }
}
