package org.transfer4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.transfer4j.augment.Augmentation;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.internal.graph.BaseGraphs;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Pooling;
import org.transfer4j.model.Summary;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;
import org.transfer4j.train.EarlyStopping;
import org.transfer4j.train.LearningRateSchedule;
import org.transfer4j.train.TrainingListener;

/**
 * Transfer learning with a pretrained convolutional base, as section 5.3 of Chollet's <i>Deep Learning with
 * Python</i> does it: {@code TransferPipeline.from(Vgg16.imagenet(150, 150)).freezeUntil("block5_conv1")
 * .head(dense(256).dropout(0.5).sigmoid())}.
 *
 * <p>The freeze point is the cut: layers before it are frozen and run for inference only; the layer named in
 * {@link #freezeUntil(String)} and every layer after it train together with the head. Without
 * {@code freezeUntil} the whole base is frozen (the book's {@code conv_base.trainable = False}).
 *
 * <p>Immutable and thread-safe: each step returns a new pipeline.
 */
public final class TransferPipeline {
    private final ConvBase base;
    private final int firstTrainable;
    private final Head head;
    private final TrainingOptions training;
    private final Augmentation augmentation;
    private final Precision precision;

    private TransferPipeline(ConvBase base, int firstTrainable, Head head, TrainingOptions training,
            Augmentation augmentation) {
        this(base, firstTrainable, head, training, augmentation, Precision.FP32);
    }

    private TransferPipeline(ConvBase base, int firstTrainable, Head head, TrainingOptions training,
            Augmentation augmentation, Precision precision) {
        Objects.requireNonNull(base, "base");
        // the pooling between base and head follows the head (else the base's default): Keras's pooling='avg' is a
        // GlobalAveragePooling2D layer at the end of the base, part of the frozen prefix
        Pooling pooling = head != null && head.pooling().isPresent() ? head.pooling().get() : base.defaultPooling();
        int convLayers = base.withPooling(Pooling.NONE).layers().size();
        this.base = base.withPooling(pooling);
        this.firstTrainable = firstTrainable >= convLayers ? this.base.layers().size() : firstTrainable;
        this.head = head;
        this.training = Objects.requireNonNull(training, "training");
        this.augmentation = augmentation;
        this.precision = Objects.requireNonNull(precision, "precision");
    }

    /** A pipeline on {@code base}, frozen entirely, without a head yet, with {@link TrainingOptions#book()}. */
    public static TransferPipeline from(ConvBase base) {
        return new TransferPipeline(base, base.layers().size(), null, TrainingOptions.book(), null);
    }

    /**
     * Freezes every layer before {@code layer}; {@code layer} itself and all after it train (the book's fine-tuning
     * unfreezes from {@code block5_conv1}). {@code freezeUntil(first layer)} trains the whole base.
     *
     * @throws IllegalArgumentException for an unknown layer, listing the valid names
     */
    public TransferPipeline freezeUntil(String layer) {
        return new TransferPipeline(base, base.indexOf(layer), head, training, augmentation, precision);
    }

    /** Freezes the whole base (the default). */
    public TransferPipeline freezeAll() {
        return new TransferPipeline(base, base.layers().size(), head, training, augmentation, precision);
    }

    /**
     * Runs the frozen base in {@code precision} (default {@link Precision#FP32}): {@link Precision#BF16} roughly
     * doubles the conv base's speed on CPUs with AVX512-BF16 or AMX, with features within 2e-2 relative of fp32;
     * {@link Precision#AUTO} picks BF16 where the CPU has it. Checked when the base first runs (extraction, training,
     * prediction), which fails for BF16 on a CPU without it. The precision is part of the feature cache's key and of
     * a saved model's provenance. Trainable conv layers (fine-tuning) compute in the same precision with fp32 master
     * weights and optimizer state, as PyTorch's autocast does; the dense head always computes in fp32.
     */
    public TransferPipeline precision(Precision precision) {
        return new TransferPipeline(base, firstTrainable, head, training, augmentation,
                Objects.requireNonNull(precision, "precision"));
    }

    /** The precision asked for (possibly {@code AUTO}; {@link Precision#resolve()} says what runs). */
    public Precision precision() {
        return precision;
    }

    /**
     * Puts {@code head} on the base. Between them sits the head's {@link Head#pooling()}, else the base's
     * {@link ConvBase#defaultPooling()}: Flatten on VGG (the book's), Keras's {@code pooling='avg'} on ResNet50 and
     * MobileNetV2 (a {@code GlobalAveragePooling2D} layer appended to the base, so features are cached pooled).
     *
     * @throws IllegalArgumentException for a globalAveragePooling() head with fine-tuning (not yet supported)
     */
    public TransferPipeline head(Head head) {
        return new TransferPipeline(base, firstTrainable, Objects.requireNonNull(head, "head"), training, augmentation,
                precision);
    }

