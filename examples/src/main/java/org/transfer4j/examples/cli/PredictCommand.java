package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.SerializationFeature;
import org.transfer4j.Prediction;
import org.transfer4j.TransferModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transfer4j predict}: class probabilities of images with a saved model. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Class probabilities of image files or of every image under folders, with a model.zip "
                + "written by train or fine-tune (its own preprocessing and input size; grayscale and RGBA images are "
                + "converted to RGB). Unreadable images are reported on stderr and make the exit code 1.",
                "--format text (default): one line per image, the predicted class and the --top most probable "
                        + "classes, most probable first. tsv / csv: a header row, then one row per image: path, "
                        + "predicted class, the probability of every class in class-index order. json: an array "
                        + "with one object per image and line."})
final class PredictCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format { TEXT, TSV, CSV, JSON }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model.zip.")
    Path model;

    @Option(names = "--format", paramLabel = "text|tsv|csv|json", defaultValue = "text",
            description = "Output format. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5",
            description = "Classes shown per image by --format text, most probable first. Default: ${DEFAULT-VALUE}.")
    int top;

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
        Format f = parseFormat(format);
        if (top < 1) {
            throw new IllegalArgumentException("--top " + top + ": expected 1 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failed = 0;
        try (TransferModel m = TransferModel.load(model)) {
            List<String> classes = m.classNames();
            List<Prediction> predictions = new ArrayList<>();
            HeatmapWriter heatmaps = heatmap == null ? null : new HeatmapWriter(m, heatmap, layer);
            for (Path input : inputs) {
                predictions.addAll(m.predict(input));
            }
            // heatmaps for every readable image, explained in batches (not one image per pass)
            Map<Prediction, Path> overlays = new IdentityHashMap<>(); // a file listed twice is two rows
            if (heatmaps != null) {
                List<Prediction> readable = predictions.stream().filter(p -> p.error() == null).toList();
                List<Path> pngs = heatmaps.writeAll(readable.stream().map(Prediction::file).toList());
                for (int i = 0; i < readable.size(); i++) {
                    overlays.put(readable.get(i), pngs.get(i));
                }
            }
            boolean first = true;
            if (f == Format.TSV || f == Format.CSV) {
                List<String> header = new ArrayList<>(List.of("path", "predicted"));
                header.addAll(classes);
                if (heatmaps != null) {
                    header.add("heatmap");
                }
                out.println(row(header, f));
            } else if (f == Format.JSON) {
                out.println("[");
            }
            for (Prediction p : predictions) {
                if (p.error() != null) {
                    err.println(p.file() + ": " + p.error());
                    failed++;
                    continue;
                }
                String overlay = heatmaps == null ? null : overlays.get(p).toString();
                switch (f) {
                    case TEXT -> out.println(text(p) + (overlay == null ? "" : "\theatmap=" + overlay));
                    case TSV, CSV -> {
                        List<String> cells = new ArrayList<>(List.of(p.file().toString(), p.predicted()));
                        for (String c : classes) {
                            cells.add(number(p.probabilities().get(c)));
                        }
                        if (overlay != null) {
                            cells.add(overlay);
                        }
                        out.println(row(cells, f));
                    }
                    case JSON -> {
                        Map<String, Object> o = new LinkedHashMap<>();
                        o.put("path", p.file().toString());
                        o.put("predicted", p.predicted());
                        o.put("probabilities", p.probabilities());
                        if (overlay != null) {
                            o.put("heatmap", overlay);
                        }
                        out.print((first ? "" : ",\n") + RunFiles.JSON.writer().without(
                                SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
                        first = false;
                    }
                    default -> throw new IllegalStateException(f.toString());
                }
            }
            if (f == Format.JSON) {
                out.println(first ? "]" : "\n]");
            }
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    static Format parseFormat(String text) {
        for (Format f : Format.values()) {
            if (f.name().equalsIgnoreCase(text.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("--format " + text + ": expected text, tsv, csv or json");
    }

    /** {@code path<TAB>predicted<TAB>class=p ...} with the {@code top} most probable classes, most probable first. */
    private String text(Prediction p) {
        StringBuilder sb = new StringBuilder(p.file().toString()).append('\t').append(p.predicted());
        p.probabilities().entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())).limit(top)
                .forEach(e -> sb.append(String.format(Locale.ROOT, "\t%s=%.4f", e.getKey(), e.getValue())));
        return sb.toString();
    }

    private static String number(Double v) {
        return v == null || !Double.isFinite(v) ? "" : Double.toString(v);
    }

    /** Tab-separated (tabs and newlines in a cell become spaces) or RFC 4180 CSV. */
    static String row(List<String> cells, Format f) {
        List<String> out = new ArrayList<>();
        for (String c : cells) {
            if (f == Format.TSV) {
                out.add(c.replaceAll("[\t\r\n]", " "));
            } else {
                out.add(c.matches(".*[\",\r\n].*") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
            }
        }
        return String.join(f == Format.TSV ? "\t" : ",", out);
    }
}
