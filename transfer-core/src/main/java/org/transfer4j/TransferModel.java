package org.transfer4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.augment.AugmentationException;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.internal.train.AugmentedBatchSource;
import org.transfer4j.internal.train.BatchSource;
import org.transfer4j.internal.train.Trainer;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Layer;
import org.transfer4j.model.WeightArray;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.train.Evaluation;
import org.transfer4j.train.TrainingListener;

/**
 * A trained transfer model: the frozen prefix of the base, the trained suffix (unfrozen conv layers and head), the
 * class indices and the training {@link History}. Made by {@link TransferPipeline#fit}.
 *
 * <p>Owns native memory: close it. Not thread-safe.
 */
public final class TransferModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransferModel.class);

    private TransferPipeline pipeline;
    private final Map<String, Integer> classIndices;
    private Weights baseWeights;
    private SuffixNet suffix;
    private History history = History.empty();
    private FeatureExtractor prefix;
    private String stopReason;
    private String augmentation;
    private ModelExplainer explainer;

    private TransferModel(TransferPipeline pipeline, Map<String, Integer> classIndices, Weights baseWeights,
            SuffixNet suffix) {
        this.pipeline = pipeline;
        this.classIndices = Map.copyOf(new LinkedHashMap<>(classIndices));
        this.baseWeights = baseWeights;
        this.suffix = suffix;
    }

    /** A model with a freshly initialised suffix (weights loaded only if unfrozen conv layers need them). */
    static TransferModel create(TransferPipeline pipeline, Map<String, Integer> classIndices, Weights weights)
            throws WeightsException {
        Head head = pipeline.requireHead();
        TransferPipeline.checkClasses(head, classIndices);
        List<Layer> trainable = pipeline.base().layers().subList(pipeline.firstTrainableIndex(),
                pipeline.base().layers().size());
        Weights w = weights;
        if (w == null && !trainable.isEmpty()) {
            w = pipeline.base().loadWeights();
        }
        SuffixNet net = new SuffixNet(pipeline.cutLayer().outputShape(), trainable, w, head,
                pipeline.trainingOptions().seed(), pipeline.precision());
        return new TransferModel(pipeline, classIndices, w, net);
    }

    TransferModel fitFeatures(FeatureSet train, FeatureSet validation) {
        TrainingOptions o = pipeline.trainingOptions();
        int units = suffix.head().outputUnits();
        ArrayBatchSource trainSource = source(train, units, o.batchSize(), true, o.seed());
        ArrayBatchSource validationSource = validation == null ? null
                : source(validation, units, o.batchSize(), false, o.seed());
        return continueWith(pipeline, suffix, trainSource, validationSource);
    }

    /**
     * The book's fine-tuning (listings 5-22, 5-23): continues training with {@code next}'s freeze point, optimizer
     * and epochs — typically {@code pipeline().freezeUntil("block5_conv1").optimizer(rmsprop(1e-5)).epochs(100)} —
     * starting from the trained head. Layers before the new freeze point stay frozen (bit-identical); the newly
     * unfrozen conv layers start from the base's weights. The phase is appended to {@link #history()}, with its
     * start recorded in {@link History#phaseStarts()}. The optimizer starts afresh, as Keras's {@code compile} does.
     *
     * @param next        the same base, head and classes, with a freeze point at or before the current one
     * @param train       features at {@code next.cutLayer()}
     * @param validation  features at {@code next.cutLayer()}, or null
     * @throws IllegalArgumentException if {@code next} changes the base, head or classes, or freezes more
     */
    public TransferModel fineTune(TransferPipeline next, FeatureSet train, FeatureSet validation)
            throws WeightsException {
        SuffixNet net = unfrozen(next);
        next.checkFeatures(train, "training");
        if (validation != null) {
            next.checkFeatures(validation, "validation");
        }
        TrainingOptions o = next.trainingOptions();
        int units = net.head().outputUnits();
        ArrayBatchSource trainSource = source(train, units, o.batchSize(), true, o.seed());
        ArrayBatchSource validationSource = validation == null ? null
                : source(validation, units, o.batchSize(), false, o.seed());
        return continueWith(next, net, trainSource, validationSource);
    }

    /**
     * {@link #fineTune(TransferPipeline, FeatureSet, FeatureSet)} on image folders, with {@code next}'s augmentation
     * (if any) on training images; caches live in {@code cacheRoot/<folder name>/<cut layer>}.
     */
    public TransferModel fineTune(TransferPipeline next, ImageFolder train, ImageFolder validation,
            Path cacheRoot) throws IOException, BadImageException {
        return trainOnFolders(next, unfrozen(next), train, validation, cacheRoot);
    }

    /**
     * The book's steps 4 and 5 in one call, so that the whole recipe is one fluent chain:
     * {@code pipeline.fit(train, validation, cache).fineTune("block5_conv1", rmsprop(1e-5), 100, train, validation, cache)}.
     * The rest of the settings (batch size, seed, augmentation, callbacks) are the current pipeline's.
     *
     * @throws IllegalArgumentException for an unknown layer, listing the valid ones
     */
    public TransferModel fineTune(String fromLayer, Optimizer optimizer, int epochs, ImageFolder train,
            ImageFolder validation, Path cacheRoot) throws IOException, BadImageException {
        return fineTune(pipeline.freezeUntil(fromLayer).optimizer(optimizer).epochs(epochs), train, validation,
                cacheRoot);
    }

    /** Trains {@code net} (or this model's suffix when null) with {@code p}'s settings on image folders. */
    TransferModel trainOnFolders(TransferPipeline p, SuffixNet net, ImageFolder train, ImageFolder validation,
            Path cacheRoot) throws IOException, BadImageException {
        if (baseWeights == null) {
            baseWeights = p.base().loadWeights();
        }
        String cut = p.cutLayer().name();
        TrainingOptions o = p.trainingOptions();
        int units = p.requireHead().outputUnits();
        BatchSource validationSource = null;
        if (validation != null) {
            FeatureSet v = p.extractFeatures(baseWeights, validation.classes(classNames()),
                    cacheRoot.resolve(validation.directory().getFileName().toString()).resolve(cut),
                    ExtractionListener.none());
            validationSource = source(v, units, o.batchSize(), false, o.seed());
        }
        ImageFolder trainSpec = train.classes(classNames());
        SuffixNet target = net == null ? suffix : net;
        if (p.augmentation().isEmpty()) {
            FeatureSet t = p.extractFeatures(baseWeights, trainSpec,
                    cacheRoot.resolve(train.directory().getFileName().toString()).resolve(cut),
                    ExtractionListener.none());
            ArrayBatchSource trainSource = source(t, units, o.batchSize(), true, o.seed());
            augmentation = null;
            return continueWith(p, target, trainSource, validationSource);
        }
        ImageFolder spec = trainSpec.targetSize(p.base().inputHeight(), p.base().inputWidth()).colorMode(ColorMode.RGB);
        List<ImageEntry> entries = usable(spec);
        try (FeatureExtractor frozen = p.base().extractor(baseWeights, cut, p.precision());
                AugmentedBatchSource trainSource = new AugmentedBatchSource(
                        entries, spec.decoder(), p.augmentation().get(), frozen, units, o.batchSize(), 1)) {
            augmentation = p.augmentation().get().toString();
            return continueWith(p, target, trainSource, validationSource);
        } catch (AugmentationException e) {
            throw ioCause(e);
        }
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
                LoggerFactory.getLogger(TransferModel.class).warn("Skipping {}: {}", e.path(), ex.getMessage());
            }
        }
        return ok;
    }

    /** Builds the next phase's suffix, copying the trained head (and trained conv layers) into it. */
    SuffixNet unfrozen(TransferPipeline next) throws WeightsException {
        if (!next.base().name().equals(pipeline.base().name())
                || !Arrays.equals(next.base().inputShape(), pipeline.base().inputShape())
                || !next.requireHead().equals(pipeline.requireHead())) {
            throw new IllegalArgumentException("Fine-tuning must keep the base and head: have " + pipeline
                    + ", got " + next);
        }
        if (next.firstTrainableIndex() > pipeline.firstTrainableIndex()) {
            throw new IllegalArgumentException("Fine-tuning can only unfreeze more layers: the model trains from "
                    + pipeline.firstTrainableLayer().map(Layer::name).orElse("the head") + ", the next phase from "
                    + next.firstTrainableLayer().map(Layer::name).orElse("the head"));
        }
        if (baseWeights == null) {
            baseWeights = pipeline.base().loadWeights();
        }
        List<Layer> trainable = next.base().layers().subList(next.firstTrainableIndex(), next.base().layers().size());
        SuffixNet net = new SuffixNet(next.cutLayer().outputShape(), trainable, baseWeights, next.requireHead(),
                next.trainingOptions().seed(), next.precision());
        Map<String, INDArray> values = net.variableValues();
        values.putAll(suffix.variableValues());
        net.setVariableValues(values);
        return net;
    }

    TransferModel continueWith(TransferPipeline next, SuffixNet net, BatchSource train,
            BatchSource validation) {
        History before = history;
        explainer = null;
        suffix = net;
        pipeline = next;
        if (prefix != null) {
            prefix.close();
            prefix = null;
        }
        for (TrainingListener l : next.trainingOptions().listeners()) {
            if (l instanceof ModelCheckpoint checkpoint) {
                checkpoint.bind(this, before);
            }
        }
        Trainer.Result r = Trainer.fit(net, train, validation, plan(next.trainingOptions(), train, classNames()));
        history = before.then(r.history());
        stopReason = r.stopReason();
        return this;
    }

    /** Saves with another history (a checkpoint during training). */
    void saveWithHistory(Path file, boolean includeBaseWeights, History at) throws IOException {
        History current = history;
        history = at;
        try {
            save(file, includeBaseWeights);
        } finally {
            history = current;
        }
    }

    /** Batches over cached features for a head with {@code units} outputs. */
    private static ArrayBatchSource source(FeatureSet set, int units, int batchSize, boolean shuffle, long seed) {
        return new ArrayBatchSource(set.features(), set.featureShape(), set.classes(), units, batchSize, shuffle, seed);
    }

    /**
     * The trainer's plan; class weights resolved against the training source's class counts (balanced weights), with
     * a warning for classes with fewer than {@link ClassWeights#FEW_IMAGES} examples.
     */
    static Trainer.Plan plan(TrainingOptions o, BatchSource train, List<String> names) {
        long[] counts = train.classCounts(names.size());
        ClassWeights.fewImagesWarning(counts, names).ifPresent(LOG::warn);
        Map<Integer, Double> weights = o.classWeights().resolve(counts);
        if (o.classWeights().isBalanced()) {
            LOG.info("Balanced class weights for {} training examples per class {}: {}",
                    Arrays.toString(counts), names, weights);
        }
        return new Trainer.Plan(o.epochs(), o.stepsPerEpoch(), o.validationSteps(), o.optimizer(), o.seed(),
                weights, o.lrMultipliers(), o.schedule(), o.earlyStopping(), o.listeners());
    }

    public TransferPipeline pipeline() {
        return pipeline;
    }

    /** The training history (all phases). */
    public History history() {
        return history;
    }

    /** Why training stopped early (early stopping, NaN loss), or null. */
    public String stopReason() {
        return stopReason;
    }

    /** Class name → index. */
    public Map<String, Integer> classIndices() {
        return classIndices;
    }

    /** Class names in index order. */
    public List<String> classNames() {
        List<String> names = new ArrayList<>(classIndices.keySet());
        names.sort((a, b) -> Integer.compare(classIndices.get(a), classIndices.get(b)));
        return names;
    }

    /** Trainable parameters of the suffix. */
    public long trainableParameters() {
        return suffix.parameterCount();
    }

    /** Copies of the suffix's variables by name, in Keras's layouts (for inspection). */
    public Map<String, WeightArray> trainableWeights() {
        Map<String, WeightArray> out = new LinkedHashMap<>();
        suffix.variableValues().forEach((name, a) -> out.put(name, new WeightArray(
                Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray(), a.dup('c').data().asFloat())));
        return out;
    }

    /** The suffix's variables by name as the engine holds them (copies), for saving. */
    Map<String, INDArray> trainableVariables() {
        return suffix.variableValues();
    }

    SuffixNet suffix() {
        return suffix;
    }

    /**
     * Evaluates on cached features (listing 5-18's test evaluation).
     *
     * @throws IllegalArgumentException if they were cut elsewhere or have other classes
     */
    public Evaluation evaluate(FeatureSet set) {
        pipeline.checkFeatures(set, "evaluation");
        if (!set.classIndices().equals(classIndices)) {
            throw new IllegalArgumentException("Classes " + set.classIndices() + " differ from the model's " + classIndices);
        }
        int units = suffix.head().outputUnits();
        ArrayBatchSource source = source(set, units, pipeline.trainingOptions().batchSize(), false, 0);
        float[] p = new float[set.samples() * units];
        int at = 0;
        for (var it = source.pass(0); it.hasNext(); ) {
            var b = it.next();
            float[] batch = suffix.predict(b.x()).data().asFloat();
            System.arraycopy(batch, 0, p, at, batch.length);
            at += batch.length;
        }
        return Evaluation.of(p, units, set.classes(), classNames());
    }

    /**
     * Evaluates on an image folder: each image is decoded as the model's input expects, run through the frozen
     * prefix and the suffix. Never augmented.
     *
     * @throws BadImageException under the folder's FAIL policy
     * @throws WeightsException  if the base weights cannot be had
     */
    public Evaluation evaluate(ImageFolder folder) throws IOException, BadImageException {
        ImageFolder spec = folder.targetSize(pipeline.base().inputHeight(), pipeline.base().inputWidth())
                .colorMode(ColorMode.RGB).classes(classNames());
        FolderListing listing = spec.list();
        ImageDecoder decoder = spec.decoder();
        int units = suffix.head().outputUnits();
        List<Float> probabilities = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        List<ImageEntry> entries = listing.entries();
        int batch = pipeline.trainingOptions().batchSize();
        for (int from = 0; from < entries.size(); from += batch) {
            List<HwcImage> images = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (ImageEntry e : entries.subList(from, Math.min(from + batch, entries.size()))) {
                try {
                    images.add(decoder.decode(e.path()));
                    labels.add(e.classIndex());
                } catch (BadImageException ex) {
                    if (spec.onBadImage() == BadImagePolicy.FAIL) {
                        throw ex;
                    }
                }
            }
            if (images.isEmpty()) {
                continue;
            }
            for (float v : predictImages(images)) {
                probabilities.add(v);
            }
            classes.addAll(labels);
        }
        float[] p = new float[probabilities.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = probabilities.get(i);
        }
        return Evaluation.of(p, units, classes.stream().mapToInt(Integer::intValue).toArray(), classNames());
    }

    /** Probabilities ({@code n * units}) of decoded RGB images (0..255) at the model's input size. */
    float[] predictImages(List<HwcImage> images) throws WeightsException {
        FeatureExtractor pre = prefix();
        float[] cut = pre.extract(images);
        int[] shape = pre.outputShape();
        INDArray x = Nd4j.create(cut, new long[] {images.size(), shape[0], shape[1], shape[2]}, 'c');
        return suffix.predict(x).castTo(DataType.FLOAT).data().asFloat();
    }

    /**
     * Class probabilities of one image file (any format {@link ImageDecoder} reads; grayscale and RGBA are converted
     * to RGB as Keras's {@code load_img(color_mode='rgb')} does), or of every image under a folder (recursively, in
     * path order). The model's own preprocessing and input size are used. A file that cannot be read gives a
     * prediction carrying the error instead of stopping the others.
     *
     * @throws IOException if a folder cannot be listed or the base weights cannot be had
     */
    public List<Prediction> predict(Path imageOrFolder) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(imageOrFolder)) {
            try (var walk = Files.walk(imageOrFolder)) {
                walk.filter(Files::isRegularFile).filter(TransferModel::isImageName).sorted()
                        .forEach(files::add);
            }
        } else if (Files.exists(imageOrFolder)) {
            files.add(imageOrFolder);
        } else {
            throw new NoSuchFileException(imageOrFolder.toString());
        }
        ImageDecoder decoder = ImageDecoder.create().colorMode(ColorMode.RGB)
                .targetSize(pipeline.base().inputHeight(), pipeline.base().inputWidth());
        List<String> names = classNames();
        int units = suffix.head().outputUnits();
        List<Prediction> out = new ArrayList<>();
        int batch = pipeline.trainingOptions().batchSize();
        for (int from = 0; from < files.size(); from += batch) {
            List<Path> chunk = files.subList(from, Math.min(from + batch, files.size()));
            List<HwcImage> images = new ArrayList<>();
            List<Path> ok = new ArrayList<>();
            Map<Path, String> errors = new LinkedHashMap<>();
            for (Path f : chunk) {
                try {
                    images.add(decoder.decode(f));
                    ok.add(f);
                } catch (BadImageException e) {
                    errors.put(f, e.getMessage());
                }
            }
            float[] p = images.isEmpty() ? new float[0] : predictImages(images);
            int i = 0;
            for (Path f : chunk) {
                if (errors.containsKey(f)) {
                    out.add(new Prediction(f, Map.of(), null, errors.get(f)));
                    continue;
                }
                Map<String, Double> probabilities = new LinkedHashMap<>();
                String best;
                if (units == 1) {
                    double q = p[i];
                    probabilities.put(names.get(0), 1 - q);
                    probabilities.put(names.get(1), q);
                    best = q > 0.5 ? names.get(1) : names.get(0);
                } else {
                    int arg = 0;
                    for (int j = 0; j < units; j++) {
                        probabilities.put(names.get(j), (double) p[i * units + j]);
                        if (p[i * units + j] > p[i * units + arg]) {
                            arg = j;
                        }
                    }
                    best = names.get(arg);
                }
                out.add(new Prediction(f, probabilities, best, null));
                i++;
            }
        }
        return out;
    }

    /**
     * Why the model predicts what it does for one image: the class probabilities and a Grad-CAM heatmap of the
     * predicted class at the base's last conv layer (the book's section 5.4.3), see {@link #explain(List, GradCam)}.
     *
     * @throws BadImageException if the image cannot be read
     * @throws IOException       if the base weights cannot be had
     */
    public Explanation explain(Path image) throws IOException, BadImageException {
        return explain(image, GradCam.defaults());
    }

    /** {@link #explain(List, GradCam)} for one image file. */
    public Explanation explain(Path image, GradCam spec)
            throws IOException, BadImageException {
        return explain(List.of(image), spec).get(0);
    }

    /**
     * Grad-CAM (Selvaraju et al. 2017; the book's listings 5-40 to 5-43) for image files, in batches of the
     * pipeline's batch size: each image is decoded and preprocessed as {@link #predict} does, run forward to the
     * chosen conv layer and on to the class probabilities, and the class score is differentiated back through the
     * layers after it (frozen or trained) and the head, dropout off, nothing updated. The heatmaps are at the layer's
     * grid size; the explanation keeps each image at its original size for {@link
     * org.transfer4j.explain.Explanation#overlay()}.
     *
     * @param spec the conv layer (default the last), the classes (default the predicted one) and the score (default the
     *             logit; {@link org.transfer4j.explain.ClassScore#PROBABILITY} as the book)
     * @throws IllegalArgumentException for an unknown or non-conv layer, or an unknown class, listing the valid ones
     * @throws BadImageException        for the first image that cannot be read
     * @throws IOException              if the base weights cannot be had
     */
    public List<Explanation> explain(List<Path> images,
            GradCam spec) throws IOException, BadImageException {
        ModelExplainer.layerIndex(pipeline.base(), spec);
        List<HwcImage> originals = new ArrayList<>();
        List<HwcImage> inputs = new ArrayList<>();
        ModelExplainer.decode(images, pipeline.base().inputHeight(), pipeline.base().inputWidth(), originals, inputs);
        return explainer().explain(images, originals, inputs, spec);
    }

    /**
     * {@link #explain(List, GradCam)} for an image in memory: RGB, values 0..255, any size (resized to the input size
     * with nearest neighbours, as {@link ImageDecoder} does by default).
     *
     * @throws IllegalArgumentException for an image that is not RGB, or as {@link #explain(List, GradCam)}
     */
    public Explanation explain(HwcImage image, GradCam spec)
            throws WeightsException {
        HwcImage input = ModelExplainer.resizedForInput(image, pipeline.base().inputHeight(),
                pipeline.base().inputWidth());
        List<Path> noFile = new ArrayList<>();
        noFile.add(null);
        return explainer().explain(noFile, List.of(image), List.of(input), spec).get(0);
    }

    private ModelExplainer explainer() {
        if (explainer == null) {
            explainer = new ModelExplainer(this);
        }
        return explainer;
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return ImageFolder.EXTENSIONS.stream().anyMatch(n::endsWith) || n.endsWith("gif");
    }

    /**
     * Saves the model as one zip: configuration and provenance ({@code model.json}), {@code history.json}, the
     * trainable weights as {@code .npy} and, with {@code includeBaseWeights}, the frozen base's weights too —
     * otherwise a reference to them by source and checksum, checked when loading. Written atomically.
     */
    public void save(Path file, boolean includeBaseWeights) throws IOException {
        ModelFile.save(this, file, includeBaseWeights);
    }

    /**
     * Loads a model saved by {@link #save}. Base weights come from the file, or from the recorded source (verified
     * against the recorded checksum).
     *
     * @throws IOException naming the file and what is wrong (not a model, inconsistent, weights missing or different)
     */
    public static TransferModel load(Path file) throws IOException {
        return ModelFile.load(file, null);
    }

    /** {@link #load(java.nio.file.Path)} taking the base weights from {@code weights} (checked by checksum). */
    public static TransferModel load(Path file, WeightsSource weights)
            throws IOException {
        return ModelFile.load(file, weights);
    }

    Weights baseWeightsForSaving(boolean needed) throws WeightsException {
        if (needed && baseWeights == null) {
            baseWeights = pipeline.base().loadWeights();
        }
        return baseWeights;
    }

    /** The checksum of the base weights this model runs with (loads them if needed). */
    public String baseWeightsChecksum() throws WeightsException {
        return baseWeightsForSaving(true).checksum();
    }

    String augmentationDescription() {
        return augmentation;
    }

    void restore(Map<String, INDArray> values, History saved, List<Integer> phaseStarts, String augmentationText) {
        suffix.setVariableValues(values);
        explainer = null;
        History h = History.empty();
        List<Integer> starts = phaseStarts == null || phaseStarts.isEmpty() ? List.of(0) : phaseStarts;
        for (int p = 0; p < starts.size(); p++) {
            int from = starts.get(p);
            int to = p + 1 < starts.size() ? starts.get(p + 1) : saved.epochs();
            History phase = History.empty();
            for (int e = from; e < to; e++) {
                Map<String, Double> epoch = new LinkedHashMap<>();
                for (var m : saved.metrics().entrySet()) {
                    epoch.put(m.getKey(), m.getValue().get(e));
                }
                phase = phase.plus(epoch);
            }
            h = h.then(phase);
        }
        this.history = h;
        this.augmentation = augmentationText;
    }

    private FeatureExtractor prefix() throws WeightsException {
        if (prefix == null) {
            if (baseWeights == null) {
                baseWeights = pipeline.base().loadWeights();
            }
            prefix = pipeline.base().extractor(baseWeights, pipeline.cutLayer().name(), pipeline.precision());
        }
        return prefix;
    }

    @Override
    public void close() {
        if (explainer != null) {
            explainer.close();
        }
        explainer = null;
        if (prefix != null) {
            prefix.close();
        }
    }

    @Override
    public String toString() {
        return "TransferModel[" + pipeline + ", classes " + classIndices + ", " + history.epochs() + " epochs]";
    }
}
