package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.transfer4j.ClassWeights;
import org.transfer4j.Head;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transfer4j train}: the book's approach 1 (feature extraction, then a dense head). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Approach 1 of the book (listings 5-17 to 5-19): extract or reuse VGG16 features of "
                + "DIR/train, DIR/validation and DIR/test, train a dense head on them, evaluate on test.",
                "With --augment, approach 2 (listings 5-20, 5-21): training images are randomly transformed "
                        + "(the book's ImageDataGenerator settings) and run through the frozen base every step.",
                "Writes history.json (Keras's history.history), metrics.json, run.json and model.zip into --out."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Book-shaped folder: train/, validation/ and optionally test/, each with class folders.")
    Path data;

    @Option(names = "--features", paramLabel = "DIR", description = "Instead of --data: the output of transfer4j "
            + "extract (sharded train/, validation/, optionally test/), streamed from disk a shard at a time, so memory"
            + " stays flat however large the set (approach 1 only).")
    Path features;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "transfer4j-run",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder. Default: OUT/features.")
    Path cache;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "2e-5",
            description = "RMSprop learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--head", paramLabel = "DSL",
            description = "Classifier head. Default: the book's, dense(256).dropout(0.5) for approach 1 and "
                    + "dense(256) with --augment (listing 5-20 has no dropout), ending with sigmoid() for 2 classes "
                    + "and softmax(N) for N classes. A head without an output layer is completed the same way.")
    String head;

    @Option(names = "--augment", description = "Approach 2: train on augmented images through the frozen base.")
    boolean augment;

    @Option(names = "--class-weight", paramLabel = "none|balanced|I=W,...", defaultValue = "none",
            description = "Loss weight per class for imbalanced folders (Keras's class_weight): 'balanced' is "
                    + "scikit-learn's n_samples / (n_classes * count_c) from the training images; or INDEX=WEIGHT "
                    + "pairs. Default: ${DEFAULT-VALUE}.")
    String classWeight;

    @Mixin
    ModelOptions options;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((data == null) == (features == null)) {
            throw new IllegalArgumentException("Give either --data (image folders) or --features (the output of "
                    + "transfer4j extract)");
        }
        if (features != null) {
            if (augment) {
                throw new IllegalArgumentException("--augment trains on images; it cannot use --features");
            }
            var train = ApproachOne.openSharded(features.resolve("train"));
            HeadChoice streamed = HeadChoice.of(head, "dense(256).dropout(0.5)",
                    train.classIndices().entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                            .toList(), features.resolve("train").toString());
            out.println(streamed.header());
            ApproachOne.Result r = ApproachOne.runStreaming("train", options, options.base(), features, this.out,
                    streamed.head(), epochs, lr, ClassWeights.parse(classWeight), out, err);
            return finish(r, out);
        }
        Path cacheDir = cache != null ? cache : this.out.resolve("features");
        ApproachOne.requireBookLayout(data);
        HeadChoice choice = HeadChoice.of(head, augment ? "dense(256)" : "dense(256).dropout(0.5)",
                options.folder(data.resolve("train")));
        out.println(choice.header());
        Head parsed = choice.head();
        ClassWeights weights = ClassWeights.parse(classWeight);
        ApproachOne.Result r = augment
                ? FolderTraining.run("train --augment", options, data, this.out, cacheDir,
                        new FolderTraining.Plan(parsed, epochs, lr, null, 0, 0, true, weights), out, err)
                : ApproachOne.run("train", options, options.base(), data, this.out, cacheDir, parsed, epochs, lr, weights,
                        out, err);
        return finish(r, out);
    }

    private static int finish(ApproachOne.Result r, PrintWriter out) {
        if (r.test() != null) {
            out.println("Test " + r.test().summaryLine());
        }
        out.println("History: " + r.out().resolve("history.json").toAbsolutePath());
        out.println("Model: " + r.out().resolve(ApproachOne.MODEL_FILE).toAbsolutePath());
        return 0;
    }
}
