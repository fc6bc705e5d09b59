package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.transfer4j.Prediction;
import org.transfer4j.TransferModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transfer4j predict}: class probabilities of images with a saved model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Class probabilities of image files or of every image under folders, with a model.zip "
                + "written by train or fine-tune (its own preprocessing and input size; grayscale and RGBA images are "
                + "converted to RGB). One line per image; unreadable images are reported and make the exit code 1."})
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model.zip.")
    Path model;

    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "Images or folders.")
    List<Path> inputs;

    @Option(names = "--heatmap", paramLabel = "DIR",
            description = "Also write, per image, a Grad-CAM overlay PNG of the predicted class (jet colours, alpha "
                    + "0.4, at the image's own size) into DIR; its path ends the image's line.")
    Path heatmap;

    @Option(names = "--layer", paramLabel = "LAYER",
            description = "The conv layer the heatmaps are taken at (default: the base's last conv layer).")
    String layer;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failed = 0;
        try (TransferModel m = TransferModel.load(model)) {
            HeatmapWriter heatmaps = heatmap == null ? null : new HeatmapWriter(m, heatmap, layer);
            for (Path input : inputs) {
                for (Prediction p : m.predict(input)) {
                    if (p.error() != null) {
                        err.println(p.file() + ": " + p.error());
                        failed++;
                        continue;
                    }
                    StringBuilder sb = new StringBuilder(p.file().toString()).append('\t').append(p.predicted());
                    p.probabilities().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "\t%s=%.4f", k, v)));
                    if (heatmaps != null) {
                        sb.append("\theatmap=").append(heatmaps.write(p.file()));
                    }
                    out.println(sb);
                }
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
