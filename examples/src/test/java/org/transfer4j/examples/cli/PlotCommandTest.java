package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlotCommandTest {

    private static final String HISTORY = "{\"loss\": [0.62, 0.48, 0.41, 0.36, 0.33],"
            + " \"acc\": [0.66, 0.78, 0.82, 0.85, 0.87],"
            + " \"val_loss\": [0.45, 0.38, 0.33, 0.31, 0.32],"
            + " \"val_acc\": [0.81, 0.84, 0.86, 0.87, 0.86]}";

    private static final List<String> ALL_FILES = List.of(
            "accuracy.png", "accuracy.svg", "accuracy_smoothed.png", "accuracy_smoothed.svg",
            "loss.png", "loss.svg", "loss_smoothed.png", "loss_smoothed.svg", "report.html");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Transfer4j.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private List<String> filesIn(Path d) throws IOException {
        try (Stream<Path> files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void plot_writes_every_file_beside_the_history_and_prints_them() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), HISTORY);
        Files.writeString(dir.resolve("run.json"), "{\"base\": \"vgg16\", \"seed\": 7}");

        int code = run("plot", history.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> expected = new java.util.ArrayList<>(ALL_FILES);
        expected.add("history.json");
        expected.add("run.json");
        assertThat(filesIn(dir)).containsExactlyInAnyOrderElementsOf(expected);
        for (String name : ALL_FILES) {
            assertThat(out.toString()).contains("Wrote " + dir.resolve(name));
        }
        BufferedImage png = ImageIO.read(dir.resolve("accuracy.png").toFile());
        assertThat(png.getWidth()).isEqualTo(640);
        assertThat(png.getHeight()).isEqualTo(480);
        assertThat(Files.readString(dir.resolve("report.html"))).contains("<th>base</th><td>vgg16</td>");
    }

    @Test
    void plot_honours_out_smooth_and_size() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), HISTORY);
        Path target = dir.resolve("charts/run");

        int code = run("plot", history.toString(), "--smooth", "0.5", "--out", target.toString(),
                "--width", "400", "--height", "300");

        assertThat(code).as(err.toString()).isZero();
        assertThat(filesIn(target)).containsExactlyInAnyOrderElementsOf(ALL_FILES);
        assertThat(filesIn(dir)).containsExactlyInAnyOrder("history.json", "charts");
        BufferedImage png = ImageIO.read(target.resolve("loss_smoothed.png").toFile());
        assertThat(png.getWidth()).isEqualTo(400);
        assertThat(png.getHeight()).isEqualTo(300);
        assertThat(Files.readString(target.resolve("loss_smoothed.svg"))).contains("factor 0.5");
    }

    @Test
    void keras_2_3_history_with_accuracy_keys_plots() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"),
                "{\"loss\":[0.6,0.5],\"accuracy\":[0.7,0.8],\"val_loss\":[0.55,0.5],\"val_accuracy\":[0.72,0.79]}");
        assertThat(run("plot", history.toString())).as(err.toString()).isZero();
        assertThat(Files.readString(dir.resolve("accuracy.svg"))).contains("Validation acc (blue line)");
    }

    @Test
    void bad_history_exits_non_zero_with_one_line_naming_the_file_and_writes_nothing() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), "{\"loss\": [0.5, 0.4], \"acc\": [0.7]}");

        int code = run("plot", history.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("transfer4j plot: " + history)
                .contains("'acc' has 1 epochs");
        assertThat(out.toString()).isEmpty();
        assertThat(filesIn(dir)).containsExactly("history.json");
    }

    @Test
    void history_without_accuracy_exits_non_zero_naming_the_missing_keys() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), "{\"loss\": [0.5, 0.4]}");
        assertThat(run("plot", history.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("'acc' or 'accuracy'");
        assertThat(filesIn(dir)).containsExactly("history.json");
    }

    @Test
    void missing_and_non_json_files_exit_non_zero_with_one_line() throws IOException {
        assertThat(run("plot", dir.resolve("absent.json").toString())).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString().contains("absent.json", "no such history file");

        StringWriter fresh = new StringWriter();
        CommandLine cli = Transfer4j.commandLine();
        cli.setErr(new PrintWriter(fresh));
        Path notJson = Files.writeString(dir.resolve("history.json"), "epoch,loss\n1,0.5\n");
        assertThat(cli.execute("plot", notJson.toString())).isEqualTo(1);
        assertThat(fresh.toString().lines()).singleElement().asString().contains("not valid JSON");
    }

    @Test
    void smoothing_factor_outside_zero_to_one_is_a_usage_error() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), HISTORY);
        assertThat(run("plot", history.toString(), "--smooth", "1")).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .isEqualTo("transfer4j plot: --smooth must be in [0, 1) (0 inclusive, 1 exclusive); got 1.0");
        assertThat(filesIn(dir)).containsExactly("history.json");
    }

    @Test
    void chart_size_out_of_range_is_a_usage_error() throws IOException {
        Path history = Files.writeString(dir.resolve("history.json"), HISTORY);
        assertThat(run("plot", history.toString(), "--width", "50")).isEqualTo(2);
        assertThat(err.toString()).contains("--width must be in [200, 10000] pixels; got 50");
    }
}
