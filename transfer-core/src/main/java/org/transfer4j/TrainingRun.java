package org.transfer4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.augment.AugmentationException;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.graph.BaseGraphs;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.internal.train.AugmentedBatchSource;
import org.transfer4j.internal.train.BatchSource;
import org.transfer4j.internal.train.ShardedBatchSource;
import org.transfer4j.internal.train.Trainer;
import org.transfer4j.io.History;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;
import org.transfer4j.train.TrainingListener;

/**
 * One training run of a {@link TransferPipeline}: the one place that orchestrates training. It checks the data
 * against the pipeline, builds the trainable suffix (fresh, or continued from a trained model), builds the batch
 * sources (cached features, augmented images through the frozen prefix, streamed shards), binds the pipeline's
 * listeners to this run, runs the {@link Trainer} and returns a <em>new</em> {@link TransferModel}.
 * {@link TransferPipeline#fit} and {@link TransferModel#fineTune} both start one; neither calls back into the other.
 *
 * <p>Owns, for the run only, the base weights it loads and the frozen prefix's engine (one {@link FeatureExtractor}
 * serves the training and validation folders): {@link #close()} frees the engine. Not thread-safe: one run, one
 * thread; runs of the same pipeline on different threads share nothing mutable.
 */
final class TrainingRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final TransferPipeline pipeline;
    private final Head head;
    private Weights weights;
    private FeatureExtractor prefix;

    /**
     * @param weights the base's weights if already loaded (shared, read-only), else null: loaded when needed
     * @throws IllegalStateException without a complete head
     */
    TrainingRun(TransferPipeline pipeline, Weights weights) {
        this.pipeline = pipeline;
        this.head = requireHead(pipeline);
        this.weights = weights;
    }

    // ---- checks shared by the pipeline, the run and the model ----

    /** The pipeline's head. @throws IllegalStateException without one, or with one that has no output layer */
    static Head requireHead(TransferPipeline p) {
        Head h = p.head().orElseThrow(() -> new IllegalStateException(
                "No head: call head(dense(256).dropout(0.5).sigmoid()) first"));
        if (!h.isComplete()) {
            throw new IllegalStateException("The head " + h + " has no output layer; end it with sigmoid() or softmax(n)");
        }
        return h;
    }

    /** @throws IllegalArgumentException if features of {@code featureShape} were not taken at {@code p}'s cut */
    static void checkShape(TransferPipeline p, int[] featureShape, String what) {
        Layer cut = p.cutLayer();
        if (!Arrays.equals(featureShape, cut.outputShape())) {
            throw new IllegalArgumentException("The " + what + " features have shape "
                    + Arrays.toString(featureShape) + " but the pipeline cuts after " + cut.name()
                    + " " + cut.kerasOutputShape() + "; extract them with this pipeline");
        }
    }

    /** @throws IllegalArgumentException if the classes do not fit the head */
    static void checkClasses(Head h, Map<String, Integer> classIndices) {
        int k = classIndices.size();
        if (h.loss() == Head.Loss.BINARY_CROSSENTROPY && k != 2) {
            throw new IllegalArgumentException("A sigmoid head needs exactly 2 classes; the data has " + k + ": "
                    + classIndices.keySet() + " (use softmax(" + k + "))");
        }
        if (h.loss() == Head.Loss.CATEGORICAL_CROSSENTROPY && h.outputUnits() != k) {
            throw new IllegalArgumentException("The head ends with softmax(" + h.outputUnits() + ") but the data has "
                    + k + " classes: " + classIndices.keySet());
        }
    }

    /**
     * @throws IllegalArgumentException if {@code folder} sets batch settings ({@link ImageFolder#batchSettings()}),
     *                                  which a pipeline would ignore: its own batch size, seed and order decide
     */
    static void checkNoBatchSettings(ImageFolder folder, String what) {
        List<String> set = folder.batchSettings();
        if (!set.isEmpty()) {
            throw new IllegalArgumentException("The " + what + " folder " + folder.directory() + " sets "
                    + String.join(", ", set) + ", which a TransferPipeline does not use: it batches with its own "
                    + "batchSize(n) and seed(s), shuffling training images and reading the others in order. Remove "
                    + String.join(", ", set) + " from the ImageFolder and set the pipeline's instead");
        }
    }

    private static void checkSameClasses(Map<String, Integer> validation, Map<String, Integer> train) {
        if (!validation.equals(train)) {
            throw new IllegalArgumentException("Validation classes " + validation + " differ from training classes "
                    + train);
        }
    }

    /**
     * A freshly initialised suffix for {@code p} (the unfrozen conv layers start from {@code weights}, which are
     * loaded only if there are such layers and none were given).
     */
    static SuffixNet freshSuffix(TransferPipeline p, Weights weights) throws WeightsException {
        List<Layer> trainable = p.base().layers().subList(p.firstTrainableIndex(), p.base().layers().size());
        Weights w = weights;
        if (w == null && !trainable.isEmpty()) {
            w = p.base().loadWeights();
        }
        Graph graph = BaseGraphs.of(p.base());
        if (!trainable.isEmpty() && !graph.isPlainStackBeforePooling()) {
            Set<String> names = trainable.stream().map(Layer::name).collect(Collectors.toSet());
            return SuffixNet.onGraph(graph, p.cutLayer().name(), names, null, w, requireHead(p),
                    p.trainingOptions().seed(), p.precision());
        }
        return new SuffixNet(p.cutLayer().outputShape(), trainable, w, requireHead(p), p.trainingOptions().seed(),
                p.precision());
    }

    // ---- phase 1: TransferPipeline.fit ----

    TransferModel fit(FeatureSet train, FeatureSet validation) throws WeightsException {
        checkShape(pipeline, train.featureShape(), "training");
        if (validation != null) {
            checkShape(pipeline, validation.featureShape(), "validation");
            checkSameClasses(validation.classIndices(), train.classIndices());
        }
        checkClasses(head, train.classIndices());
        Start start = fresh(train.classIndices());
        return train(start, arrays(train, true), validation == null ? null : arrays(validation, false), null);
    }

    TransferModel fit(ShardedFeatures train, ShardedFeatures validation) throws WeightsException {
        checkShape(pipeline, train.featureShape(), "training");
        if (validation != null) {
            checkShape(pipeline, validation.featureShape(), "validation");
            checkSameClasses(validation.classIndices(), train.classIndices());
        }
        checkClasses(head, train.classIndices());
        Start start = fresh(train.classIndices());
        TrainingOptions o = pipeline.trainingOptions();
        int units = head.outputUnits();
        return train(start, new ShardedBatchSource(train, units, o.batchSize(), true, o.seed()),
                validation == null ? null
                        : new ShardedBatchSource(validation, units, o.batchSize(), false, o.seed()), null);
    }

    TransferModel fit(ImageFolder train, ImageFolder validation, Path cacheRoot)
            throws IOException, BadImageException {
        checkFolders(train, validation);
        FolderListing listing = train.list();
        checkClasses(head, listing.classIndices());
        Start start = fresh(listing.classIndices());
        return onFolders(start, train, validation, cacheRoot);
    }

    // ---- phase 2: TransferModel.fineTune ----

    TransferModel fineTune(TransferModel from, FeatureSet train, FeatureSet validation) throws WeightsException {
        Start start = continuing(from);
        checkShape(pipeline, train.featureShape(), "training");
        if (validation != null) {
            checkShape(pipeline, validation.featureShape(), "validation");
        }
        return train(start, arrays(train, true), validation == null ? null : arrays(validation, false), null);
    }

    TransferModel fineTune(TransferModel from, ImageFolder train, ImageFolder validation, Path cacheRoot)
            throws IOException, BadImageException {
        checkFolders(train, validation);
        return onFolders(continuing(from), train, validation, cacheRoot);
    }

    private static void checkFolders(ImageFolder train, ImageFolder validation) {
        checkNoBatchSettings(train, "training");
        if (validation != null) {
            checkNoBatchSettings(validation, "validation");
        }
    }

    // ---- the run ----

    /** What a run starts from: the classes, the suffix to train and the history of earlier phases. */
    private record Start(Map<String, Integer> classIndices, SuffixNet net, History before) {
        List<String> classNames() {
            List<String> names = new ArrayList<>(classIndices.keySet());
            names.sort((a, b) -> Integer.compare(classIndices.get(a), classIndices.get(b)));
            return names;
        }
    }

    private Start fresh(Map<String, Integer> classIndices) throws WeightsException {
        boolean convLayersTrain = pipeline.firstTrainableIndex() < pipeline.base().layers().size();
        SuffixNet net = freshSuffix(pipeline, convLayersTrain ? weights() : weights);
        return new Start(Map.copyOf(classIndices), net, History.empty());
    }

    /**
     * The next phase of {@code from}: a new suffix with {@link #pipeline}'s freeze point, the trained head and conv
     * layers copied in (the newly unfrozen conv layers start from the base's weights). {@code from} is not changed.
     */
    private Start continuing(TransferModel from) throws WeightsException {
        TransferPipeline previous = from.pipeline();
        if (!pipeline.base().name().equals(previous.base().name())
                || !Arrays.equals(pipeline.base().inputShape(), previous.base().inputShape())
                || !head.equals(requireHead(previous))) {
            throw new IllegalArgumentException("Fine-tuning must keep the base and head: have " + previous
                    + ", got " + pipeline);
        }
        if (pipeline.firstTrainableIndex() > previous.firstTrainableIndex()) {
            throw new IllegalArgumentException("Fine-tuning can only unfreeze more layers: the model trains from "
                    + previous.firstTrainableLayer().map(Layer::name).orElse("the head") + ", the next phase from "
                    + pipeline.firstTrainableLayer().map(Layer::name).orElse("the head"));
        }
        SuffixNet net = freshSuffix(pipeline, weights());
        Map<String, INDArray> values = net.variableValues();
        values.putAll(from.trainableVariables());
        net.setVariableValues(values);
        return new Start(from.classIndices(), net, from.history());
    }

    /** Training on folders: approach 1 (cached features) or, with augmentation, approach 2. */
    private TransferModel onFolders(Start start, ImageFolder train, ImageFolder validation, Path cacheRoot)
            throws IOException, BadImageException {
        String cut = pipeline.cutLayer().name();
        List<String> names = start.classNames();
        BatchSource validationSource = null;
        if (validation != null) {
            FeatureSet v = cached(validation.classes(names),
                    cacheRoot.resolve(validation.directory().getFileName().toString()).resolve(cut));
            validationSource = arrays(v, false);
        }
        ImageFolder trainSpec = train.classes(names);
        if (pipeline.augmentation().isEmpty()) {
            FeatureSet t = cached(trainSpec, cacheRoot.resolve(train.directory().getFileName().toString()).resolve(cut));
            return train(start, arrays(t, true), validationSource, null);
        }
        ImageFolder spec = trainSpec.targetSize(pipeline.base().inputHeight(), pipeline.base().inputWidth())
                .colorMode(ColorMode.RGB);
        List<ImageEntry> entries = usable(spec);
        TrainingOptions o = pipeline.trainingOptions();
        try (AugmentedBatchSource trainSource = new AugmentedBatchSource(entries, spec.decoder(),
                pipeline.augmentation().get(), prefix(), head.outputUnits(), o.batchSize(), 1)) {
            return train(start, trainSource, validationSource, pipeline.augmentation().get().toString());
        } catch (AugmentationException e) {
            throw ioCause(e);
        }
    }

    /** The folder's features at the cut from the cache in {@code directory}, computed by this run's engine. */
    private FeatureSet cached(ImageFolder folder, Path directory) throws IOException, BadImageException {
        return FeatureCache.at(directory).batchSize(pipeline.trainingOptions().batchSize())
                .extract(folder, prefix(), ExtractionListener.none());
    }

    /** Trains {@code start.net}, calling this run's listeners, and returns the trained model. */
    private TransferModel train(Start start, BatchSource train, BatchSource validation, String augmentation)
            throws WeightsException {
        TrainingOptions o = pipeline.trainingOptions();
        List<TrainingListener> listeners = new ArrayList<>();
        for (TrainingListener l : o.listeners()) {
            listeners.add(l instanceof ModelCheckpoint checkpoint ? checkpoint.forRun((file, withBase, phase) -> {
                // the model as it is at this epoch: the suffix being trained, the history so far
                TransferModel snapshot = new TransferModel(pipeline, start.classIndices(), weightsOrNull(),
                        start.net(), start.before().then(phase), null, augmentation);
                snapshot.save(file, withBase);
            }) : l);
        }
        Trainer.Result r = Trainer.fit(start.net(), train, validation, plan(o, train, start.classNames(), listeners));
        return new TransferModel(pipeline, start.classIndices(), weightsOrNull(), start.net(),
                start.before().then(r.history()), r.stopReason(), augmentation);
    }

    /**
     * The trainer's plan; class weights resolved against the training source's class counts (balanced weights), with
     * a warning for classes with fewer than {@link ClassWeights#FEW_IMAGES} examples.
     */
    static Trainer.Plan plan(TrainingOptions o, BatchSource train, List<String> names) {
        return plan(o, train, names, o.listeners());
    }

    private static Trainer.Plan plan(TrainingOptions o, BatchSource train, List<String> names,
            List<TrainingListener> listeners) {
        long[] counts = train.classCounts(names.size());
        ClassWeights.fewImagesWarning(counts, names).ifPresent(LOG::warn);
        Map<Integer, Double> weights = o.classWeights().resolve(counts);
        if (o.classWeights().isBalanced()) {
            LOG.info("Balanced class weights for {} training examples per class {}: {}",
                    Arrays.toString(counts), names, weights);
        }
        return new Trainer.Plan(o.epochs(), o.stepsPerEpoch(), o.validationSteps(), o.optimizer(), o.seed(),
                weights, o.lrMultipliers(), o.schedule(), o.earlyStopping(), listeners);
    }

    /** Batches over cached features, in the pipeline's batch size; training batches shuffled from its seed. */
    private ArrayBatchSource arrays(FeatureSet set, boolean training) {
        TrainingOptions o = pipeline.trainingOptions();
        return batches(set, head.outputUnits(), o.batchSize(), training, o.seed());
    }

    static ArrayBatchSource batches(FeatureSet set, int units, int batchSize, boolean shuffle, long seed) {
        return new ArrayBatchSource(set.features(), set.featureShape(), set.classes(), units, batchSize, shuffle, seed);
    }

    private Weights weights() throws WeightsException {
        if (weights == null) {
            weights = pipeline.base().loadWeights();
        }
        return weights;
    }

    private Weights weightsOrNull() {
        return weights;
    }

    /** The frozen prefix up to the cut, set up once for this run. */
    private FeatureExtractor prefix() throws WeightsException {
        if (prefix == null) {
            prefix = pipeline.base().extractor(weights(), pipeline.cutLayer().name(), pipeline.precision());
        }
        return prefix;
    }

    /**
     * The I/O failure behind an augmentation worker's failure (a {@link BadImageException} keeps its type), so that
     * approach 2 fails as approach 1 does; other failures are rethrown as they are.
     */
    private static IOException ioCause(AugmentationException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                io.addSuppressed(e); // where in training it happened
                return io;
            }
        }
        throw e;
    }

    /** The listing's entries; under SKIP, without the images that do not decode (each reported once). */
    private static List<ImageEntry> usable(ImageFolder spec) throws IOException, BadImageException {
        FolderListing listing = spec.list();
        if (spec.onBadImage() == BadImagePolicy.FAIL) {
            return listing.entries();
        }
        ImageDecoder decoder = spec.decoder();
        List<ImageEntry> ok = new ArrayList<>();
        for (ImageEntry e : listing.entries()) {
            try {
                decoder.decode(e.path());
                ok.add(e);
            } catch (BadImageException ex) {
                LOG.warn("Skipping {}: {}", e.path(), ex.getMessage());
            }
        }
        return ok;
    }

    /** Frees the frozen prefix's engine of this run. The models it returned own their own. */
    @Override
    public void close() {
        if (prefix != null) {
            prefix.close();
            prefix = null;
        }
    }
}
