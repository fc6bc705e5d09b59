package org.transfer4j.examples.book;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.transfer4j.Head;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.examples.data.EmbeddedDataset;
import org.transfer4j.io.History;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.ImagenetWeights;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Vgg16;
import org.transfer4j.plots.TrainingPlots;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.Evaluation;
import org.transfer4j.train.TrainingListener;

/**
 * What the book's listings take for granted — where the data is, where results go, which weights, how long to
 * train — read from the command line: {@code [DIR] [--out DIR] [--epochs N] [--fine-tune-epochs N] [--input SIZE]
 * [--weights auto|imagenet|random] [--seed N]}. Also the few lines every example ends with (test accuracy, history,
 * curves). Immutable once parsed; prints to the stream it was given.
 */
final class BookRun {
    /** The book's batch size. */
    static final int BATCH_SIZE = 20;
    /** The book's input size (150×150). */
    static final int BOOK_INPUT = 150;
    /** The book's smoothing factor for the curves (listing 5-24). */
    static final double SMOOTHING = 0.8;

    private static final String USAGE = "arguments: [DIR] [--out DIR] [--epochs N] [--fine-tune-epochs N] "
            + "[--input SIZE] [--weights auto|imagenet|random] [--seed N]";

    final Path data;
    final Path out;
    final int input;
    final int epochs;
    final int fineTuneEpochs;
    final boolean imagenet;
    final long seed;
    final PrintStream console;

    private BookRun(Path data, Path out, int input, int epochs, int fineTuneEpochs, boolean imagenet, long seed,
            PrintStream console) {
        this.data = data;
        this.out = out;
        this.input = input;
        this.epochs = epochs;
        this.fineTuneEpochs = fineTuneEpochs;
        this.imagenet = imagenet;
        this.seed = seed;
        this.console = console;
    }

