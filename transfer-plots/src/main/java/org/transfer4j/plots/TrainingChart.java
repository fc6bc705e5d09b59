package org.transfer4j.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.io.History;

/**
 * One of the book's training charts, "Training and validation accuracy" or "Training and validation loss" (Chollet,
 * <i>Deep Learning with Python</i>, listing 5.19 raw and listing 5.24 smoothed), drawn with XChart.
 *
 * <p>As in the book's matplotlib code ({@code plt.plot(epochs, acc, 'bo', label='Training acc')},
 * {@code plt.plot(epochs, val_acc, 'b', label='Validation acc')}): training values are blue dots, validation values a
 * blue line, epochs 1..N on the x axis, a legend and a title. The smoothed variant passes both series through
 * {@link Smoothing#exponential(double[], double)} and labels them "Smoothed training acc" / "Smoothed validation acc";
 * the title stays the book's. Axis titles ("Epochs", "Accuracy"/"Loss") are added, which the book's chapter 5
 * figures leave out.
 *
 * <p>Histories without validation data still plot: only the training dots are drawn and the title becomes
 * "Training accuracy" / "Training loss". NaN values (missing epochs) are left out: no dot, and a gap in the line.
 * The legend goes in whichever inside corner of the plot covers the fewest points (a simple form of matplotlib's
 * {@code loc='best'}).
 *
 * <pre>{@code
 * TrainingChart.accuracy(history).smoothed(0.8).size(800, 600).writePng(Path.of("accuracy_smoothed.png"));
 * }</pre>
 *
 * <p>Immutable and thread-safe; every call draws a fresh XChart chart.
 */
public final class TrainingChart {

    /** Default width in pixels: matplotlib's default figure, 6.4 inches at 100 dpi. */
    public static final int DEFAULT_WIDTH = 640;
    /** Default height in pixels: matplotlib's default figure, 4.8 inches at 100 dpi. */
    public static final int DEFAULT_HEIGHT = 480;
    /** Smallest accepted width or height, in pixels. */
    public static final int MIN_SIZE = 200;
    /** Largest accepted width or height, in pixels. */
    public static final int MAX_SIZE = 10_000;

    /** Name of the hidden series in {@link #toXChart()} that keeps axis ticks round. */
    public static final String TICK_GUARD_SERIES = "tick-guard";

    /** matplotlib's 'b': pure blue. */
    static final Color BOOK_BLUE = new Color(0, 0, 255);

    private static final Pattern SVG_ID = Pattern.compile("id=\"([^\"]+)\"");

    private final History history;
    private final Metric metric;
    private final double factor; // NaN: raw
    private final int width;
    private final int height;

    private TrainingChart(History history, Metric metric, double factor, int width, int height) {
        this.history = history;
        this.metric = metric;
        this.factor = factor;
        this.width = width;
        this.height = height;
    }

