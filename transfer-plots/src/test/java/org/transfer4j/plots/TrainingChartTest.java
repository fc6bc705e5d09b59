package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Circle;
import org.knowm.xchart.style.markers.None;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.transfer4j.io.History;

class TrainingChartTest {

    @TempDir
    Path dir;

    @Test
    void titles_and_legend_labels_are_the_books() {
        History history = Histories.bookLike(5);
        assertThat(TrainingChart.accuracy(history).title()).isEqualTo("Training and validation accuracy");
        assertThat(TrainingChart.accuracy(history).seriesNames()).containsExactly("Training acc", "Validation acc");
        assertThat(TrainingChart.loss(history).title()).isEqualTo("Training and validation loss");
        assertThat(TrainingChart.loss(history).seriesNames()).containsExactly("Training loss", "Validation loss");
        assertThat(TrainingChart.accuracy(history).smoothed().seriesNames())
                .containsExactly("Smoothed training acc", "Smoothed validation acc");
        assertThat(TrainingChart.loss(history).smoothed(0.5).seriesNames())
                .containsExactly("Smoothed training loss", "Smoothed validation loss");
        assertThat(TrainingChart.loss(history).smoothed().title()).isEqualTo("Training and validation loss");
    }

    @Test
    void training_is_blue_dots_and_validation_a_blue_line_over_epochs_one_to_n() {
        History history = Histories.bookLike(4);
        XYChart chart = TrainingChart.accuracy(history).toXChart();

        XYSeries training = chart.getSeriesMap().get("Training acc");
        assertThat(training.getXYSeriesRenderStyle()).isEqualTo(XYSeries.XYSeriesRenderStyle.Scatter);
        assertThat(training.getMarker()).isInstanceOf(Circle.class);
        assertThat(training.getMarkerColor()).isEqualTo(Color.BLUE);
        assertThat(training.getXData()).containsExactly(1, 2, 3, 4);
        assertThat(training.getYData()).containsExactly(history.series("acc"));

        XYSeries validation = chart.getSeriesMap().get("Validation acc");
        assertThat(validation.getXYSeriesRenderStyle()).isEqualTo(XYSeries.XYSeriesRenderStyle.Line);
        assertThat(validation.getMarker()).isInstanceOf(None.class);
        assertThat(validation.getLineColor()).isEqualTo(Color.BLUE);
        assertThat(validation.getYData()).containsExactly(history.series("val_acc"));

        assertThat(chart.getTitle()).isEqualTo("Training and validation accuracy");
        assertThat(chart.getXAxisTitle()).isEqualTo("Epochs");
        assertThat(chart.getSeriesMap().get(TrainingChart.TICK_GUARD_SERIES).isShowInLegend()).isFalse();
    }

    @Test
    void smoothed_chart_draws_the_smoothed_curves() {
        History history = Histories.bookLike(6);
        XYChart chart = TrainingChart.loss(history).smoothed(0.6).toXChart();
        assertThat(chart.getSeriesMap().get("Smoothed training loss").getYData())
                .containsExactly(Smoothing.exponential(history.series("loss"), 0.6));
        assertThat(chart.getSeriesMap().get("Smoothed validation loss").getYData())
                .containsExactly(Smoothing.exponential(history.series("val_loss"), 0.6));
    }

    @Test
    void png_decodes_at_the_requested_size_with_blue_curves_in_the_plot_area() {
        byte[] png = TrainingChart.accuracy(Histories.bookLike(30)).size(500, 360).toPng();
        BufferedImage image = Histories.decodePng(png);

        assertThat(image.getWidth()).isEqualTo(500);
        assertThat(image.getHeight()).isEqualTo(360);
        assertThat(Histories.bluePixelsInPlotArea(image)).isGreaterThan(500);
        assertThat(new Color(image.getRGB(2, 2))).isEqualTo(Color.WHITE);
    }

    @Test
    void default_size_is_matplotlibs_640_by_480() {
        BufferedImage image = Histories.decodePng(TrainingChart.loss(Histories.bookLike(3)).toPng());
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(480);
    }

    @Test
    void svg_is_xml_of_the_requested_size_and_names_title_and_series() {
        String svg = TrainingChart.accuracy(Histories.bookLike(10)).smoothed().size(800, 600).toSvg();
        Document doc = Histories.parseXml(svg);
        Element root = doc.getDocumentElement();

        assertThat(root.getLocalName()).isEqualTo("svg");
        assertThat(root.getAttribute("viewBox")).isEqualTo("0 0 800 600");
        assertThat(doc.getElementsByTagNameNS("*", "title").item(0).getTextContent())
                .isEqualTo("Training and validation accuracy");
        assertThat(doc.getElementsByTagNameNS("*", "desc").item(0).getTextContent())
                .contains("Smoothed training acc (blue dots)", "Smoothed validation acc (blue line)",
                        "epochs 1 to 10", "factor 0.8");
        assertThat(doc.getElementsByTagNameNS("*", "path").getLength()).isGreaterThan(10);
    }

