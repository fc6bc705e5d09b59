package org.transfer4j.examples.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.HeatmapImages;
import org.transfer4j.io.History;
import org.transfer4j.plots.TrainingChart;
import org.transfer4j.train.Evaluation;

/**
 * The HTML page of {@code transfer4j report}: self-contained (every image a {@code data:} URI, no external file,
 * script or font), readable offline and attachable to a mail. A small inline script records on {@code <body>} how
 * many images loaded ({@code data-images-loaded} of {@code data-images}) and any script error
 * ({@code data-errors}), so that a headless browser's DOM dump shows whether the page rendered.
 */
final class ModelReportPage {
    /** One evaluated image: its true and predicted class and its probability per class (index order). */
    record Item(Path file, int trueClass, int predicted, double[] probabilities) {
        double confidence() {
            return probabilities[predicted];
        }
    }

    private static final String CSS = """
            body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; text-align: right; }
            th { background: #eee; }
            .cm td { min-width: 4em; }
            .wrong { display: flex; flex-wrap: wrap; gap: 1em; }
            figure { margin: 0; text-align: center; }
            .wrong img { width: 180px; height: auto; image-rendering: pixelated; border: 1px solid #999; }
            figcaption { font-size: 0.85em; max-width: 180px; overflow-wrap: anywhere; }
            .note { color: #666; }
            """;

    private static final String SCRIPT = """
            window.addEventListener('error', function (e) {
              document.body.dataset.errors = (document.body.dataset.errors || '') + e.message + ';';
            });
            window.addEventListener('load', function () {
              var imgs = document.images, ok = 0;
              for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
              document.body.dataset.images = imgs.length;
              document.body.dataset.imagesLoaded = ok;
            });
            """;

    private final String modelName;
    private final String dataName;
    private final List<String> classes;
    private final Evaluation evaluation;
    private final List<Item> items;
    private final List<Explanation> wrong;
    private final History history;

    ModelReportPage(String modelName, String dataName, List<String> classes, Evaluation evaluation, List<Item> items,
            List<Explanation> wrong, History history) {
        this.modelName = modelName;
        this.dataName = dataName;
        this.classes = List.copyOf(classes);
        this.evaluation = evaluation;
        this.items = List.copyOf(items);
        this.wrong = List.copyOf(wrong);
        this.history = history;
    }

