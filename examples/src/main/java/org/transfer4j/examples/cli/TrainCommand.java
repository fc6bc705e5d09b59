package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
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

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Book-shaped folder: train/, validation/ and optionally test/, each with class folders.")
    Path data;

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
        if (r.test() != null) {
            out.println("Test " + r.test().summaryLine());
        }
        out.println("History: " + r.out().resolve("history.json").toAbsolutePath());
        out.println("Model: " + r.out().resolve(ApproachOne.MODEL_FILE).toAbsolutePath());
        return 0;
    }
}
