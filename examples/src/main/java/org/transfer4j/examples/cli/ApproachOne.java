package org.transfer4j.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.transfer4j.ClassWeights;
import org.transfer4j.Head;
import org.transfer4j.Optimizers;
import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImageReport;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.io.History;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Weights;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.Evaluation;
import org.transfer4j.train.TrainingListener;

/**
 * The book's approach 1 (listings 5-17 to 5-19) as the CLI runs it: extract or reuse conv-base features of
 * {@code train/}, {@code validation/} and, if present, {@code test/}; train the head; evaluate on test; write
 * {@code history.json}, {@code metrics.json} and {@code run.json}.
 */
final class ApproachOne {
    /** What a run produced. */
    record Result(History history, Evaluation test, Evaluation validation, Path out) {
    }

    /** The model file every training command writes into its output folder. */
    static final String MODEL_FILE = "model.zip";

    private ApproachOne() {
    }

    static Result run(String command, ModelOptions options, ConvBase base, Path data, Path out, Path cache, Head head,
            int epochs, double lr, ClassWeights classWeights, PrintWriter outLine, PrintWriter err)
            throws IOException, BadImageException {
        requireBookLayout(data);
        Path train = data.resolve("train");
        Path validation = data.resolve("validation");
        Path test = data.resolve("test");
        boolean interactive = System.console() != null;
        TransferPipeline pipeline = TransferPipeline.from(base).head(head).optimizer(Optimizers.rmsprop(lr))
                .epochs(epochs).batchSize(options.batch).seed(options.seed).precision(options.precision())
                .classWeights(classWeights).listener(epochLines(outLine));
        outLine.println(options.precisionLine());
        Weights weights = base.loadWeights();
        FeatureSet trainSet = extract(pipeline, weights, options, train, cache.resolve("train"), err, interactive);
        FeatureSet validationSet = extract(pipeline, weights, options, validation, cache.resolve("validation"), err,
                interactive);
        FeatureSet testSet = Files.isDirectory(test)
                ? extract(pipeline, weights, options, test, cache.resolve("test"), err, interactive) : null;
        outLine.printf(Locale.ROOT, "Training %s on %d images (%d validation), %d epochs, batch %d, %s%s%n",
                head, trainSet.samples(), validationSet.samples(), epochs, options.batch,
                pipeline.trainingOptions().optimizer().describe(), classWeightNote(classWeights, trainSet));
        try (TransferModel model = pipeline.fit(trainSet, validationSet)) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("approach", "feature extraction (book listings 5-17 to 5-19)");
            extra.put("features", cache.toAbsolutePath().toString());
            extra.put("class_weight", classWeights.toString());
            return writeResults(command, model, data, out, model.evaluate(validationSet),
                    testSet == null ? null : model.evaluate(testSet), extra, err);
        }
    }

    /**
     * Approach 1 on features {@code transfer4j extract} left on disk ({@code features/train}, {@code validation},
     * optionally {@code test}: sharded sets), streamed a shard at a time for training and evaluation, so memory stays
     * flat however many images there are.
     */
    static Result runStreaming(String command, ModelOptions options, ConvBase base, Path features, Path out, Head head,
            int epochs, double lr, ClassWeights classWeights, PrintWriter outLine, PrintWriter err)
            throws IOException {
        ShardedFeatures train = openSharded(features.resolve("train"));
        ShardedFeatures validation = openSharded(features.resolve("validation"));
        ShardedFeatures test = Files.isDirectory(features.resolve("test")) ? openSharded(features.resolve("test"))
                : null;
        TransferPipeline pipeline = TransferPipeline.from(base).head(head).optimizer(Optimizers.rmsprop(lr))
                .epochs(epochs).batchSize(options.batch).seed(options.seed).precision(options.precision())
                .classWeights(classWeights).listener(epochLines(outLine));
        outLine.printf(Locale.ROOT, "Training %s on %d images (%d validation) streamed from %s, %d epochs, batch %d, %s%n",
                head, train.samples(), validation.samples(), features, epochs, options.batch,
                pipeline.trainingOptions().optimizer().describe());
        try (TransferModel model = pipeline.fit(train, validation)) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("approach", "feature extraction, features streamed from sharded sets");
            extra.put("features", features.toAbsolutePath().toString());
            extra.put("class_weight", classWeights.toString());
            return writeResults(command, model, features, out, model.evaluate(validation),
                    test == null ? null : model.evaluate(test), extra, err);
        }
    }

    /** @throws IllegalArgumentException naming the folder if it holds no committed sharded feature set */
    static ShardedFeatures openSharded(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--features: no folder " + dir + " (expected train/ and validation/ as "
                    + "transfer4j extract writes them)");
        }
        return ShardedFeatureCache.at(dir).open();
    }

    /** {@code ", class weights balanced {0=0.5, 1=1.5}"}, or empty without class weights. */
    static String classWeightNote(ClassWeights weights, FeatureSet train) {
        if (weights.isNone()) {
            return "";
        }
        long[] counts = new long[train.classIndices().size()];
        for (int c : train.classes()) {
            counts[c]++;
        }
        return ", class weights " + (weights.isBalanced() ? "balanced " + weights.resolve(counts) : weights);
    }

    /**
     * @throws IllegalArgumentException unless {@code data} holds {@code train/} and {@code validation/}
     */
    static void requireBookLayout(Path data) {
        for (String split : new String[] {"train", "validation"}) {
            if (!Files.isDirectory(data.resolve(split))) {
                throw new IllegalArgumentException("--data " + data + " must hold train/ and validation/ (and "
                        + "optionally test/) as in the book; missing " + data.resolve(split));
            }
        }
    }

    /** Prints Keras-like epoch lines. */
    static TrainingListener epochLines(PrintWriter outLine) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochReport report) {
                outLine.println(report.line());
                outLine.flush();
            }
        };
    }

    /** Writes history.json, model.zip, metrics.json and run.json into {@code out}. */
    static Result writeResults(String command, TransferModel model, Path data, Path out,
            Evaluation validation, Evaluation test, Map<String, Object> extra, PrintWriter err) throws IOException {
        Files.createDirectories(out);
        RunFiles.writeHistory(out, model.history());
        model.save(out.resolve(MODEL_FILE), false);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("validation", RunFiles.metrics(validation));
        if (test != null) {
            metrics.put("test", RunFiles.metrics(test));
        }
        RunFiles.writeJson(out.resolve("metrics.json"), metrics);
        RunFiles.writeJson(out.resolve("run.json"), RunFiles.provenance(command, model.provenance(),
                model.pipeline(), data, model.history(), model.stopReason(), extra));
        if (model.stopReason() != null) {
            err.println("Training stopped: " + model.stopReason());
        }
        return new Result(model.history(), test, validation, out);
    }

    static FeatureSet extract(TransferPipeline pipeline, Weights weights, ModelOptions options, Path folder, Path cache,
            PrintWriter err, boolean interactive) throws IOException, BadImageException {
        String name = folder.getFileName().toString();
        ProgressLine line = new ProgressLine(err, "Extracting " + name, "img", 1, interactive);
        FeatureSet set = pipeline.extractFeatures(weights, options.folder(folder), cache,
                (done, total, rate, eta) -> line.update(done, total, ""));
        report(err, name, cache, set.extracted(), set.reused(), set.skipped());
        return set;
    }

    /**
     * As {@link #extract} but leaves the features on disk, committed in shards of {@code shardSize} images (the
     * {@code extract} command: flat memory, and an interrupted run resumes at the first shard not committed).
     */
    static ShardedFeatureCache.Update update(TransferPipeline pipeline, Weights weights,
            ModelOptions options, Path folder, Path cache, int shardSize, PrintWriter err, boolean interactive)
            throws IOException, BadImageException {
        String name = folder.getFileName().toString();
        ProgressLine line = new ProgressLine(err, "Extracting " + name, "img", 1, interactive);
        var u = pipeline.updateShardedFeatures(weights, options.folder(folder), cache, shardSize,
                (done, total, rate, eta) -> line.update(done, total, ""));
        report(err, name, cache, u.extracted(), u.reused(), u.skipped());
        return u;
    }

    private static void report(PrintWriter err, String name, Path cache, int extracted, int reused,
            BadImageReport skipped) {
        if (extracted == 0) {
            err.printf(Locale.ROOT, "Features of %s: cache hit, %d images reused from %s%n", name, reused, cache);
        } else {
            err.printf(Locale.ROOT, "Features of %s: %d images extracted, %d reused, in %s%n", name, extracted,
                    reused, cache);
        }
        if (!skipped.isEmpty()) {
            err.println("Skipped " + skipped.size() + " bad images in " + name + ":");
            skipped.skipped().forEach(s -> err.println("  " + s.filename() + ": " + s.reason() + " " + s.message()));
        }
        err.flush();
    }
}