    /**
     * Parses {@code args}; without a DIR, unpacks the embedded dataset into {@code <out>/data}. Prints the data and
     * weights used.
     *
     * @param name    the example's default output folder under {@code transfer4j-examples}
     * @param epochs  the book's epochs for this example (30)
     * @throws IllegalArgumentException for an unknown option, a bad value (naming it and the accepted range) or a
     *                                  DIR without {@code train}, {@code validation} and {@code test}
     * @throws IOException              if the embedded dataset cannot be written
     */
    static BookRun parse(String[] args, String name, int epochs, PrintStream console) throws IOException {
        Path data = null;
        Path out = Path.of("transfer4j-examples", name);
        int input = BOOK_INPUT;
        int fineTuneEpochs = 100;
        String weights = "auto";
        long seed = 42;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                if (data != null) {
                    throw new IllegalArgumentException("Only one data folder is accepted, got " + data + " and " + a
                            + "; " + USAGE);
                }
                data = Path.of(a);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--epochs" -> epochs = positive(a, v);
                case "--fine-tune-epochs" -> fineTuneEpochs = positive(a, v);
                case "--input" -> {
                    input = positive(a, v);
                    if (input < Vgg16.MIN_SIZE) {
                        throw new IllegalArgumentException("--input " + v + ": VGG16 needs at least "
                                + Vgg16.MIN_SIZE + " (inclusive)");
                    }
                }
                case "--weights" -> {
                    if (!List.of("auto", "imagenet", "random").contains(v)) {
                        throw new IllegalArgumentException("--weights " + v + ": expected auto, imagenet or random");
                    }
                    weights = v;
                }
                case "--seed" -> seed = number(a, v);
                default -> throw new IllegalArgumentException("Unknown option " + a + "; " + USAGE);
            }
        }
        Files.createDirectories(out);
        if (data == null) {
            data = EmbeddedDataset.extractTo(out.resolve("data"));
            console.println("Data: the embedded Fashion-MNIST shirts vs T-shirts in " + data);
        } else {
            for (String split : List.of("train", "validation", "test")) {
                if (!Files.isDirectory(data.resolve(split))) {
                    throw new IllegalArgumentException("The data folder " + data + " must hold train/, validation/ "
                            + "and test/ with one folder per class, as in the book; missing " + data.resolve(split));
                }
            }
            console.println("Data: " + data);
        }
        ImagenetWeights cached = ImagenetWeights.vgg16();
        boolean imagenet = weights.equals("imagenet") || (weights.equals("auto") && cached.isCached());
        if (!imagenet) {
            console.println("Note: " + (weights.equals("random") ? "--weights random" : "no ImageNet weights at "
                    + cached.cachedFile()) + ", so VGG16 gets random weights, 1/255 rescaling and 5x the book's "
                    + "learning rate (expect weaker results than the book's).");
        }
        return new BookRun(data, out, input, epochs, fineTuneEpochs, imagenet, seed, console);
    }

    /**
     * The book's {@code VGG16(weights='imagenet', include_top=False, input_shape=(150, 150, 3))}, or random
     * reproducible weights with the book's 1/255 when ImageNet's are not to be had.
     */
    ConvBase vgg16() {
        return imagenet ? Vgg16.imagenet(input, input)
                : Vgg16.random(input, input, seed).withPreprocessing(Preprocessing.RESCALE);
    }

    /** The book's learning rate with ImageNet weights; five times it with random weights, so something is learned. */
    double learningRate(double book) {
        return imagenet ? book : 5 * book;
    }

    /** {@code DIR/train}, {@code DIR/validation} or {@code DIR/test}. */
    ImageFolder folder(String split) {
        return ImageFolder.of(data.resolve(split));
    }

    /**
     * The book's hidden layers {@code trunk} ended for this data's classes: {@code sigmoid()} for two (the book's
     * {@code Dense(1, activation='sigmoid')}), {@code softmax(N)} for N; prints which and why.
     *
     * @throws IOException if the training folder cannot be listed
     */
    Head head(Head trunk) throws IOException {
        FolderListing listing;
        try {
            listing = folder("train").list();
        } catch (BadImageException e) {
            throw new IOException(e.getMessage(), e);
        }
        Head head = trunk.completedFor(listing.numClasses());
        console.println("Head: " + head + " (" + Head.outputReason(listing.numClasses()) + ": "
                + String.join(", ", listing.classNames()) + ")");
        return head;
    }

    /** Where features (and, for image folders, per-split caches) are kept: {@code <out>/features}. */
    Path cache() {
        return out.resolve("features");
    }

    /** Prints each epoch as Keras's {@code verbose=2} does. */
    TrainingListener progress() {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochReport report) {
                console.println(report.line());
            }
        };
    }

    /** Prints {@code Test accuracy: 0.8175 (loss 0.4178) on 400 images, macro F1 ..., ROC-AUC ...}. */
    void printTest(Evaluation test) {
        console.println("Test " + test.summaryLine());
    }

    /**
     * Writes {@code <out>/history.json} (Keras's {@code history.history}) and draws the book's curves from it into
     * {@code <out>/plots}: accuracy and loss, raw (listing 5-19) and smoothed by 0.8 (listing 5-24), PNG and SVG,
     * with a {@code report.html}.
     */
    void saveHistoryAndCurves(History history) throws IOException {
        Files.createDirectories(out);
        Path file = out.resolve("history.json");
        history.writeJson(file);
        TrainingPlots.of(History.readJson(file)).smoothing(SMOOTHING).writeTo(out.resolve("plots"));
        console.println("History: " + file);
        console.println("Curves: " + out.resolve("plots") + " (accuracy.png, loss.png, accuracy_smoothed.png, "
                + "loss_smoothed.png, report.html)");
    }

    private static int positive(String option, String value) {
        long n = number(option, value);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(option + " " + value + ": expected a whole number from 1 to "
                    + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": expected a whole number", e);
        }
    }
}
