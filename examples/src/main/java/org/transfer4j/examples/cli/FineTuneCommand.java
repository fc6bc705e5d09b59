package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.transfer4j.ClassWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transfer4j fine-tune}: the book's approach 3 (head first, then fine-tuning from a layer on). */
@Command(name = "fine-tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Approach 3 of the book (listings 5-22, 5-23): train the head on the frozen base (with the "
                + "book's augmentation unless --no-augment), then unfreeze from --from on and train both with a lower "
                + "learning rate. One history.json over both phases (the boundary is in run.json), metrics.json, "
                + "run.json and model.zip in --out."})
final class FineTuneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Book-shaped folder: train/, validation/ and optionally test/.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "transfer4j-finetune",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder. Default: OUT/features.")
    Path cache;

    @Option(names = "--from", paramLabel = "LAYER",
            description = "First layer to unfreeze in phase 2 (any layer; inside a residual block the block's "
                    + "earlier layers stay frozen). Default: the last stage of the base: block5_conv1 (VGG), "
                    + "conv5_block1_1_conv (ResNet50), block_16_expand (MobileNetV2).")
    String from;

    /** The layer the book's fine-tuning unfreezes from, and its counterpart in the other bases: the last stage. */
    static String defaultFrom(String base) {
        return switch (base) {
            case "resnet50" -> "conv5_block1_1_conv";
            case "mobilenet_v2" -> "block_16_expand";
            default -> "block5_conv1";
        };
    }

    @Option(names = "--head-epochs", paramLabel = "N", defaultValue = "30",
            description = "Epochs of phase 1 (head only). Default: ${DEFAULT-VALUE}.")
    int headEpochs;

    @Option(names = "--head-lr", paramLabel = "RATE", defaultValue = "2e-5",
            description = "RMSprop learning rate of phase 1. Default: ${DEFAULT-VALUE}.")
    double headLr;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "100",
            description = "Epochs of phase 2. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1e-5",
            description = "RMSprop learning rate of phase 2. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--head", paramLabel = "DSL",
            description = "Classifier head. Default: the book's approach 2/3 head, dense(256), ending with sigmoid() "
                    + "for 2 classes and softmax(N) for N classes. A head without an output layer is completed the "
                    + "same way.")
    String head;

    @Option(names = "--no-augment", negatable = false, description = "Train on unaugmented (cached) features.")
    boolean noAugment;

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
        String from = this.from != null ? this.from : defaultFrom(options.base);
        options.base().indexOf(from);
        ApproachOne.requireBookLayout(data);
        HeadChoice choice = HeadChoice.of(head, "dense(256)", options.folder(data.resolve("train")));
        out.println(choice.header());
        ApproachOne.Result r = FolderTraining.run("fine-tune", options, data, this.out,
                cache != null ? cache : this.out.resolve("features"),
                new FolderTraining.Plan(choice.head(), headEpochs, headLr, from, epochs, lr, !noAugment, ClassWeights.parse(classWeight)), out, err);
        if (r.test() != null) {
            out.println("Test " + r.test().summaryLine());
        }
        out.println("History: " + r.out().resolve("history.json").toAbsolutePath());
        out.println("Model: " + r.out().resolve(ApproachOne.MODEL_FILE).toAbsolutePath());
        return 0;
    }
}
