package org.transfer4j.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transfer4j.io.History;
import org.transfer4j.io.HistoryFormatException;
import org.transfer4j.io.Provenance;
import org.transfer4j.plots.ClassificationMetrics;
import org.transfer4j.plots.TrainingChart;
import org.transfer4j.plots.TrainingPlots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code transfer4j plot HISTORY.json [--smooth 0.8] [--out DIR]}: the book's training curves of a Keras-shaped
 * history, as PNG and SVG, plus a self-contained HTML report.
 *
 * <p>Exit codes: 0 on success; 1 when the history (or a {@code run.json} beside it) cannot be read or plotted, or a
 * file cannot be written; 2 for bad options. Failures print one line to stderr.
 */
@Command(name = "plot",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Draws the training and validation accuracy and loss of a Keras-shaped history.json as in the book "
                    + "(training as blue dots, validation as a blue line), raw and exponentially smoothed.",
            "Writes accuracy.png, loss.png, accuracy_smoothed.png, loss_smoothed.png, an SVG of each and "
                    + "report.html (which also shows run.json from beside HISTORY.json, if present)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:files written", "1:bad or unreadable input, or a file could not be written",
            "2:bad options"})
public final class PlotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HISTORY.json",
            description = "Keras history.history as JSON: {\"loss\":[...],\"acc\":[...],\"val_loss\":[...],"
                    + "\"val_acc\":[...]} (acc/accuracy both accepted; validation keys optional).")
    Path history;

    @Option(names = "--smooth", paramLabel = "FACTOR", defaultValue = "0.8",
            description = "Exponential smoothing factor in [0, 1) for the *_smoothed charts (default: ${DEFAULT-VALUE}).")
    double smooth;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory, created if missing (default: the directory of HISTORY.json).")
    Path out;

    @Option(names = "--width", paramLabel = "PX", defaultValue = "640",
            description = "Chart width in pixels (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", paramLabel = "PX", defaultValue = "480",
            description = "Chart height in pixels (default: ${DEFAULT-VALUE}).")
    int height;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        String badOption = badOption();
        if (badOption != null) {
            err.println("transfer4j plot: " + badOption);
            err.flush();
            return 2;
        }
        Path dir = out != null ? out : history.toAbsolutePath().getParent();
        try {
            History h = History.readJson(history);
            List<Path> written = TrainingPlots.of(h)
                    .smoothing(smooth)
                    .size(width, height)
                    .runInfo(Provenance.readRunInfoBeside(history))
                    .metrics(ClassificationMetrics.readBeside(history))
                    .writeTo(dir);
            for (Path p : written) {
                stdout.println("Wrote " + p);
            }
            stdout.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("transfer4j plot: " + history + ": " + e.getMessage());
        } catch (HistoryFormatException | NoSuchFileException e) {
            err.println("transfer4j plot: " + e.getMessage());
        } catch (IOException e) {
            // e.g. AccessDeniedException, whose message is only the path
            err.println("transfer4j plot: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        err.flush();
        return 1;
    }

    private String badOption() {
        if (!(smooth >= 0 && smooth < 1)) {
            return "--smooth must be in [0, 1) (0 inclusive, 1 exclusive); got " + smooth;
        }
        for (int i = 0; i < 2; i++) {
            int value = i == 0 ? width : height;
            if (value < TrainingChart.MIN_SIZE || value > TrainingChart.MAX_SIZE) {
                return (i == 0 ? "--width" : "--height") + " must be in [" + TrainingChart.MIN_SIZE + ", "
                        + TrainingChart.MAX_SIZE + "] pixels; got " + value;
            }
        }
        return null;
    }
}