    String toHtml() {
        StringBuilder h = new StringBuilder(1 << 16);
        String title = "Model report: " + modelName + " on " + dataName;
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n<script>\n").append(SCRIPT)
                .append("</script>\n</head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p>").append(items.size()).append(" images; accuracy ").append(fmt(evaluation.accuracy()))
                .append(", loss ").append(fmt(evaluation.loss()));
        if (!Double.isNaN(evaluation.rocAuc())) {
            h.append(", ROC-AUC ").append(fmt(evaluation.rocAuc()));
        }
        h.append(".</p>\n");
        appendConfusion(h);
        appendPerClass(h);
        h.append("<h2>ROC curve</h2>\n<img alt=\"ROC curve\" src=\"").append(dataUri(HeatmapImages.png(rocChart())))
                .append("\">\n");
        appendWrong(h);
        appendHistory(h);
        h.append("<p class=\"note\">Written by transfer4j. Heatmaps: Grad-CAM (Selvaraju et al. 2017) of the predicted"
                + " class at ").append(wrong.isEmpty() ? "the last conv layer" : esc(wrong.get(0).heatmap().layer()))
                .append(", jet colours over the image at alpha 0.4 (Chollet, <i>Deep Learning with Python</i>, 5.4.3)."
                        + "</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private void appendConfusion(StringBuilder h) {
        long[][] cm = evaluation.confusion();
        long max = Arrays.stream(cm).flatMapToLong(Arrays::stream).max().orElse(1);
        h.append("<h2>Confusion matrix</h2>\n<table class=\"cm\">\n<tr><th>true \\ predicted</th>");
        for (String c : classes) {
            h.append("<th>").append(esc(c)).append("</th>");
        }
        h.append("</tr>\n");
        for (int t = 0; t < cm.length; t++) {
            h.append("<tr><th>").append(esc(classes.get(t))).append("</th>");
            for (int p = 0; p < cm[t].length; p++) {
                int shade = (int) Math.round(255 - 140.0 * cm[t][p] / Math.max(1, max));
                String color = t == p ? String.format("#%02x%02xff", shade, shade)
                        : String.format("#ff%02x%02x", shade, shade);
                h.append("<td style=\"background:").append(color).append("\">").append(cm[t][p]).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private void appendPerClass(StringBuilder h) {
        long[][] cm = evaluation.confusion();
        h.append("<h2>Per class</h2>\n<table>\n<tr><th>class</th><th>precision</th><th>recall</th><th>images</th></tr>\n");
        for (int c = 0; c < classes.size(); c++) {
            h.append("<tr><th>").append(esc(classes.get(c))).append("</th><td>").append(fmt(evaluation.precision()[c]))
                    .append("</td><td>").append(fmt(evaluation.recall()[c])).append("</td><td>")
                    .append(Arrays.stream(cm[c]).sum()).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private void appendWrong(StringBuilder h) {
        h.append("<h2>Most confidently wrong</h2>\n");
        if (wrong.isEmpty()) {
            h.append("<p class=\"note\">No image is misclassified.</p>\n");
            return;
        }
        h.append("<p class=\"note\">The ").append(wrong.size()).append(" wrong predictions made with the highest "
                + "probability; the heatmap shows what the model took as evidence for the class it chose.</p>\n");
        h.append("<div class=\"wrong\">\n");
        for (Explanation e : wrong) {
            Item item = items.stream().filter(i -> i.file().equals(e.file())).findFirst().orElseThrow();
            String caption = e.file().getFileName() + ": " + classes.get(item.trueClass()) + ", predicted "
                    + e.predicted() + " (" + fmt(e.confidence()) + ")";
            h.append("<figure><img alt=\"").append(esc(caption)).append("\" src=\"")
                    .append(dataUri(HeatmapImages.png(e.overlay()))).append("\"><figcaption>").append(esc(caption))
                    .append("</figcaption></figure>\n");
        }
        h.append("</div>\n");
    }

    private void appendHistory(StringBuilder h) {
        h.append("<h2>Training curves</h2>\n");
        if (history == null) {
            h.append("<p class=\"note\">No history.json beside the model.</p>\n");
            return;
        }
        for (TrainingChart chart : List.of(TrainingChart.accuracy(history), TrainingChart.loss(history))) {
            try {
                h.append("<img alt=\"").append(esc(chart.title())).append("\" src=\"")
                        .append(dataUri(chart.size(480, 360).toPng())).append("\">\n");
            } catch (IllegalArgumentException e) {
                h.append("<p class=\"note\">").append(esc(e.getMessage())).append("</p>\n");
            }
        }
    }

    /** One-vs-rest ROC curves (binary: the second class as positive), drawn with Java2D. */
    private BufferedImage rocChart() {
        int size = 400;
        int pad = 50;
        int plot = size - 2 * pad;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(Color.LIGHT_GRAY);
        g.drawLine(pad, pad + plot, pad + plot, pad);
        g.setColor(Color.BLACK);
        g.drawRect(pad, pad, plot, plot);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("false positive rate", pad + plot / 2 - 50, size - 15);
        g.drawString("0", pad - 4, pad + plot + 15);
        g.drawString("1", pad + plot - 4, pad + plot + 15);
        g.drawString("1", pad - 14, pad + 5);
        g.rotate(-Math.PI / 2);
        g.drawString("true positive rate", -(pad + plot / 2 + 45), 20);
        g.rotate(Math.PI / 2);
        Color[] colors = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189)};
        List<Integer> positives = classes.size() == 2 ? List.of(1) : rangeList(classes.size());
        g.setStroke(new BasicStroke(2f));
        int legend = 0;
        for (int c : positives) {
            double[][] roc = roc(c);
            if (roc == null) {
                continue;
            }
            g.setColor(colors[c % colors.length]);
            for (int i = 1; i < roc[0].length; i++) {
                g.drawLine(pad + (int) Math.round(roc[0][i - 1] * plot), pad + plot - (int) Math.round(roc[1][i - 1] * plot),
                        pad + (int) Math.round(roc[0][i] * plot), pad + plot - (int) Math.round(roc[1][i] * plot));
            }
            g.drawString(classes.get(c) + " (AUC " + fmt(auc(roc)) + ")", pad + plot / 2, pad + plot - 10 - 15 * legend++);
        }
        g.dispose();
        return img;
    }

    private static List<Integer> rangeList(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    /** {@code [fpr[], tpr[]]} of class {@code c} against the rest, thresholds at every distinct score; null if one side is empty. */
    double[][] roc(int c) {
        Item[] sorted = items.toArray(new Item[0]);
        Arrays.sort(sorted, (a, b) -> Double.compare(b.probabilities()[c], a.probabilities()[c]));
        long pos = items.stream().filter(i -> i.trueClass() == c).count();
        long neg = items.size() - pos;
        if (pos == 0 || neg == 0) {
            return null;
        }
        List<double[]> points = new ArrayList<>();
        points.add(new double[] {0, 0});
        long tp = 0;
        long fp = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i].trueClass() == c) {
                tp++;
            } else {
                fp++;
            }
            if (i + 1 == sorted.length || sorted[i + 1].probabilities()[c] != sorted[i].probabilities()[c]) {
                points.add(new double[] {(double) fp / neg, (double) tp / pos});
            }
        }
        double[][] out = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            out[0][i] = points.get(i)[0];
            out[1][i] = points.get(i)[1];
        }
        return out;
    }

    static double auc(double[][] roc) {
        double a = 0;
        for (int i = 1; i < roc[0].length; i++) {
            a += (roc[0][i] - roc[0][i - 1]) * (roc[1][i] + roc[1][i - 1]) / 2;
        }
        return a;
    }

    /** Writes the page atomically. */
    void write(Path file) throws IOException {
        // not createTempFile: its owner-only permissions would stay on the page
        Path tmp = file.toAbsolutePath().getParent().resolve("." + file.getFileName() + "." + System.nanoTime() + ".tmp");
        try {
            Files.writeString(tmp, toHtml(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
