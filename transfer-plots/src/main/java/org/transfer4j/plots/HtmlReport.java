package org.transfer4j.plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.io.History;
import org.transfer4j.io.Provenance;

/**
 * One self-contained HTML page about a training run: the book's accuracy and loss charts, raw and smoothed, as inline
 * SVG; a per-epoch table of every series; the run's provenance ({@code run.json}) and its evaluation
 * ({@code metrics.json}: confusion matrix with class names, per-class scores) when given.
 *
 * <p>The page needs nothing else: no scripts, stylesheets, fonts or images are loaded. A history without accuracy
 * (or without loss) gets a note in place of the missing charts; a history with neither is rejected. In the table,
 * NaN is shown as {@code NaN} and the best validation value (highest accuracy, lowest loss) is set in bold.
 *
 * <pre>{@code
 * HtmlReport.of(history).runInfo(Provenance.readRunInfoBeside(file)).smoothing(0.8).write(Path.of("report.html"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class HtmlReport {

    /** The default page title. */
    public static final String DEFAULT_TITLE = "Training report";

    private final History history;
    private final Map<String, String> runInfo;
    private final Map<String, ClassificationMetrics> metrics;
    private final double factor;
    private final int width;
    private final int height;
    private final String title;

    private HtmlReport(History history, Map<String, String> runInfo, Map<String, ClassificationMetrics> metrics,
            double factor, int width, int height, String title) {
        this.history = history;
        this.runInfo = runInfo;
        this.metrics = metrics;
        this.factor = factor;
        this.width = width;
        this.height = height;
        this.title = title;
    }

    /**
     * A report of this history, smoothing factor {@value Smoothing#DEFAULT_FACTOR}, charts 640×480, no run information.
     *
     * @throws IllegalArgumentException if the history is null or has neither an accuracy nor a loss series, or its
     *                                  keys are ambiguous (see {@link Metric#validationKey(History)})
     */
    public static HtmlReport of(History history) {
        if (history == null) {
            throw new IllegalArgumentException("history must not be null");
        }
        if (metricsPresent(history).isEmpty()) {
            throw new IllegalArgumentException("history has neither accuracy ('acc' or 'accuracy') nor loss ('loss');"
                    + " keys are " + history.names());
        }
        for (Metric m : metricsPresent(history)) {
            m.validationKey(history);
        }
        return new HtmlReport(history, Map.of(), Map.of(), Smoothing.DEFAULT_FACTOR, TrainingChart.DEFAULT_WIDTH,
                TrainingChart.DEFAULT_HEIGHT, DEFAULT_TITLE);
    }

    private static List<Metric> metricsPresent(History history) {
        List<Metric> present = new ArrayList<>();
        for (Metric m : Metric.values()) {
            if (m.trainingKeys().stream().anyMatch(history::contains)) {
                present.add(m);
            }
        }
        return present;
    }

    /**
     * This report with the run's provenance, shown as a key/value table (e.g. from
     * {@link Provenance#readRunInfoBeside(Path)}); an empty map shows none.
     *
     * @throws IllegalArgumentException if the map or any key or value is null
     */
    public HtmlReport runInfo(Map<String, String> info) {
        if (info == null) {
            throw new IllegalArgumentException("run information must not be null; pass an empty map for none");
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        info.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("run information has a null key or value: " + k + "=" + v);
            }
            copy.put(k, v);
        });
        return new HtmlReport(history, Collections.unmodifiableMap(copy), metrics, factor, width, height, title);
    }

    /**
     * This report with evaluation sections, one per split (e.g. from {@link ClassificationMetrics#readBeside(Path)}):
     * accuracy, loss, top-k accuracy and ROC-AUC, the confusion matrix with class names, and precision / recall / F1
     * / support per class with macro and weighted averages.
     *
     * @throws IllegalArgumentException if the map is null
     */
    public HtmlReport metrics(Map<String, ClassificationMetrics> metrics) {
        if (metrics == null) {
            throw new IllegalArgumentException("metrics must not be null; pass an empty map for none");
        }
        return new HtmlReport(history, runInfo, Collections.unmodifiableMap(new LinkedHashMap<>(metrics)), factor,
                width, height, title);
    }

    /**
     * This report with another smoothing factor for the smoothed charts.
     *
     * @throws IllegalArgumentException if the factor lies outside [0, 1)
     */
    public HtmlReport smoothing(double factor) {
        return new HtmlReport(history, runInfo, metrics, Smoothing.checkFactor(factor), width, height, title);
    }

    /**
     * This report with charts of another size.
     *
     * @throws IllegalArgumentException if a side lies outside [{@value TrainingChart#MIN_SIZE},
     *                                  {@value TrainingChart#MAX_SIZE}]
     */
    public HtmlReport chartSize(int width, int height) {
        TrainingChart.checkSize("width", width);
        TrainingChart.checkSize("height", height);
        return new HtmlReport(history, runInfo, metrics, factor, width, height, title);
    }

    /**
     * This report with another page title.
     *
     * @throws IllegalArgumentException if the title is blank
     */
    public HtmlReport title(String title) {
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("report title must not be blank; got '" + title + "'");
        }
        return new HtmlReport(history, runInfo, metrics, factor, width, height, title);
    }

    /** The complete HTML document. */
    public String toHtml() {
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(title)).append("</title>\n<style>\n").append(CSS)
                .append("</style>\n</head>\n<body>\n<h1>").append(Html.escape(title)).append("</h1>\n");
        h.append("<p class=\"summary\">").append(history.epochs()).append(history.epochs() == 1 ? " epoch" : " epochs")
                .append("; series ").append(Html.escape(String.join(", ", history.names())))
                .append("; smoothing factor ").append(factor).append(".</p>\n");
        appendBest(h);
        if (!runInfo.isEmpty()) {
            h.append("<h2>Run</h2>\n<table class=\"run\">\n");
            runInfo.forEach((k, v) -> h.append("<tr><th>").append(Html.escape(k)).append("</th><td>")
                    .append(Html.escape(v)).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        metrics.values().forEach(m -> appendEvaluation(h, m));
        List<Metric> present = metricsPresent(history);
        for (Metric m : Metric.values()) {
            h.append("<h2>").append(m.axisTitle()).append("</h2>\n");
            if (!present.contains(m)) {
                h.append("<p class=\"note\">No ").append(m.fileBaseName()).append(" series (")
                        .append(Html.escape(String.join(" or ", m.trainingKeys()))).append(") in this history.</p>\n");
                continue;
            }
            TrainingChart raw = TrainingChart.of(history, m).size(width, height);
            if (m.validationKey(history).isEmpty()) {
                h.append("<p class=\"note\">Training data only: no ")
                        .append(Metric.validationKeyOf(m.trainingKey(history))).append(" series.</p>\n");
            }
            h.append("<div class=\"charts\">\n");
            appendFigure(h, raw, m.fileBaseName(), "Raw");
            appendFigure(h, raw.smoothed(factor), m.fileBaseName() + "-smoothed",
                    "Exponentially smoothed, factor " + factor);
            h.append("</div>\n");
        }
        appendTable(h);
        h.append("<p class=\"footer\">Written by transfer4j. Charts follow Chollet, <i>Deep Learning with Python</i>,"
                + " listings 5.19 and 5.24: training as dots, validation as a line.</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void appendEvaluation(StringBuilder h, ClassificationMetrics m) {
        int k = m.classNames().size();
        h.append("<h2>Evaluation: ").append(Html.escape(m.split())).append("</h2>\n<p class=\"summary\">Accuracy ")
                .append(format(m.accuracy())).append(", loss ").append(format(m.loss()));
        if (m.topKLabel() != null) {
            h.append(", ").append(Html.escape(m.topKLabel().replace("_acc", "").replace('_', '-'))).append(" accuracy ")
                    .append(format(m.topK()));
        }
        h.append(", ROC-AUC ").append(format(m.rocAuc())).append(k > 2 ? " (one-vs-rest, macro)" : "").append(", ")
                .append(k).append(" classes.</p>\n");
        h.append("<table class=\"confusion\">\n<caption>Confusion matrix (rows: true class, columns: predicted)"
                + "</caption>\n<thead><tr><th></th>");
        m.classNames().forEach(c -> h.append("<th>").append(Html.escape(c)).append("</th>"));
        h.append("</tr></thead>\n<tbody>\n");
        for (int t = 0; t < k; t++) {
            h.append("<tr><th>").append(Html.escape(m.classNames().get(t))).append("</th>");
            for (int p = 0; p < k; p++) {
                h.append(t == p ? "<td class=\"best\">" : "<td>").append(m.confusion()[t][p]).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n<table class=\"classes\">\n<thead><tr><th>class</th><th>precision</th>"
                + "<th>recall</th><th>f1-score</th><th>support</th></tr></thead>\n<tbody>\n");
        long total = 0;
        for (int c = 0; c < k; c++) {
            total += m.support()[c];
            appendScores(h, m.classNames().get(c), m.precision()[c], m.recall()[c], m.f1()[c], m.support()[c]);
        }
        appendScores(h, "macro avg", m.macro()[0], m.macro()[1], m.macro()[2], total);
        appendScores(h, "weighted avg", m.weighted()[0], m.weighted()[1], m.weighted()[2], total);
        h.append("</tbody>\n</table>\n");
    }

    private static void appendScores(StringBuilder h, String name, double p, double r, double f, long support) {
        h.append("<tr><th>").append(Html.escape(name)).append("</th><td>").append(format(p)).append("</td><td>")
                .append(format(r)).append("</td><td>").append(format(f)).append("</td><td>").append(support)
                .append("</td></tr>\n");
    }

    private static void appendFigure(StringBuilder h, TrainingChart chart, String idPrefix, String caption) {
        String svg = chart.toSvg(idPrefix);
        int start = svg.indexOf("<svg");
        h.append("<figure>\n").append(svg, start, svg.length()).append("\n<figcaption>").append(Html.escape(caption))
                .append("</figcaption>\n</figure>\n");
    }

    private void appendBest(StringBuilder h) {
        List<String> parts = new ArrayList<>();
        for (String name : history.names()) {
            if (!name.startsWith("val_") || bestDirection(name) == 0) {
                continue;
            }
            int best = bestEpoch(name);
            parts.add((bestDirection(name) > 0 ? "highest " : "lowest ") + Html.escape(name) + " "
                    + format(history.series(name)[best]) + " at epoch " + (best + 1));
        }
        if (!parts.isEmpty()) {
            h.append("<p class=\"summary\">Best validation: ").append(String.join("; ", parts)).append(".</p>\n");
        }
    }

    private void appendTable(StringBuilder h) {
        List<String> names = history.names();
        List<double[]> columns = new ArrayList<>();
        int[] best = new int[names.size()];
        for (int c = 0; c < names.size(); c++) {
            columns.add(history.series(names.get(c)));
            String name = names.get(c);
            best[c] = name.startsWith("val_") && bestDirection(name) != 0 ? bestEpoch(name) : -1;
        }
        h.append("<h2>Per epoch</h2>\n<table class=\"epochs\">\n<thead><tr><th>epoch</th>");
        for (String name : names) {
            h.append("<th>").append(Html.escape(name)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (int e = 0; e < history.epochs(); e++) {
            h.append("<tr><td>").append(e + 1).append("</td>");
            for (int c = 0; c < columns.size(); c++) {
                String cell = format(columns.get(c)[e]);
                h.append(best[c] == e ? "<td class=\"best\">" : "<td>").append(cell).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    /** +1 if higher is better (accuracy), -1 if lower is better (loss), 0 if unknown. */
    private static int bestDirection(String name) {
        String base = name.startsWith("val_") ? name.substring(4) : name;
        if (Metric.ACCURACY.trainingKeys().contains(base)) {
            return 1;
        }
        return Metric.LOSS.trainingKeys().contains(base) ? -1 : 0;
    }

    private int bestEpoch(String name) {
        double[] values = history.series(name);
        int direction = bestDirection(name);
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(values[i]) && (best < 0 || direction * (values[i] - values[best]) > 0)) {
                best = i;
            }
        }
        return best;
    }

    /** Four decimals, as Keras prints metrics during training. */
    static String format(double value) {
        return Double.isNaN(value) ? "NaN" : String.format(Locale.ROOT, "%.4f", value);
    }

    /**
     * Writes the page atomically (temporary file, then rename).
     *
     * @param file the target, replaced if it exists; its directory must exist
     * @throws IOException if it cannot be written
     */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toHtml());
    }

    private static final String CSS = """
            body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1320px;
                   padding: 0 1em; color: #111; }
            h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
            .summary, .note, .footer { color: #444; } .footer { margin-top: 2em; font-size: 0.9em; }
            .charts { display: flex; flex-wrap: wrap; gap: 1em; }
            figure { margin: 0; } figcaption { text-align: center; color: #444; font-size: 0.9em; }
            figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
            table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
            th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
            table.epochs td, table.confusion td, table.classes td { text-align: right; }
            table.confusion, table.classes { margin: 0.8em 0; } table.confusion caption { text-align: left; color: #444; } table.run th { text-align: left; vertical-align: top; }
            table.run td { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
            td.best { font-weight: bold; }
            """;
}