    /**
     * The raw chart of one metric, at the default size.
     *
     * @param history the run's history
     * @param metric  which curves to draw
     * @return the chart
     * @throws IllegalArgumentException if the history lacks the metric's training series (see
     *                                  {@link Metric#trainingKey(History)} and
     *                                  {@link Metric#validationKey(History)}), or a series to draw is NaN at every
     *                                  epoch (its chart would be blank)
     */
    public static TrainingChart of(History history, Metric metric) {
        if (history == null || metric == null) {
            throw new IllegalArgumentException("history and metric must not be null; got " + history + ", " + metric);
        }
        // checks both keys now rather than at drawing time
        Optional<String> validation = metric.validationKey(history);
        requireSomethingToDraw(history, metric.trainingKey(history));
        validation.ifPresent(key -> requireSomethingToDraw(history, key));
        return new TrainingChart(history, metric, Double.NaN, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /** "Training and validation accuracy": {@code of(history, Metric.ACCURACY)}. */
    public static TrainingChart accuracy(History history) {
        return of(history, Metric.ACCURACY);
    }

    /** "Training and validation loss": {@code of(history, Metric.LOSS)}. */
    public static TrainingChart loss(History history) {
        return of(history, Metric.LOSS);
    }

    /**
     * This chart with both curves smoothed by {@link Smoothing#exponential(double[], double)}.
     *
     * @param factor the smoothing factor, in [0, 1)
     * @throws IllegalArgumentException if the factor lies outside [0, 1)
     */
    public TrainingChart smoothed(double factor) {
        return new TrainingChart(history, metric, Smoothing.checkFactor(factor), width, height);
    }

    /** This chart smoothed with the book's factor, {@value Smoothing#DEFAULT_FACTOR}. */
    public TrainingChart smoothed() {
        return smoothed(Smoothing.DEFAULT_FACTOR);
    }

    /** This chart without smoothing. */
    public TrainingChart raw() {
        return new TrainingChart(history, metric, Double.NaN, width, height);
    }

    /**
     * This chart at another size.
     *
     * @param width  pixels, in [{@value #MIN_SIZE}, {@value #MAX_SIZE}]
     * @param height pixels, in [{@value #MIN_SIZE}, {@value #MAX_SIZE}]
     * @throws IllegalArgumentException if either lies outside that range
     */
    public TrainingChart size(int width, int height) {
        checkSize("width", width);
        checkSize("height", height);
        return new TrainingChart(history, metric, factor, width, height);
    }

    static void checkSize(String name, int value) {
        if (value < MIN_SIZE || value > MAX_SIZE) {
            throw new IllegalArgumentException("chart " + name + " must be in [" + MIN_SIZE + ", " + MAX_SIZE
                    + "] pixels (inclusive); got " + value);
        }
    }

    /** The metric drawn. */
    public Metric metric() {
        return metric;
    }

    /** Whether the curves are smoothed. */
    public boolean isSmoothed() {
        return !Double.isNaN(factor);
    }

    /** The smoothing factor, if smoothed. */
    public Optional<Double> smoothingFactor() {
        return isSmoothed() ? Optional.of(factor) : Optional.empty();
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** The title, e.g. "Training and validation accuracy" (or "Training accuracy" without validation data). */
    public String title() {
        return metric.title(metric.validationKey(history).isPresent());
    }

    /** The legend labels in drawing order, e.g. ["Training acc", "Validation acc"]. */
    public List<String> seriesNames() {
        List<String> names = new ArrayList<>();
        names.add(metric.trainingLabel(isSmoothed()));
        if (metric.validationKey(history).isPresent()) {
            names.add(metric.validationLabel(isSmoothed()));
        }
        return names;
    }

    /**
     * A fresh XChart chart of these curves, for further styling or display in Swing. Besides the training and
     * validation series it holds a hidden, legend-less series named {@value #TICK_GUARD_SERIES} with one NaN point,
     * which makes XChart choose round axis ticks; leave it in place.
     */
    XYChart toXChart() {
        double[] epochs = new double[history.epochs()];
        for (int i = 0; i < epochs.length; i++) {
            epochs[i] = i + 1;
        }
        double[] training = curve(metric.trainingKey(history));
        Optional<String> validationKey = metric.validationKey(history);
        double[] validation = validationKey.map(this::curve).orElse(null);

        XYChart chart = new XYChartBuilder().width(width).height(height).title(title())
                .xAxisTitle("Epochs").yAxisTitle(metric.axisTitle()).build();
        styleLikeMatplotlib(chart.getStyler());
        chart.getStyler().setLegendPosition(bestLegendCorner(epochs, training, validation));

        XYSeries dots = chart.addSeries(metric.trainingLabel(isSmoothed()), epochs, training);
        dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        dots.setMarker(SeriesMarkers.CIRCLE);
        dots.setMarkerColor(BOOK_BLUE);
        dots.setLineColor(BOOK_BLUE);
        if (validation != null) {
            XYSeries line = chart.addSeries(metric.validationLabel(isSmoothed()), epochs, validation);
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(BOOK_BLUE);
            float lineWidth = Math.max(1.5f, 1.5f * Math.min(width, height) / DEFAULT_HEIGHT);
            line.setLineStyle(new BasicStroke(lineWidth, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        // XChart puts a tick at every data value when all x (or all y) values are equally spaced, as epochs 1..N
        // always are: 30 crowded epoch labels, or 0.5137931034482758-style labels for a linear curve. A hidden,
        // empty (NaN) series breaks that equal spacing, so XChart picks round ticks (0, 5, 10, ...) as matplotlib.
        XYSeries guard = chart.addSeries(TICK_GUARD_SERIES, new double[] {Double.NaN}, new double[] {Double.NaN});
        guard.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        guard.setMarker(SeriesMarkers.NONE);
        guard.setShowInLegend(false);
        return chart;
    }

    private static void requireSomethingToDraw(History history, String key) {
        double[] values = history.series(key);
        for (double v : values) {
            if (!Double.isNaN(v)) {
                return;
            }
        }
        throw new IllegalArgumentException("series '" + key + "' is NaN at every one of its " + values.length
                + " epochs; there is nothing to draw");
    }

    private double[] curve(String key) {
        double[] values = history.series(key);
        return isSmoothed() ? Smoothing.exponential(values, factor) : values;
    }

    private static void styleLikeMatplotlib(XYStyler styler) {
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(true);
        styler.setPlotBorderColor(Color.BLACK);
        styler.setPlotGridLinesVisible(false);
        styler.setChartTitleBoxVisible(false);
        styler.setChartTitleFont(base.deriveFont(14f));
        styler.setChartFontColor(Color.BLACK);
        styler.setAxisTitleFont(base);
        styler.setAxisTickLabelsFont(base.deriveFont(11f));
        styler.setAxisTickLabelsColor(Color.BLACK);
        styler.setAxisTickMarksColor(Color.BLACK);
        styler.setLegendFont(base.deriveFont(11f));
        styler.setLegendBorderColor(new Color(0xCC, 0xCC, 0xCC));
        styler.setLegendBackgroundColor(new Color(255, 255, 255, 204));
        styler.setLegendSeriesLineLength(24);
        styler.setMarkerSize(7);
        styler.setLocale(Locale.ROOT);
        styler.setAntiAlias(true);
    }

    /** The inside corner of the plot whose quarter holds the fewest points: NE, NW, SE, then SW on ties. */
    static Styler.LegendPosition bestLegendCorner(double[] x, double[] a, double[] b) {
        double xMin = x[0];
        double xMax = x[x.length - 1];
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (double[] ys : b == null ? new double[][] {a} : new double[][] {a, b}) {
            for (double y : ys) {
                if (!Double.isNaN(y)) {
                    yMin = Math.min(yMin, y);
                    yMax = Math.max(yMax, y);
                }
            }
        }
        Styler.LegendPosition[] corners = {
            Styler.LegendPosition.InsideNE, Styler.LegendPosition.InsideNW,
            Styler.LegendPosition.InsideSE, Styler.LegendPosition.InsideSW
        };
        int[] counts = new int[4];
        for (double[] ys : b == null ? new double[][] {a} : new double[][] {a, b}) {
            for (int i = 0; i < ys.length; i++) {
                if (Double.isNaN(ys[i])) {
                    continue;
                }
                double fx = xMax > xMin ? (x[i] - xMin) / (xMax - xMin) : 0.5;
                double fy = yMax > yMin ? (ys[i] - yMin) / (yMax - yMin) : 0.5;
                boolean east = fx >= 0.55;
                boolean west = fx <= 0.45;
                boolean north = fy >= 0.65;
                boolean south = fy <= 0.35;
                if (north && east) {
                    counts[0]++;
                }
                if (north && west) {
                    counts[1]++;
                }
                if (south && east) {
                    counts[2]++;
                }
                if (south && west) {
                    counts[3]++;
                }
            }
        }
        int best = 0;
        for (int i = 1; i < 4; i++) {
            if (counts[i] < counts[best]) {
                best = i;
            }
        }
        return corners[best];
    }

    /** The chart as PNG bytes, {@link #width()} × {@link #height()} pixels. */
    public byte[] toPng() {
        try {
            return BitmapEncoder.getBitmapBytes(toXChart(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a PNG in memory failed", e);
        }
    }

    /**
     * The chart as a standalone SVG document. Text is drawn as outlines (XChart's way), so the document also carries
     * a {@code <title>} (the chart title) and a {@code <desc>} naming every series, for search and screen readers.
     */
    public String toSvg() {
        return toSvg("chart");
    }

    /** The SVG with element ids prefixed by {@code idPrefix}, so several charts can be inlined in one HTML page. */
    String toSvg(String idPrefix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(toXChart(), out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an SVG in memory failed", e);
        }
        String svg = renumberIds(out.toString(StandardCharsets.UTF_8), idPrefix);
        int open = svg.indexOf("<svg");
        int openEnd = svg.indexOf('>', open);
        if (open < 0 || openEnd < 0) {
            throw new IllegalStateException("XChart wrote no <svg> element");
        }
        String description = describe();
        return svg.substring(0, openEnd) + " role=\"img\">\n  <title>" + Html.escape(title()) + "</title>\n  <desc>"
                + Html.escape(description) + "</desc>" + svg.substring(openEnd + 1);
    }

    /** E.g. "Training acc (blue dots) and Validation acc (blue line) over epochs 1 to 30". */
    String describe() {
        List<String> names = seriesNames();
        String text = names.get(0) + " (blue dots)";
        if (names.size() > 1) {
            text += " and " + names.get(1) + " (blue line)";
        }
        text += " over epochs 1 to " + history.epochs();
        if (isSmoothed()) {
            text += ", exponentially smoothed with factor " + factor;
        }
        return text;
    }

    /** Replaces XChart's hash-based ids (e.g. clip885752416) by deterministic ones, prefix-1, prefix-2, ... */
    private static String renumberIds(String svg, String prefix) {
        Matcher m = SVG_ID.matcher(svg);
        List<String> ids = new ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        String result = svg;
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            String fresh = prefix + "-" + (i + 1);
            result = result.replace("id=\"" + id + "\"", "id=\"" + fresh + "\"")
                    .replace("url(#" + id + ")", "url(#" + fresh + ")")
                    .replace("href=\"#" + id + "\"", "href=\"#" + fresh + "\"");
        }
        return result;
    }

    /**
     * Writes the PNG atomically (temporary file, then rename).
     *
     * @param file the target, replaced if it exists; its directory must exist
     * @throws IOException if it cannot be written
     */
    public void writePng(Path file) throws IOException {
        AtomicFiles.writeBytes(file, toPng());
    }

    /**
     * Writes the SVG atomically (temporary file, then rename).
     *
     * @param file the target, replaced if it exists; its directory must exist
     * @throws IOException if it cannot be written
     */
    public void writeSvg(Path file) throws IOException {
        AtomicFiles.writeString(file, toSvg());
    }

    @Override
    public String toString() {
        return "TrainingChart[" + title() + (isSmoothed() ? ", smoothed " + factor : "") + ", " + width + "x"
                + height + "]";
    }
}