    /** Replaces all training options. */
    public TransferPipeline training(TrainingOptions options) {
        return new TransferPipeline(base, firstTrainable, head, options, augmentation, precision);
    }

    /**
     * Trains on randomly transformed images (the book's approach 2, listings 5-20/5-21, e.g.
     * {@code Augmentation.book()}): every training batch is augmented, run through the frozen prefix and used once.
     * Validation and test images are never augmented. The augmentation's own seed makes its draws reproducible. It
     * must not rescale: scaling is the base's {@link org.transfer4j.model.Preprocessing}.
     *
     * @throws IllegalArgumentException if the augmentation rescales
     */
    public TransferPipeline augment(Augmentation augmentation) {
        if (augmentation != null && augmentation.rescale() != 0) {
            throw new IllegalArgumentException("The augmentation rescales by " + augmentation.rescale()
                    + "; in a pipeline, scaling is the base's preprocessing: drop rescale and use "
                    + "ConvBase.withPreprocessing(Preprocessing.RESCALE) for the book's 1/255");
        }
        return new TransferPipeline(base, firstTrainable, head, training, augmentation, precision);
    }

    /** The training augmentation, if any. */
    public Optional<Augmentation> augmentation() {
        return Optional.ofNullable(augmentation);
    }

    /**
     * Trains on image folders: with {@link #augment augmentation}, training images go through augmentation and the
     * frozen prefix every step (approach 2); without, their features at {@link #cutLayer()} come from the feature
     * cache (approach 1). Validation features always come from the cache, unaugmented. Caches live in
     * {@code cacheRoot/<folder name>/<cut layer>}.
     *
     * <p>The folders are read as listings: batch size, seed and order are this pipeline's (training shuffled,
     * validation in order), so a folder that sets its own ({@link ImageFolder#batchSettings()}) is refused.
     *
     * @param validation or null
     * @throws IllegalArgumentException if a folder sets batchSize, shuffle or seed
     * @throws org.transfer4j.data.BadImageException under the FAIL policy, naming the image
     */
    public TransferModel fit(ImageFolder train, ImageFolder validation,
            Path cacheRoot) throws IOException, BadImageException {
        try (TrainingRun run = new TrainingRun(this, base.loadWeights())) {
            return run.fit(train, validation, cacheRoot);
        }
    }

    /** The optimizer, e.g. {@code rmsprop(2e-5)} (the book's). */
    public TransferPipeline optimizer(Optimizer optimizer) {
        return training(training.withOptimizer(optimizer));
    }

    /** Epochs to train (book: 30 for approach 1). */
    public TransferPipeline epochs(int epochs) {
        return training(training.withEpochs(epochs));
    }

    /** Batch size (book: 20). */
    public TransferPipeline batchSize(int batchSize) {
        return training(training.withBatchSize(batchSize));
    }

    /** The seed of shuffles, dropout, head initialisation and augmentation. */
    public TransferPipeline seed(long seed) {
        return training(training.withSeed(seed));
    }

    /** Keras's {@code steps_per_epoch} and {@code validation_steps}; 0 = a full pass. */
    public TransferPipeline steps(int perEpoch, int validation) {
        return training(training.withSteps(perEpoch, validation));
    }

    /** Early stopping on a monitored metric. */
    public TransferPipeline earlyStopping(EarlyStopping earlyStopping) {
        return training(training.withEarlyStopping(earlyStopping));
    }

    /** Loss weight per class index, for imbalanced folders (Keras's {@code class_weight}). */
    public TransferPipeline classWeights(Map<Integer, Double> weights) {
        return training(training.withClassWeights(weights));
    }

    /**
     * Loss weights per class: {@link ClassWeights#balanced()} ({@code n_samples / (n_classes * count_c)}, from the
     * training data when training starts), fixed, or none.
     */
    public TransferPipeline classWeights(ClassWeights weights) {
        return training(training.withClassWeights(weights));
    }

