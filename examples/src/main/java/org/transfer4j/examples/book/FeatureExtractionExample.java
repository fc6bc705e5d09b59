package org.transfer4j.examples.book;

import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;

/**
 * The book's approach 1, fast feature extraction without augmentation (Chollet, <i>Deep Learning with Python</i>,
 * listings 5-17 to 5-19): run the frozen VGG16 convolutional base once over every image, then train a densely
 * connected classifier on the stored features.
 *
 * <p>{@code java -cp 'examples/target/lib/*' org.transfer4j.examples.book.FeatureExtractionExample [DIR]
 * [--out DIR] [--epochs 30] [--input 150] [--weights auto|imagenet|random]}; without DIR it runs on the embedded
 * shirts/T-shirts set. Writes {@code features/}, {@code history.json} and {@code plots/} into
 * {@code transfer4j-examples/feature-extraction} (or {@code --out}).
 */
public final class FeatureExtractionExample {
    private FeatureExtractionExample() {
    }

    /**
     * Runs the example.
     *
     * @throws IllegalArgumentException for bad arguments (naming the value and what is accepted)
     * @throws Exception                if images, weights or output files cannot be read or written
     */
    public static void main(String[] args) throws Exception {
        BookRun run = BookRun.parse(args, "feature-extraction", 30, System.out);

        // Listing 5-17: VGG16's convolutional base, frozen; extract_features(...) for each folder, kept on disk
        // (a second run reuses them).
        TransferPipeline pipeline = TransferPipeline.from(run.vgg16())
                // Listing 5-18: Dense(256), Dropout(0.5), Dense(1, sigmoid) for the book's two classes (softmax(N) for N)
                .head(run.head(dense(256).dropout(0.5)))
                .optimizer(rmsprop(run.learningRate(2e-5)))
                .epochs(run.epochs).batchSize(BookRun.BATCH_SIZE).seed(run.seed).listener(run.progress());
        FeatureSet train = pipeline.extractFeatures(run.folder("train"), run.cache().resolve("train"),
                ExtractionListener.none());
        FeatureSet validation = pipeline.extractFeatures(run.folder("validation"), run.cache().resolve("validation"),
                ExtractionListener.none());
        FeatureSet test = pipeline.extractFeatures(run.folder("test"), run.cache().resolve("test"),
                ExtractionListener.none());
        run.console.printf("Features: %d train, %d validation, %d test images of shape %s%n", train.samples(),
                validation.samples(), test.samples(), pipeline.cutLayer().kerasOutputShape());

        // Listing 5-18: model.fit(train_features, train_labels, epochs=30, batch_size=20, validation_data=...)
        try (TransferModel model = pipeline.fit(train, validation)) {
            run.printTest(model.evaluate(test));
            // Listing 5-19: the training and validation curves
            run.saveHistoryAndCurves(model.history());
        }
    }
}
