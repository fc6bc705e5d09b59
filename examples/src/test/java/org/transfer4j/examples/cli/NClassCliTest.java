package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three classes end to end from the command line (issue 17): default softmax head, N-class metrics, balanced class
 * weights, predict formats, and strict JSON in every file a run writes, also after a diverged run.
 */
class NClassCliTest {
    /** A default Jackson mapper: rejects NaN and Infinity, which are not JSON. */
    static final ObjectMapper STRICT = new ObjectMapper();
    static final String[] CLASSES = {"noise", "stripes_h", "stripes_v"};

    @TempDir
    static Path tmp;
    static Path data;
    static Path trained;
    static CliRun training;

    @BeforeAll
    static void dataAndOneRun() throws Exception {
        data = tmp.resolve("data");
        writeTree(data, new int[] {12, 12, 6}, 4, 4, 7);
        trained = tmp.resolve("run");
        training = CliRun.of("train", "--data", data.toString(), "--out", trained.toString(), "--weights", "random",
                "--input", "32", "--epochs", "3", "--lr", "1e-4", "--preprocess", "rescale");
    }

    /** {@code root/{train,validation,test}/{noise,stripes_h,stripes_v}/*.png}, 32x32 noisy RGB. */
    static void writeTree(Path root, int[] train, int validation, int test, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (String split : List.of("train", "validation", "test")) {
            for (int c = 0; c < 3; c++) {
                Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES[c]));
                int n = split.equals("train") ? train[c] : split.equals("validation") ? validation : test;
                for (int i = 0; i < n; i++) {
                    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                    int period = 2 + random.nextInt(3);
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            boolean on = switch (c) {
                                case 0 -> random.nextBoolean();
                                case 1 -> (y / period) % 2 == 0;
                                default -> (x / period) % 2 == 0;
                            };
                            int v = Math.max(0, Math.min(255, (on ? 200 : 50) + random.nextInt(-30, 31)));
                            img.setRGB(x, y, v << 16 | v << 8 | v);
                        }
                    }
                    ImageIO.write(img, "png", dir.resolve(CLASSES[c] + "." + i + ".png").toFile());
                }
            }
        }
    }

    /** Parses every .json file under {@code dir} and every .json entry of every .zip with a strict mapper. */
    static List<String> parseAllJsonStrictly(Path dir) throws IOException {
        List<String> parsed = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".json")) {
                STRICT.readTree(f.toFile());
                parsed.add(dir.relativize(f).toString());
            } else if (name.endsWith(".zip")) {
                try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(f))) {
                    for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                        if (e.getName().endsWith(".json")) {
                            STRICT.readTree(new NonClosing(zip));
                            parsed.add(dir.relativize(f) + "!" + e.getName());
                        }
                    }
                }
            }
        }
        return parsed;
    }

    @Test
    void train_defaults_to_softmax_3_and_says_why() {
        assertThat(training.code()).as(training.err()).isZero();
        assertThat(training.out())
                .contains("Head: dense(256).dropout(0.5).softmax(3) (default: the book's dense(256).dropout(0.5)")
                .contains("3 classes in").contains("(noise, stripes_h, stripes_v): softmax(3) with categorical "
                        + "cross-entropy")
                .contains("Training dense(256).dropout(0.5).softmax(3) on 30 images")
                .contains("Test accuracy: ").contains("on 12 images, macro F1 ").contains("(one-vs-rest macro)");
    }

    @Test
    void metrics_json_has_the_n_class_report_and_every_json_is_strict() throws Exception {
        assertThat(training.code()).as(training.err()).isZero();
        JsonNode test = STRICT.readTree(trained.resolve("metrics.json").toFile()).get("test");
        assertThat(test.get("class_names").toString()).isEqualTo("[\"noise\",\"stripes_h\",\"stripes_v\"]");
        assertThat(test.get("confusion_matrix").size()).isEqualTo(3);
        assertThat(test.get("per_class").fieldNames()).toIterable().containsExactly(CLASSES);
        assertThat(test.get("per_class").get("noise").fieldNames()).toIterable()
                .containsExactly("precision", "recall", "f1-score", "support");
        assertThat(test.get("macro avg").get("support").asInt()).isEqualTo(12);
        assertThat(test.get("weighted avg").has("f1-score")).isTrue();
        assertThat(test.get("roc_auc_per_class").size()).isEqualTo(3);
        assertThat(test.get("support").toString()).isEqualTo("[4,4,4]");
        assertThat(test.has("top_5_acc")).isFalse();
        assertThat(parseAllJsonStrictly(trained)).contains("metrics.json", "run.json", "history.json",
                "model.zip!model.json", "model.zip!history.json", "features/train/manifest.json");
    }

    @Test
    void plot_puts_the_confusion_matrix_with_class_names_into_the_report() throws Exception {
        assertThat(training.code()).as(training.err()).isZero();
        Path plots = tmp.resolve("plots");
        CliRun r = CliRun.of("plot", trained.resolve("history.json").toString(), "--out", plots.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String html = Files.readString(plots.resolve("report.html"));
        assertThat(html).contains("<h2>Evaluation: test</h2>").contains("(one-vs-rest, macro)")
                .contains("<thead><tr><th></th><th>noise</th><th>stripes_h</th><th>stripes_v</th></tr></thead>")
                .contains("<tr><th>weighted avg</th>");
    }

    @Test
    void a_diverged_run_still_writes_strict_json() throws Exception {
        Path out = tmp.resolve("diverged");
        CliRun r = CliRun.of("train", "--data", data.toString(), "--out", out.toString(), "--cache",
                trained.resolve("features").toString(), "--weights", "random", "--input", "32", "--epochs", "2",
                "--lr", "1e30", "--preprocess", "rescale");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("Training stopped: loss became");
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertThat(metrics).doesNotContain("NaN").doesNotContain("Infinity");
        assertThat(STRICT.readTree(metrics).get("test").get("loss").isNull()).isTrue();
        assertThat(parseAllJsonStrictly(out)).contains("metrics.json", "run.json", "history.json",
                "model.zip!model.json");
    }

    @Test
    void balanced_class_weights_from_the_command_line() {
        Path out = tmp.resolve("balanced");
        CliRun r = CliRun.of("train", "--data", data.toString(), "--out", out.toString(), "--cache",
                trained.resolve("features").toString(), "--weights", "random", "--input", "32", "--epochs", "1",
                "--lr", "1e-4", "--preprocess", "rescale", "--class-weight", "balanced");
        assertThat(r.code()).as(r.err()).isZero();
        // 30 images: 30 / (3 * 12) = 0.8333..., 30 / (3 * 6) = 1.6666...
        assertThat(r.out()).contains("class weights balanced {0=0.8333333333333334, 1=0.8333333333333334, "
                + "2=1.6666666666666667}");
        CliRun bad = CliRun.of("train", "--data", data.toString(), "--out", out.toString(), "--class-weight", "heavy");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("Bad class weights 'heavy'");
    }

    @Test
    void predict_sorts_classes_and_writes_tsv_csv_and_json() throws Exception {
        assertThat(training.code()).as(training.err()).isZero();
        String model = trained.resolve("model.zip").toString();
        String images = data.resolve("test").toString();

        CliRun text = CliRun.of("predict", "--model", model, "--top", "2", images);
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out().lines()).hasSize(12).allSatisfy(line -> {
            String[] cells = line.split("\t");
            assertThat(cells).hasSize(4);
            double first = Double.parseDouble(cells[2].substring(cells[2].indexOf('=') + 1));
            double second = Double.parseDouble(cells[3].substring(cells[3].indexOf('=') + 1));
            assertThat(first).isGreaterThanOrEqualTo(second);
            assertThat(cells[2]).startsWith(cells[1] + "=");
        });

        CliRun tsv = CliRun.of("predict", "--model", model, "--format", "tsv", images);
        assertThat(tsv.code()).as(tsv.err()).isZero();
        List<String> rows = tsv.out().lines().toList();
        assertThat(rows).hasSize(13);
        assertThat(rows.get(0)).isEqualTo("path\tpredicted\tnoise\tstripes_h\tstripes_v");
        assertThat(rows.subList(1, 13)).allSatisfy(row -> {
            String[] cells = row.split("\t");
            assertThat(cells).hasSize(5);
            double sum = Double.parseDouble(cells[2]) + Double.parseDouble(cells[3]) + Double.parseDouble(cells[4]);
            assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
        });

        CliRun csv = CliRun.of("predict", "--model", model, "--format", "csv", images);
        assertThat(csv.out().lines().toList().get(0)).isEqualTo("path,predicted,noise,stripes_h,stripes_v");
        assertThat(csv.out().lines()).hasSize(13);

        CliRun json = CliRun.of("predict", "--model", model, "--format", "json", images);
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode array = STRICT.readTree(json.out());
        assertThat(array.size()).isEqualTo(12);
        assertThat(array.get(0).get("probabilities").fieldNames()).toIterable().containsExactly(CLASSES);
        assertThat(array.get(0).get("path").asText()).endsWith(".png");
        assertThat(json.out().lines()).hasSize(14);
    }

    @Test
    void predict_names_a_missing_file_and_a_bad_format() {
        assertThat(training.code()).as(training.err()).isZero();
        Path missing = tmp.resolve("missing.png");
        CliRun r = CliRun.of("predict", "--model", trained.resolve("model.zip").toString(), missing.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("transfer4j predict: no such file: " + missing);
        CliRun m = CliRun.of("predict", "--model", tmp.resolve("nope.zip").toString(), missing.toString());
        assertThat(m.err()).contains("No model file at ").contains("nope.zip");
        CliRun f = CliRun.of("predict", "--model", trained.resolve("model.zip").toString(), "--format", "xml",
                missing.toString());
        assertThat(f.err()).contains("--format xml: expected text, tsv, csv or json");
    }

    @Test
    void augment_fine_tune_and_quickstart_pick_softmax_for_three_classes() {
        CliRun aug = CliRun.of("train", "--augment", "--data", data.toString(), "--out", tmp.resolve("aug").toString(),
                "--weights", "random", "--input", "32", "--epochs", "1", "--lr", "1e-4", "--preprocess", "rescale");
        assertThat(aug.code()).as(aug.err()).isZero();
        assertThat(aug.out()).contains("Head: dense(256).softmax(3) (default: the book's dense(256)")
                .contains("Phase 1: dense(256).softmax(3) on");

        CliRun given = CliRun.of("fine-tune", "--data", data.toString(), "--out", tmp.resolve("ft").toString(),
                "--weights", "random", "--input", "32", "--head-epochs", "1", "--epochs", "1", "--no-augment",
                "--preprocess", "rescale", "--head", "dense(32).dropout(0.2)");
        assertThat(given.code()).as(given.err()).isZero();
        assertThat(given.out()).contains("Head: dense(32).dropout(0.2).softmax(3) (--head dense(32).dropout(0.2), "
                + "completed for 3 classes in").contains("Phase 2: fine-tuning from block5_conv1");

        CliRun qs = CliRun.of("quickstart", "--data", data.toString(), "--out", tmp.resolve("qs").toString(),
                "--input", "32", "--epochs", "1");
        assertThat(qs.code()).as(qs.err()).isZero();
        assertThat(qs.out()).contains("Head: dense(256).dropout(0.5).softmax(3) (default").contains("Test accuracy: ");
    }

    /** Lets Jackson read one zip entry without closing the zip stream. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the zip stream moves on to the next entry
        }
    }
}
