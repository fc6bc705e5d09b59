package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.transfer4j.ClassWeights;
import org.transfer4j.examples.data.EmbeddedDataset;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.ImagenetWeights;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Bases;
import org.transfer4j.model.WeightsSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transfer4j quickstart}: approach 1 offline on the embedded dataset. */
@Command(name = "quickstart", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the book's approach 1 offline on the embedded dataset (Fashion-MNIST shirts vs "
                + "T-shirts in the book's train/validation/test layout): features of the base (VGG16 by default), a dense head, "
                + "test accuracy.",
                "Uses the ImageNet weights if they are in the cache folder; otherwise says so and uses random weights."})
final class QuickstartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "transfer4j-quickstart",
            description = "Working folder (data, features, results). Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--data", paramLabel = "DIR",
            description = "A book-shaped folder (train/, validation/, optionally test/, one folder per class) instead "
                    + "of the embedded dataset; any number of classes.")
    Path dataDir;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--base", paramLabel = "vgg16|vgg19|resnet50|mobilenet_v2", defaultValue = "vgg16",
            description = "The pretrained conv base. Default: ${DEFAULT-VALUE}.")
    String baseName;

    @Option(names = "--input", paramLabel = "SIZE", defaultValue = "64",
            description = "Input size fed to the base (the 28x28 images are resized). Default: ${DEFAULT-VALUE}.")
    int input;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1e-4",
            description = "RMSprop learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--precision", paramLabel = "fp32|bf16|auto", defaultValue = "fp32",
            description = "Arithmetic of the frozen base ('bf16' needs AVX512-BF16 or AMX; 'auto' picks it "
                    + "where the CPU has it). Default: ${DEFAULT-VALUE}.")
    String precision;

    @Override
    public Integer call() throws Exception {
        PrintWriter outLine = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path data;
        if (dataDir != null) {
            ApproachOne.requireBookLayout(dataDir);
            data = dataDir;
            outLine.println("Dataset: " + data.toAbsolutePath());
        } else {
            data = EmbeddedDataset.extractTo(out.resolve("data"));
            outLine.println("Dataset: " + data.toAbsolutePath() + " (Fashion-MNIST shirts vs T-shirts, "
                    + EmbeddedDataset.TRAIN_PER_CLASS + "/" + EmbeddedDataset.VALIDATION_PER_CLASS + "/"
                    + EmbeddedDataset.TEST_PER_CLASS + " per class)");
        }
        ImagenetWeights imagenet = ImagenetWeights.of(Bases.of(baseName, input, input, WeightsSource.random(seed))
                .name());
        ConvBase base;
        if (imagenet.isCached()) {
            base = Bases.of(baseName, input, input, WeightsSource.imagenet());
            outLine.println("Base: " + base.name() + "; weights: ImageNet (" + imagenet.cachedFile() + ")");
        } else {
            base = Bases.of(baseName, input, input, WeightsSource.random(seed));
            if (base.preprocessing() == Preprocessing.CAFFE) {
                // ImageNet channel means mean nothing to random weights: feed them 0..1 pixels instead.
                base = base.withPreprocessing(Preprocessing.RESCALE);
            }
            outLine.println("Base: " + base.name() + "; weights: ImageNet weights not found, continuing with random "
                    + "weights (preprocessing " + base.preprocessing().id() + "); to use them, "
                    + ModelOptions.imagenetHint(base.name()) + ".");
        }
        ModelOptions options = new ModelOptions();
        options.base = base.name();
        options.weights = "imagenet";
        options.input = Integer.toString(input);
        options.batch = 20;
        options.preprocess = base.preprocessing().id();
        options.onBadImage = "fail";
        options.interpolation = "nearest";
        options.seed = seed;
        options.precision = precision;
        HeadChoice choice = HeadChoice.of(null, "dense(256).dropout(0.5)", options.folder(data.resolve("train")));
        outLine.println(choice.header());
        ApproachOne.Result r = ApproachOne.run("quickstart", options, base, data, out.resolve("results"),
                out.resolve("features"), choice.head(), epochs, lr, ClassWeights.none(), outLine, err);
        if (r.test() != null) {
            outLine.println("Test " + r.test().summaryLine());
        }
        outLine.println("History: " + r.out().resolve("history.json").toAbsolutePath());
        outLine.println("Plot it: transfer4j plot " + r.out().resolve("history.json"));
        return 0;
    }
}
