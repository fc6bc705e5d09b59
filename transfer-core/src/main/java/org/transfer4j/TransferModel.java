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
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.io.Provenances;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.internal.train.ShardedBatchSource;
import org.transfer4j.io.History;
import org.transfer4j.io.Provenance;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.WeightArray;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.train.Evaluation;

/**
 * A trained transfer model: the frozen prefix of the base, the trained suffix (unfrozen conv layers and head), the
 * class indices and the training {@link History}: the result of a training run, made by {@link TransferPipeline#fit},
 * {@link #fineTune} or {@link #load}. Its weights and history never change after it is made.
 *
 * <p>Owns native memory (the frozen prefix's engine, set up on first prediction): close it. Shares only the base's
 * weights, read-only, with the models trained from it. Not thread-safe (one model per thread for predictions).
 */
public final class TransferModel implements AutoCloseable {
    private final TransferPipeline pipeline;
    private final Map<String, Integer> classIndices;
    private final SuffixNet suffix;
    private final History history;
    private final String stopReason;
    private final String augmentation;
    private Weights baseWeights;
    private FeatureExtractor prefix;
    private ModelExplainer explainer;

    /**
     * @param baseWeights  the base's weights if loaded (shared read-only with other models), else null: loaded when
     *                     first needed
     * @param suffix       the trained suffix; this model owns it from now on
     * @param stopReason   why training stopped early, or null
     * @param augmentation the training augmentation's description, or null
     */
    TransferModel(TransferPipeline pipeline, Map<String, Integer> classIndices, Weights baseWeights, SuffixNet suffix,
            History history, String stopReason, String augmentation) {
        this.pipeline = pipeline;
        this.classIndices = Map.copyOf(new LinkedHashMap<>(classIndices));
        this.baseWeights = baseWeights;
        this.suffix = suffix;
        this.history = history;
        this.stopReason = stopReason;
        this.augmentation = augmentation;
    }

    /**
     * The book's fine-tuning (listings 5-22, 5-23): trains a <em>new</em> model with {@code next}'s freeze point,
     * optimizer and epochs — typically {@code pipeline().freezeUntil("block5_conv1").optimizer(rmsprop(1e-5))
     * .epochs(100)} — starting from this model's trained head. Layers before the new freeze point stay frozen
     * (bit-identical); the newly unfrozen conv layers start from the base's weights. The new model's
     * {@link #history()} is this one's followed by the new phase, whose start is recorded in
     * {@link History#phaseStarts()}. The optimizer starts afresh, as Keras's {@code compile} does.
     *
     * <p>This model is not changed and stays usable: its weights, history and predictions are the same after the
     * call. The two models share only the base's weights (read-only); each has its own suffix and its own engine,
     * so closing one does not affect the other. Close both.
     *
     * @param next        the same base, head and classes, with a freeze point at or before the current one
     * @param train       features at {@code next.cutLayer()}
     * @param validation  features at {@code next.cutLayer()}, or null
     * @return the fine-tuned model
     * @throws IllegalArgumentException if {@code next} changes the base, head or classes, or freezes more
     */
    public TransferModel fineTune(TransferPipeline next, FeatureSet train, FeatureSet validation)
            throws WeightsException {
        try (TrainingRun run = new TrainingRun(next, baseWeights)) {
            return run.fineTune(this, train, validation);
        }
    }

    /**
     * {@link #fineTune(TransferPipeline, FeatureSet, FeatureSet)} on image folders, with {@code next}'s augmentation
     * (if any) on training images; caches live in {@code cacheRoot/<folder name>/<cut layer>}. Returns a new model;
     * this one is unchanged.
     */
    public TransferModel fineTune(TransferPipeline next, ImageFolder train, ImageFolder validation,
            Path cacheRoot) throws IOException, BadImageException {
        try (TrainingRun run = new TrainingRun(next, baseWeights)) {
            return run.fineTune(this, train, validation, cacheRoot);
        }
    }

    /**
     * The book's steps 4 and 5 in one call, so that the whole recipe is one fluent chain:
     * {@code pipeline.fit(train, validation, cache).fineTune("block5_conv1", rmsprop(1e-5), 100, train, validation, cache)}.
     * The rest of the settings (batch size, seed, augmentation, callbacks) are the current pipeline's. Returns a
     * new model; this one is unchanged.
     *
     * @throws IllegalArgumentException for an unknown layer, listing the valid ones
     */
    public TransferModel fineTune(String fromLayer, Optimizer optimizer, int epochs, ImageFolder train,
            ImageFolder validation, Path cacheRoot) throws IOException, BadImageException {
        return fineTune(pipeline.freezeUntil(fromLayer).optimizer(optimizer).epochs(epochs), train, validation,
                cacheRoot);
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
        TrainingRun.checkShape(pipeline, set.featureShape(), "evaluation");
        if (!set.classIndices().equals(classIndices)) {
            throw new IllegalArgumentException("Classes " + set.classIndices() + " differ from the model's " + classIndices);
        }
        int units = suffix.head().outputUnits();
        ArrayBatchSource source = TrainingRun.batches(set, units, pipeline.trainingOptions().batchSize(), false, 0);
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
     * Evaluates on a sharded feature set (the output of {@code ShardedFeatureCache} or a Spark extraction), streaming
     * it a batch at a time in the set's order: memory holds one shard's rows and the probabilities, never the whole
     * feature matrix, so a set larger than the heap can be evaluated as it was trained on.
     *
     * @throws IllegalArgumentException if the features were cut elsewhere or the classes differ from the model's
     */
    public Evaluation evaluate(ShardedFeatures set) {
        TrainingRun.checkShape(pipeline, set.featureShape(), "evaluation");
        if (!set.classIndices().equals(classIndices)) {
            throw new IllegalArgumentException("Classes " + set.classIndices() + " differ from the model's " + classIndices);
        }
        int units = suffix.head().outputUnits();
        ShardedBatchSource source = new ShardedBatchSource(set, units, pipeline.trainingOptions().batchSize(), false, 0);
        int n = Math.toIntExact(set.samples());
        float[] p = new float[n * units];
        int[] classes = new int[n];
        int at = 0;
        for (var it = source.pass(0); it.hasNext(); ) {
            var b = it.next();
            float[] batch = suffix.predict(b.x()).data().asFloat();
            System.arraycopy(batch, 0, p, at * units, batch.length);
            System.arraycopy(b.classes(), 0, classes, at, b.size());
            at += b.size();
        }
        return Evaluation.of(p, units, classes, classNames());
    }

    /**
     * Evaluates on an image folder: each image is decoded as the model's input expects, run through the frozen
     * prefix and the suffix. Never augmented.
     *
     * @throws BadImageException under the folder's FAIL policy
     * @throws WeightsException  if the base weights cannot be had
     */
    public Evaluation evaluate(ImageFolder folder) throws IOException, BadImageException {
        TrainingRun.checkNoBatchSettings(folder, "evaluation");
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

    /**
     * What made this model's features, the record {@code model.json} and the CLI's {@code run.json} carry: base,
     * weights (source and checksum), cut layer, preprocessing, input size, precision and library versions (read from
     * the jars). Loads the base weights if needed, for their checksum.
     *
     * @throws WeightsException if the base weights cannot be had
     */
    public Provenance provenance() throws WeightsException {
        return Provenances.of(pipeline.base(), baseWeightsChecksum(), pipeline.cutLayer().name(),
                pipeline.precision());
    }

    String augmentationDescription() {
        return augmentation;
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
