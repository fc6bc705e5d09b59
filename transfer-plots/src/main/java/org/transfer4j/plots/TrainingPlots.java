package org.transfer4j.plots;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.io.History;

/**
 * Every picture of a training run in one directory, as {@code transfer4j plot} writes them: {@code accuracy.png},
 * {@code accuracy.svg}, {@code accuracy_smoothed.png}, {@code accuracy_smoothed.svg}, the same four for
 * {@code loss}, and {@code report.html}.
 *
 * <p>All charts are drawn in memory before the first file is written, so bad input leaves the directory untouched;
 * each file is then written atomically (temporary file, then rename), replacing an older one of the same name.
 *
 * <pre>{@code
 * History history = History.readJson(Path.of("history.json"));
 * List<Path> written = TrainingPlots.of(history).smoothing(0.8).writeTo(Path.of("plots"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TrainingPlots {

    /** File name of the HTML report. */
    public static final String REPORT_FILE_NAME = "report.html";

    private static final Logger LOG = LoggerFactory.getLogger(TrainingPlots.class);

    private final History history;
    private final HtmlReport report;
    private final double factor;
    private final int width;
    private final int height;

    private TrainingPlots(History history, HtmlReport report, double factor, int width, int height) {
        this.history = history;
        this.report = report;
        this.factor = factor;
        this.width = width;
        this.height = height;
    }

    /**
     * The plots of a history, smoothing factor {@value Smoothing#DEFAULT_FACTOR}, 640×480, no run information.
     *
     * @throws IllegalArgumentException if the history lacks the training loss ({@code loss}) or training accuracy
     *                                  ({@code acc} or {@code accuracy}) series, or its keys are ambiguous; validation
     *                                  series are optional
     */
    public static TrainingPlots of(History history) {
        if (history == null) {
            throw new IllegalArgumentException("history must not be null");
        }
        for (Metric m : Metric.values()) {
            TrainingChart.of(history, m);
        }
        return new TrainingPlots(history, HtmlReport.of(history), Smoothing.DEFAULT_FACTOR,
                TrainingChart.DEFAULT_WIDTH, TrainingChart.DEFAULT_HEIGHT);
    }

    /**
     * These plots with another smoothing factor.
     *
     * @throws IllegalArgumentException if the factor lies outside [0, 1)
     */
    public TrainingPlots smoothing(double factor) {
        return new TrainingPlots(history, report.smoothing(factor), factor, width, height);
    }

    /**
     * These plots at another chart size (PNG pixels; SVG and report charts alike).
     *
     * @throws IllegalArgumentException if a side lies outside [{@value TrainingChart#MIN_SIZE},
     *                                  {@value TrainingChart#MAX_SIZE}]
     */
    public TrainingPlots size(int width, int height) {
        return new TrainingPlots(history, report.chartSize(width, height), factor, width, height);
    }

    /**
     * These plots with the run's provenance for the report.
     *
     * @throws IllegalArgumentException as {@link HtmlReport#runInfo(Map)}
     */
    public TrainingPlots runInfo(Map<String, String> info) {
        return new TrainingPlots(history, report.runInfo(info), factor, width, height);
    }

    /**
     * These plots with evaluation sections in the report (see {@link HtmlReport#metrics(Map)}).
     *
     * @throws IllegalArgumentException as {@link HtmlReport#metrics(Map)}
     */
    public TrainingPlots metrics(Map<String, ClassificationMetrics> metrics) {
        return new TrainingPlots(history, report.metrics(metrics), factor, width, height);
    }

    /**
     * Draws everything and writes it into {@code dir}, creating the directory if needed.
     *
     * @param dir the output directory
     * @return the files written, in order: per metric (accuracy, loss) PNG, SVG, smoothed PNG, smoothed SVG; then
     *         the report
     * @throws IOException if the directory cannot be created or a file cannot be written
     */
    public List<Path> writeTo(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            TrainingChart raw = TrainingChart.of(history, m).size(width, height);
            TrainingChart smoothed = raw.smoothed(factor);
            files.put(m.fileBaseName() + ".png", raw.toPng());
            files.put(m.fileBaseName() + ".svg", raw.toSvg().getBytes(StandardCharsets.UTF_8));
            files.put(m.fileBaseName() + "_smoothed.png", smoothed.toPng());
            files.put(m.fileBaseName() + "_smoothed.svg", smoothed.toSvg().getBytes(StandardCharsets.UTF_8));
        }
        files.put(REPORT_FILE_NAME, report.toHtml().getBytes(StandardCharsets.UTF_8));

        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path target = dir.resolve(f.getKey());
            AtomicFiles.writeBytes(target, f.getValue());
            LOG.debug("Wrote {} ({} bytes)", target, f.getValue().length);
            written.add(target);
        }
        return written;
    }
}
