package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.transfer4j.Prediction;
import org.transfer4j.TransferModel;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;
import org.transfer4j.io.History;
import org.transfer4j.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code transfer4j report --model M --data DIR/test [--out DIR]}: one self-contained HTML page on what a model gets
 * right and wrong on a labelled folder.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a model.zip on a folder of class sub-folders and writes one self-contained "
                + "report.html (images inlined): accuracy, loss, confusion matrix, per-class precision and recall, "
                + "ROC curve, the most confidently wrong images with their Grad-CAM heatmaps, and the training curves "
                + "when a history.json is beside the model."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:report written", "1:model, data or output unusable"})
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model.zip.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "A folder with one sub-folder per class of the model, e.g. DIR/test.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where report.html goes (default: a folder 'report' beside the model).")
    Path out;

    @Option(names = "--wrong", paramLabel = "N", defaultValue = "12",
            description = "How many of the most confidently wrong images to show (default: ${DEFAULT-VALUE}).")
    int wrong;

    @Option(names = "--layer", paramLabel = "LAYER",
            description = "The conv layer of the heatmaps (default: the base's last conv layer).")
    String layer;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        if (wrong < 0) {
            throw new IllegalArgumentException("--wrong must be at least 0; got " + wrong);
        }
        Path dir = out != null ? out : model.toAbsolutePath().getParent().resolve("report");
        try (TransferModel m = TransferModel.load(model)) {
            List<String> names = m.classNames();
            List<ImageEntry> entries = ImageFolder.of(data).classes(names).list().entries();
            Map<Path, Prediction> byFile = new HashMap<>();
            for (Prediction p : m.predict(data)) {
                byFile.put(p.file().toAbsolutePath().normalize(), p);
            }
            List<ModelReportPage.Item> items = new ArrayList<>();
            for (ImageEntry e : entries) {
                Prediction p = byFile.get(e.path().toAbsolutePath().normalize());
                if (p == null || p.error() != null) {
                    throw new IllegalArgumentException("Cannot read " + e.path() + (p == null ? "" : ": " + p.error()));
                }
                double[] probabilities = names.stream().mapToDouble(n -> p.probabilities().get(n)).toArray();
                items.add(new ModelReportPage.Item(e.path(), e.classIndex(), names.indexOf(p.predicted()),
                        probabilities));
            }
            int units = m.pipeline().head().orElseThrow().outputUnits();
            float[] flat = new float[items.size() * units];
            for (int i = 0; i < items.size(); i++) {
                for (int j = 0; j < units; j++) {
                    flat[i * units + j] = (float) items.get(i).probabilities()[units == 1 ? 1 : j];
                }
            }
            Evaluation evaluation = Evaluation.of(flat, units, items.stream().mapToInt(ModelReportPage.Item::trueClass)
                    .toArray(), names);
            List<ModelReportPage.Item> mistakes = items.stream().filter(i -> i.predicted() != i.trueClass())
                    .sorted(Comparator.comparingDouble(ModelReportPage.Item::confidence).reversed()).limit(wrong)
                    .toList();
            GradCam gradCam = layer == null ? GradCam.defaults() : GradCam.layer(layer);
            List<Explanation> explained = mistakes.isEmpty() ? List.of()
                    : m.explain(mistakes.stream().map(ModelReportPage.Item::file).toList(), gradCam);
            Path history = model.toAbsolutePath().getParent().resolve("history.json");
            ModelReportPage page = new ModelReportPage(model.getFileName().toString(), data.toString(), names,
                    evaluation, items, explained,
                    Files.isRegularFile(history) ? History.readJson(history) : null);
            Files.createDirectories(dir);
            Path html = dir.resolve("report.html");
            page.write(html);
            stdout.printf("%s%nWrote %s (%d images, %d wrong, %d shown with heatmaps%s)%n", evaluation.report().strip(),
                    html, items.size(), items.stream().filter(i -> i.predicted() != i.trueClass()).count(),
                    explained.size(), Files.isRegularFile(history) ? ", training curves from " + history : "");
            stdout.flush();
        }
        return 0;
    }
}
