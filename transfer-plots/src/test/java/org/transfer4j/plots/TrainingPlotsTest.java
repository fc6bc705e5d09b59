package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.io.History;

class TrainingPlotsTest {

    @TempDir
    Path dir;

    @Test
    void writes_every_chart_and_the_report_into_a_new_directory() throws IOException {
        Path out = dir.resolve("plots/run1");
        List<Path> written = TrainingPlots.of(Histories.bookLike(20)).size(480, 360).smoothing(0.7)
                .runInfo(Map.of("seed", "1")).writeTo(out);

        assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly(
                "accuracy.png", "accuracy.svg", "accuracy_smoothed.png", "accuracy_smoothed.svg",
                "loss.png", "loss.svg", "loss_smoothed.png", "loss_smoothed.svg", "report.html");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).containsExactlyInAnyOrderElementsOf(written);
        }
        for (Path p : written) {
            String name = p.getFileName().toString();
            if (name.endsWith(".png")) {
                BufferedImage image = Histories.decodePng(Files.readAllBytes(p));
                assertThat(image.getWidth()).as(name).isEqualTo(480);
                assertThat(image.getHeight()).as(name).isEqualTo(360);
                assertThat(Histories.bluePixelsInPlotArea(image)).as(name).isGreaterThan(200);
            } else if (name.endsWith(".svg")) {
                Histories.parseXml(Files.readString(p));
            }
        }
        assertThat(Files.readString(out.resolve("accuracy_smoothed.svg"))).contains("Smoothed validation acc");
        assertThat(Files.readString(out.resolve("report.html"))).contains("<th>seed</th><td>1</td>",
                "smoothing factor 0.7");
    }

    @Test
    void history_without_loss_or_accuracy_is_rejected_before_anything_is_written() {
        History accOnly = History.empty().with("acc", 0.5, 0.6);
        assertThatThrownBy(() -> TrainingPlots.of(accOnly))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no loss series")
                .hasMessageContaining("'loss'");
        History lossOnly = History.empty().with("loss", 0.5, 0.6);
        assertThatThrownBy(() -> TrainingPlots.of(lossOnly))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no accuracy series");
    }

    @Test
    void training_only_history_writes_all_files() throws IOException {
        assertThat(TrainingPlots.of(Histories.trainingOnly(5)).writeTo(dir)).hasSize(9);
    }
}
