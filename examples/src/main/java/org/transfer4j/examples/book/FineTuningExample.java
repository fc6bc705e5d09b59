package org.transfer4j.examples.book;

import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.io.IOException;
import java.nio.file.Path;

import org.transfer4j.Prediction;
import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.data.ImageFolder;

/**
 * The book's fine-tuning (Chollet, <i>Deep Learning with Python</i>, listings 5-22 to 5-24): first train the
 * classifier on the frozen base with augmentation (approach 2), then unfreeze {@code block5} and train it together
 * with the classifier at a lower learning rate. Saves the model and shows a prediction.
 *
 * <p>{@code java -cp 'examples/target/lib/*' org.transfer4j.examples.book.FineTuningExample [DIR]
 * [--out DIR] [--epochs 30] [--fine-tune-epochs 100] [--input 150] [--weights auto|imagenet|random]}; without DIR
 * it runs on the embedded shirts/T-shirts set. Writes {@code model.zip}, {@code history.json} (both phases) and
 * {@code plots/} into {@code transfer4j-examples/fine-tuning} (or {@code --out}).
 */
public final class FineTuningExample {
    private FineTuningExample() {
    }

    /**
     * Runs the example.
     *
     * @throws IllegalArgumentException for bad arguments (naming the value and what is accepted)
     * @throws Exception                if images, weights or output files cannot be read or written
     */
    public static void main(String[] args) throws Exception {
        BookRun run = BookRun.parse(args, "fine-tuning", 30, System.out);
        ImageFolder train = run.folder("train");
        ImageFolder validation = run.folder("validation");
        int steps = train.list().samples() / BookRun.BATCH_SIZE;
        int validationSteps = validation.list().samples() / BookRun.BATCH_SIZE;

        // Phase 1, as approach 2: the classifier on the frozen base, with augmentation.
        TransferPipeline pipeline = TransferPipeline.from(run.vgg16())
                .head(run.head(dense(256)))   // sigmoid() for two classes as in the book, softmax(N) for N
                .augment(Augmentation.book().seed(run.seed))
                .optimizer(rmsprop(run.learningRate(2e-5)))
                .epochs(run.epochs).batchSize(BookRun.BATCH_SIZE).steps(steps, validationSteps)
                .seed(run.seed).listener(run.progress());
        run.console.println("Phase 1: the classifier on the frozen base, " + run.epochs + " epochs");

        try (TransferModel head = pipeline.fit(train, validation, run.cache());
                // Listing 5-22: conv_base.trainable = True, frozen up to block5_conv1.
                // Listing 5-23: RMSprop(lr=1e-5), 100 more epochs. A new model; `head` stays as it was.
                TransferModel model = fineTune(run, head, train, validation)) {

            // test_generator, model.evaluate_generator(test_generator, steps=50)
            run.printTest(model.evaluate(run.folder("test")));

            Path saved = run.out.resolve("model.zip");
            model.save(saved, false);  // VGG16's weights are referenced by checksum, not copied
            run.console.println("Model: " + saved + " (TransferModel.load reads it back)");

            Path image = run.folder("test").list().entries().get(0).path();
            for (Prediction p : model.predict(image)) {
                run.console.println("Prediction: " + p);
            }

            // Listing 5-24: the curves, smoothed (factor 0.8), over both phases.
            run.saveHistoryAndCurves(model.history());
        }
    }

    private static TransferModel fineTune(BookRun run, TransferModel head, ImageFolder train, ImageFolder validation)
            throws IOException {
        run.console.println("Phase 2: fine-tuning block5 and the classifier, " + run.fineTuneEpochs + " epochs");
        return head.fineTune(head.pipeline().freezeUntil("block5_conv1")
                .optimizer(rmsprop(run.learningRate(1e-5))).epochs(run.fineTuneEpochs),
                train, validation, run.cache());
    }
}
