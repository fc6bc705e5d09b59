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
import org.transfer4j.augment.Augmentation;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.model.ConvBase;
import org.transfer4j.train.Evaluation;

/**
 * Training on image folders for the CLI: approach 2 (augmented images through the frozen base, listings 5-20/5-21)
 * and approach 3 (then fine-tuning from a layer on, listings 5-22/5-23). Writes {@code history.json} (both phases),
 * {@code metrics.json}, {@code run.json} and {@code model.zip}.
 */
final class FolderTraining {
    private FolderTraining() {
    }

    /** Phase settings. {@code fineTuneFrom} null = one phase only. */
    record Plan(Head head, int headEpochs, double headLr, String fineTuneFrom, int epochs, double lr, boolean augment,
            ClassWeights classWeights) {
    }

    static ApproachOne.Result run(String command, ModelOptions options, Path data, Path out, Path cache, Plan plan,
            PrintWriter outLine, PrintWriter err) throws IOException, BadImageException {
        ApproachOne.requireBookLayout(data);
        Path train = data.resolve("train");
        Path validation = data.resolve("validation");
        Path test = data.resolve("test");
        ConvBase base = options.base();
        TransferPipeline pipeline = TransferPipeline.from(base).head(plan.head())
                .optimizer(Optimizers.rmsprop(plan.headLr())).epochs(plan.headEpochs()).batchSize(options.batch)
                .seed(options.seed).precision(options.precision()).classWeights(plan.classWeights())
                .listener(ApproachOne.epochLines(outLine));
        outLine.println(options.precisionLine());
        Augmentation augmentation = plan.augment() ? Augmentation.book().seed(options.seed) : null;
        if (augmentation != null) {
            pipeline = pipeline.augment(augmentation);
        }
        ImageFolder trainFolder = options.folder(train);
        ImageFolder validationFolder = options.folder(validation);
        outLine.printf(Locale.ROOT, "Phase 1: %s on %s%s, %d epochs, %s%s%n", plan.head(), train,
                augmentation != null ? " (augmented: " + augmentation + ")" : "", plan.headEpochs(),
                pipeline.trainingOptions().optimizer().describe(),
                plan.classWeights().isNone() ? "" : ", class weights " + plan.classWeights());
        try (TransferModel headModel = pipeline.fit(trainFolder, validationFolder, cache);
                TransferModel fineTuned = plan.fineTuneFrom() == null ? null
                        : fineTune(plan, headModel, trainFolder, validationFolder, cache, outLine)) {
            TransferModel model = fineTuned == null ? headModel : fineTuned;
            // Validation features at the final cut are in the cache already (training validated on them).
            TransferPipeline last = model.pipeline();
            Evaluation val = model.evaluate(last.extractFeatures(validationFolder.classes(model.classNames()),
                    cache.resolve(validation.getFileName().toString()).resolve(last.cutLayer().name()),
                    ExtractionListener.none()));
            Evaluation tst = Files.isDirectory(test) ? model.evaluate(options.folder(test)) : null;
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("approach", plan.fineTuneFrom() != null ? "fine-tuning (book listings 5-22, 5-23)"
                    : "feature extraction with augmentation (book listings 5-20, 5-21)");
            extra.put("augmentation", augmentation == null ? null : augmentation.toString());
            extra.put("head_epochs", plan.headEpochs());
            extra.put("head_optimizer", Optimizers.rmsprop(plan.headLr()).describe());
            extra.put("class_weight", plan.classWeights().toString());
            return ApproachOne.writeResults(command, model, data,
                    out, val, tst, extra, err);
        }
    }

    /** Phase 2: a new model, fine-tuned from {@code headModel} (which stays as it was). */
    private static TransferModel fineTune(Plan plan, TransferModel headModel, ImageFolder trainFolder,
            ImageFolder validationFolder, Path cache, PrintWriter outLine) throws IOException {
        TransferPipeline next = headModel.pipeline().freezeUntil(plan.fineTuneFrom())
                .optimizer(Optimizers.rmsprop(plan.lr())).epochs(plan.epochs());
        outLine.printf(Locale.ROOT, "Phase 2: fine-tuning from %s (%,d trainable parameters), %d epochs, %s%n",
                plan.fineTuneFrom(), next.summary().trainableParameters(), plan.epochs(),
                next.trainingOptions().optimizer().describe());
        return headModel.fineTune(next, trainFolder, validationFolder, cache);
    }
}