    @Test
    void svg_is_deterministic() {
        TrainingChart chart = TrainingChart.loss(Histories.bookLike(5));
        assertThat(chart.toSvg()).isEqualTo(chart.toSvg());
    }

    @Test
    void training_only_history_plots_the_training_dots_alone() {
        TrainingChart chart = TrainingChart.accuracy(Histories.trainingOnly(8));
        assertThat(chart.title()).isEqualTo("Training accuracy");
        assertThat(chart.seriesNames()).containsExactly("Training acc");
        assertThat(chart.toXChart().getSeriesMap().values().stream().filter(XYSeries::isShowInLegend).toList())
                .extracting(XYSeries::getName).containsExactly("Training acc");
        assertThat(Histories.bluePixelsInPlotArea(Histories.decodePng(chart.toPng()))).isGreaterThan(100);
    }

    @Test
    void nan_values_are_drawn_as_gaps_and_the_rest_still_renders() {
        History history = History.empty()
                .with("loss", 0.7, Double.NaN, 0.5, 0.45, 0.4)
                .with("val_loss", 0.6, 0.55, Double.NaN, 0.5, 0.52);
        TrainingChart chart = TrainingChart.loss(history);
        assertThat(chart.toXChart().getSeriesMap().get("Validation loss").getYData()[2]).isNaN();
        assertThat(Histories.bluePixelsInPlotArea(Histories.decodePng(chart.toPng()))).isGreaterThan(100);
    }

    @Test
    void single_epoch_history_renders() {
        History history = History.empty().with("loss", 0.7).with("acc", 0.5).with("val_loss", 0.6)
                .with("val_acc", 0.55);
        BufferedImage image = Histories.decodePng(TrainingChart.accuracy(history).toPng());
        assertThat(Histories.bluePixelsInPlotArea(image)).isGreaterThan(20);
    }

    @Test
    void missing_metric_is_rejected_when_the_chart_is_made() {
        History lossOnly = History.empty().with("loss", 0.7, 0.5);
        assertThatThrownBy(() -> TrainingChart.accuracy(lossOnly))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no accuracy series")
                .hasMessageContaining("'acc' or 'accuracy'");
    }

    @Test
    void size_and_factor_are_checked() {
        TrainingChart chart = TrainingChart.loss(Histories.bookLike(3));
        assertThatThrownBy(() -> chart.size(0, 480)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("width").hasMessageContaining("[200, 10000]");
        assertThatThrownBy(() -> chart.size(640, 20_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("height");
        assertThatThrownBy(() -> chart.smoothed(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)");
    }

    @Test
    void fluent_steps_return_new_values() {
        TrainingChart raw = TrainingChart.loss(Histories.bookLike(3));
        TrainingChart smoothed = raw.smoothed(0.3).size(300, 200);
        assertThat(raw.isSmoothed()).isFalse();
        assertThat(raw.width()).isEqualTo(640);
        assertThat(smoothed.smoothingFactor()).contains(0.3);
        assertThat(smoothed.raw().isSmoothed()).isFalse();
        assertThat(smoothed.height()).isEqualTo(200);
    }

    @Test
    void legend_goes_to_the_emptiest_corner() {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] rising = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        double[] falling = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        // a rising curve fills SW and NE: NW is the first empty corner
        assertThat(TrainingChart.bestLegendCorner(x, rising, null)).isEqualTo(Styler.LegendPosition.InsideNW);
        // a falling curve fills NW and SE: NE is empty
        assertThat(TrainingChart.bestLegendCorner(x, falling, null)).isEqualTo(Styler.LegendPosition.InsideNE);
        // both together fill every corner equally: NE wins the tie
        assertThat(TrainingChart.bestLegendCorner(x, rising, falling)).isEqualTo(Styler.LegendPosition.InsideNE);
        double[] highFlat = {10, 10, 10, 10, 10, 10, 10, 10, 10, 1};
        // high everywhere but the last epoch: the south-west is empty
        assertThat(TrainingChart.bestLegendCorner(x, highFlat, null)).isEqualTo(Styler.LegendPosition.InsideSW);
    }

    @Test
    void png_and_svg_files_are_written_atomically() throws IOException {
        TrainingChart chart = TrainingChart.accuracy(Histories.bookLike(5));
        Path png = dir.resolve("accuracy.png");
        Path svg = dir.resolve("accuracy.svg");
        Files.writeString(png, "stale");
        chart.writePng(png);
        chart.writeSvg(svg);

        assertThat(Histories.decodePng(Files.readAllBytes(png)).getWidth()).isEqualTo(640);
        Histories.parseXml(Files.readString(svg));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(List.of("accuracy.png", "accuracy.svg"));
        }
    }
}
