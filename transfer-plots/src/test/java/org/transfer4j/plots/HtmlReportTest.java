package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.transfer4j.io.History;

class HtmlReportTest {

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void report_inlines_four_svg_charts_and_loads_nothing_from_outside() {
        String html = HtmlReport.of(Histories.bookLike(12)).toHtml();

        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(count(html, "<svg")).isEqualTo(4);
        assertThat(count(html, "</svg>")).isEqualTo(4);
        assertThat(html).doesNotContain("<script", "<link", "<img", "src=", "@import", "<?xml", "<!DOCTYPE svg");
        assertThat(html).contains("<title>Training and validation accuracy</title>",
                "<title>Training and validation loss</title>", "Smoothed training acc (blue dots)");
    }

    @Test
    void inline_svg_ids_are_unique_across_the_page_and_every_reference_resolves() {
        String html = HtmlReport.of(Histories.bookLike(5)).toHtml();
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("id=\"([^\"]+)\"").matcher(html);
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).isNotEmpty().doesNotHaveDuplicates();
        Matcher refs = Pattern.compile("url\\(#([^)]+)\\)").matcher(html);
        while (refs.find()) {
            assertThat(ids).contains(refs.group(1));
        }
    }

    @Test
    void per_epoch_table_has_a_row_per_epoch_with_four_decimals_and_the_best_validation_in_bold() {
        History history = History.empty()
                .with("loss", 0.9, 0.5, 0.3)
                .with("acc", 0.5, 0.7, 0.9)
                .with("val_loss", 0.6, 0.4, Double.NaN)
                .with("val_acc", 0.6, 0.8, 0.75);
        String html = HtmlReport.of(history).toHtml();
        String table = html.substring(html.indexOf("<table class=\"epochs\">"));

        assertThat(table).contains("<th>epoch</th><th>loss</th><th>acc</th><th>val_loss</th><th>val_acc</th>");
        assertThat(count(table, "<tr><td>")).isEqualTo(3);
        assertThat(table).contains("<tr><td>2</td><td>0.5000</td><td>0.7000</td><td class=\"best\">0.4000</td>"
                + "<td class=\"best\">0.8000</td></tr>");
        assertThat(table).contains("<td>NaN</td>");
        assertThat(html).contains("lowest val_loss 0.4000 at epoch 2", "highest val_acc 0.8000 at epoch 2");
    }

    @Test
    void provenance_is_shown_escaped_when_present_and_absent_otherwise() {
        Map<String, String> run = new LinkedHashMap<>();
        run.put("base", "vgg16");
        run.put("head", "<dense 256 & dropout>");
        String with = HtmlReport.of(Histories.bookLike(3)).runInfo(run).toHtml();
        String without = HtmlReport.of(Histories.bookLike(3)).toHtml();

        assertThat(with).contains("<h2>Run</h2>", "<tr><th>base</th><td>vgg16</td></tr>",
                "<tr><th>head</th><td>&lt;dense 256 &amp; dropout&gt;</td></tr>");
        assertThat(without).doesNotContain("<h2>Run</h2>");
    }

    @Test
    void training_only_history_notes_the_missing_validation_data() {
        String html = HtmlReport.of(Histories.trainingOnly(4)).toHtml();
        assertThat(count(html, "<svg")).isEqualTo(4);
        assertThat(html).contains("Training data only: no val_acc series", "Training data only: no val_loss series",
                "<title>Training accuracy</title>");
    }

    @Test
    void history_with_only_loss_gets_a_note_instead_of_accuracy_charts() {
        String html = HtmlReport.of(History.empty().with("loss", 0.5, 0.4)).toHtml();
        assertThat(count(html, "<svg")).isEqualTo(2);
        assertThat(html).contains("No accuracy series (acc or accuracy) in this history.");
    }

    @Test
    void history_with_neither_accuracy_nor_loss_is_rejected() {
        assertThatThrownBy(() -> HtmlReport.of(History.empty().with("mae", 0.5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither accuracy")
                .hasMessageContaining("[mae]");
    }

    @Test
    void title_smoothing_and_chart_size_are_applied() {
        String html = HtmlReport.of(Histories.bookLike(3)).title("Cats & dogs").smoothing(0.5).chartSize(400, 300)
                .toHtml();
        assertThat(html).contains("<title>Cats &amp; dogs</title>", "<h1>Cats &amp; dogs</h1>",
                "smoothing factor 0.5", "viewBox=\"0 0 400 300\"", "smoothed with factor 0.5");
        assertThatThrownBy(() -> HtmlReport.of(Histories.bookLike(3)).smoothing(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