    /**
     * Multiplies the learning rate of one trainable layer, or of every trainable layer of a block ({@code block5})
     * (discriminative learning rates).
     *
     * @throws IllegalArgumentException if no base layer or block has that name
     */
    public TransferPipeline learningRateMultiplier(String layerOrBlock, double factor) {
        List<String> layers = base.layerNames().stream()
                .filter(n -> n.equals(layerOrBlock) || n.startsWith(layerOrBlock + "_")).toList();
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("Unknown layer or block '" + layerOrBlock + "' in " + base.name()
                    + "; layers are " + String.join(", ", base.layerNames()));
        }
        TrainingOptions t = training;
        for (String l : layers) {
            t = t.withLearningRateMultiplier(l, factor);
        }
        return training(t);
    }

    /** A learning rate per epoch. */
    public TransferPipeline learningRateSchedule(LearningRateSchedule schedule) {
        return training(training.withSchedule(schedule));
    }

    /** Adds a training callback (progress, checkpoints). */
    public TransferPipeline listener(TrainingListener listener) {
        return training(training.withListener(listener));
    }

    public TrainingOptions trainingOptions() {
        return training;
    }

    /**
     * Runs the frozen prefix once over {@code folder} and keeps the features at {@link #cutLayer()} in
     * {@code cacheDirectory}, reusing what is cached (the book's {@code extract_features}, listing 5-17).
     *
     * @throws IllegalArgumentException if the folder sets batchSize, shuffle or seed (the pipeline's decide)
     * @throws org.transfer4j.model.WeightsException     if the base's weights cannot be had
     * @throws org.transfer4j.data.BadImageException     under the FAIL policy, naming the bad image
     */
    public FeatureSet extractFeatures(ImageFolder folder,
            Path cacheDirectory, ExtractionListener listener)
            throws IOException, BadImageException {
        return extractFeatures(base.loadWeights(), folder, cacheDirectory, listener);
    }

    /** {@link #extractFeatures(org.transfer4j.data.ImageFolder, java.nio.file.Path,
     * org.transfer4j.features.ExtractionListener)} with already loaded weights. */
    public FeatureSet extractFeatures(Weights weights,
            ImageFolder folder, Path cacheDirectory,
            ExtractionListener listener)
            throws IOException, BadImageException {
        TrainingRun.checkNoBatchSettings(folder, "extraction");
        return FeatureCache.at(cacheDirectory).batchSize(training.batchSize())
                .precision(precision).extract(folder, base, weights, cutLayer().name(), listener);
    }

    /**
     * Brings the feature cache in {@code cacheDirectory} up to date with {@code folder} as
     * {@link #extractFeatures(org.transfer4j.model.Weights, org.transfer4j.data.ImageFolder, java.nio.file.Path,
     * org.transfer4j.features.ExtractionListener)} does, but leaves the features on disk instead of loading them: for
     * extraction-only runs, whose memory then stays flat however many images there are. Load them later with
     * {@code FeatureCache.at(cacheDirectory).load()}.
     */
    public FeatureCache.Update updateFeatures(Weights weights,
            ImageFolder folder, Path cacheDirectory,
            ExtractionListener listener)
            throws IOException, BadImageException {
        TrainingRun.checkNoBatchSettings(folder, "extraction");
        return FeatureCache.at(cacheDirectory).batchSize(training.batchSize())
                .precision(precision).update(folder, base, weights, cutLayer().name(), listener);
    }

    /**
     * As {@link #updateFeatures} but commits the features in shards of {@code shardSize} images
     * ({@link org.transfer4j.features.ShardedFeatureCache}): an interrupted run loses at most the shard in progress and
     * the next run extracts only the shards not committed. {@link org.transfer4j.features.FeatureCache#load()},
     * {@link #extractFeatures} and {@code ShardedFeatureCache.open()} (for streaming) read the result.
     *
     * @throws IllegalArgumentException if {@code shardSize < 1}
     */
    public ShardedFeatureCache.Update updateShardedFeatures(Weights weights,
            ImageFolder folder, Path cacheDirectory, int shardSize,
            ExtractionListener listener)
            throws IOException, BadImageException {
        TrainingRun.checkNoBatchSettings(folder, "extraction");
        return ShardedFeatureCache.at(cacheDirectory).batchSize(training.batchSize())
                .shardSize(shardSize).precision(precision).update(folder, base, weights, cutLayer().name(), listener);
    }

    /**
     * Trains the trainable suffix on cached features (the book's approach 1, listing 5-18: the head on conv-base
     * features, with validation), and returns the trained model.
     *
     * @param train      features at {@link #cutLayer()}
     * @param validation features for {@code val_loss}/{@code val_acc}, or null
     * @throws IllegalStateException    without a complete head
     * @throws IllegalArgumentException if the features were taken at another layer or the classes do not fit the head
     * @throws org.transfer4j.model.WeightsException if unfrozen conv layers need base weights that cannot be had
     */
    public TransferModel fit(FeatureSet train, FeatureSet validation)
            throws WeightsException {
        try (TrainingRun run = new TrainingRun(this, null)) {
            return run.fit(train, validation);
        }
    }

    /**
     * Approach 1 streaming from disk: trains the trainable suffix on a sharded feature set without loading it, so the
     * set may be larger than the heap (memory: the set's shuffle buffer and one batch). Training batches are shuffled
     * reproducibly from the seed across and within shards (streamed shards); validation
     * streams in order. Open the sets with {@code ShardedFeatureCache.at(dir).open()}.
     *
     * @param validation or null
     * @throws IllegalStateException    without a complete head
     * @throws IllegalArgumentException if the features were taken at another layer or the classes do not fit the head
     * @throws org.transfer4j.model.WeightsException if unfrozen conv layers need base weights that cannot be had
     */
    public TransferModel fit(ShardedFeatures train,
            ShardedFeatures validation) throws WeightsException {
        try (TrainingRun run = new TrainingRun(this, null)) {
            return run.fit(train, validation);
        }
    }

    public ConvBase base() {
        return base;
    }

    /** The head, if set. */
    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    /** The first layer that trains, or empty when the whole base is frozen. */
    public Optional<Layer> firstTrainableLayer() {
        return firstTrainable < base.layers().size() ? Optional.of(base.layers().get(firstTrainable)) : Optional.empty();
    }

    /** Index in {@code base().layers()} of the first layer that trains ({@code layers().size()} if none). */
    public int firstTrainableIndex() {
        return firstTrainable;
    }

    /**
     * The layer the frozen prefix ends with: the cut, where features are taken and cached. The last base layer when
     * the whole base is frozen; in a chain (VGG) the layer before the first trainable one. When the freeze point falls
     * inside a residual block (ResNet50, MobileNetV2) the prefix ends at the block's input, the one tensor the rest of
     * the network reads: the block's layers before the freeze point then run frozen in the suffix (same values; they
     * never train).
     *
     * @throws IllegalStateException when the whole base trains (there is no frozen prefix)
     */
    public Layer cutLayer() {
        String entry = firstTrainable == 0 ? Graph.INPUT
                : firstTrainable >= base.layers().size() ? base.layers().get(firstTrainable - 1).name()
                : BaseGraphs.of(base).entryOf(base.layers().get(firstTrainable).name());
        if (entry.equals(Graph.INPUT)) {
            throw new IllegalStateException("freezeUntil(" + base.layers().get(firstTrainable).name()
                    + ") trains the whole base; there is no frozen prefix to cut after");
        }
        return base.layers().get(base.indexOf(entry));
    }

    /**
     * Keras's {@code model.summary()} of base + head: the base as one nested row (as Keras prints a model used as a
     * layer), then Flatten and the head's layers named as Keras 2 did in the book ({@code flatten_1},
     * {@code dense_1}, {@code dropout_1}, ...). Trainable counts follow the freeze point. For the book's model
     * (VGG16 at 150×150, Dense(256), Dense(1)): 16,812,353 parameters.
     */
    public Summary summary() {
        List<Summary.Row> rows = new ArrayList<>();
        long baseParams = base.parameterCount();
        long frozenStatistics = base.layers().subList(Math.min(firstTrainable, base.layers().size()),
                base.layers().size()).stream().mapToLong(Layer::nonTrainableParameters).sum();
        rows.add(new Summary.Row(base.name(), "Functional", base.lastLayer().kerasOutputShape(), baseParams,
                base.parameterCountFrom(Math.min(firstTrainable, base.layers().size())) - frozenStatistics));
        if (head != null) {
            int[] out = base.outputShape();
            long flat = 1;
            for (int d : out) {
                flat *= d;
            }
            if (base.lastLayer().type() != LayerType.GLOBAL_AVERAGE_POOLING2D) {
                rows.add(Summary.Row.of("flatten_1", "Flatten", "(None, " + flat + ")", 0, true));
            }
            long in = flat;
            int dense = 0;
            int dropout = 0;
            for (HeadLayer l : head.layers()) {
                if (l instanceof HeadLayer.Dense d) {
                    long params = in * d.units() + d.units();
                    rows.add(Summary.Row.of("dense_" + (++dense), "Dense", "(None, " + d.units() + ")", params, true));
                    in = d.units();
                } else if (l instanceof HeadLayer.Dropout) {
                    rows.add(Summary.Row.of("dropout_" + (++dropout), "Dropout", "(None, " + in + ")", 0, true));
                }
            }
        }
        return new Summary("sequential_1", rows);
    }

    @Override
    public String toString() {
        return "TransferPipeline[" + base.name() + ", " + firstTrainableLayer().map(l -> "freezeUntil(" + l.name() + ")")
                .orElse("frozen") + ", head " + (head == null ? "none" : head) + "]";
    }
}
