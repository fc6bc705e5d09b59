package org.transfer4j.examples.book;

import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.data.ImageFolder;

/**
 * The book's approach 2, feature extraction with data augmentation (Chollet, <i>Deep Learning with Python</i>,
 * listings 5-20 and 5-21): the frozen VGG16 base with a dense classifier on top, trained end to end on randomly
 * transformed training images. Slower than approach 1 — every epoch runs the base over new images — and less prone
 * to overfitting.
 *
 * <p>{@code java -cp 'examples/target/lib/*' org.transfer4j.examples.book.AugmentationExample [DIR]
 * [--out DIR] [--epochs 30] [--input 150] [--weights auto|imagenet|random]}; without DIR it runs on the embedded
 * shirts/T-shirts set. Writes {@code history.json} and {@code plots/} into
 * {@code transfer4j-examples/augmentation} (or {@code --out}).
 */
public final class AugmentationExample {
    private AugmentationExample() {
    }

    /**
     * Runs the example.
     *
     * @throws IllegalArgumentException for bad arguments (naming the value and what is accepted)
     * @throws Exception                if images, weights or output files cannot be read or written
     */
    public static void main(String[] args) throws Exception {
        BookRun run = BookRun.parse(args, "augmentation", 30, System.out);
        ImageFolder train = run.folder("train");
        ImageFolder validation = run.folder("validation");

        // The book's fit_generator(steps_per_epoch=100, validation_steps=50): one pass over its 2,000 training and
        // 1,000 validation images at batch 20. The same passes here, whatever the folder sizes.
        int steps = train.list().samples() / BookRun.BATCH_SIZE;
        int validationSteps = validation.list().samples() / BookRun.BATCH_SIZE;

        // Listing 5-20: conv_base.trainable = False, Flatten, Dense(256, relu), Dense(1, sigmoid).
        // Listing 5-21: ImageDataGenerator(rotation_range=40, width_shift_range=0.2, ..., horizontal_flip=True) on
        // training images only; RMSprop(lr=2e-5).
        TransferPipeline pipeline = TransferPipeline.from(run.vgg16())
                .head(run.head(dense(256)))   // sigmoid() for two classes as in the book, softmax(N) for N
                .augment(Augmentation.book().seed(run.seed))
                .optimizer(rmsprop(run.learningRate(2e-5)))
                .epochs(run.epochs).batchSize(BookRun.BATCH_SIZE).steps(steps, validationSteps)
                .seed(run.seed).listener(run.progress());
        run.console.printf("Training on augmented images: %d epochs of %d steps (%d validation steps), batch %d%n",
                run.epochs, steps, validationSteps, BookRun.BATCH_SIZE);

        try (TransferModel model = pipeline.fit(train, validation, run.cache())) {
            run.printTest(model.evaluate(run.folder("test")));
            run.saveHistoryAndCurves(model.history());
        }
    }
}
