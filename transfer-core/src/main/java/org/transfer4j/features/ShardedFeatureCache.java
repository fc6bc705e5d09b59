package org.transfer4j.features;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.Precision;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.BadImageReason;
import org.transfer4j.data.BadImageReport;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.ImageEntry;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.data.SkippedImage;
import org.transfer4j.internal.io.FileLocks;
import org.transfer4j.io.AtomicFiles;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Weights;

/**
 * A feature cache committed in shards, so that an interrupted extraction loses at most the shard in progress, and so
 * that many processes (Spark tasks) can write one set. The same format family as {@link FeatureCache}: plain
 * {@code .npy} files NumPy loads and JSON manifests; {@link FeatureCache#load()} and
 * {@link FeatureCache#extract} open a sharded folder as they open a single-file one.
 *
 * <pre>
 * cache/manifest.json                          the set: key, shards in row order (format 2, layout "sharded")
 * cache/shards/shard-00000.json                one shard: key, per row its image's path, size, mtime, label
 * cache/shards/shard-00000-&lt;token&gt;-features.npy  rows × h × w × c float32
 * cache/shards/shard-00000-&lt;token&gt;-labels.npy    rows float32 class indices
 * </pre>
 *
 * <p>Each shard's two {@code .npy} files are written to temporary files and renamed into place, then its manifest is
 * written the same way: a shard exists once its manifest does. The top-level {@code manifest.json} is written last and
 * names the set. A rerun reuses every committed shard whose key matches and whose images are all still there
 * unchanged (size, modification time, label) — including shards committed by a run that was killed before its
 * top-level manifest — and extracts only the rest, in new shards. Added images go to new shards; a changed or removed
 * image invalidates its shard, whose other images are extracted again (at most one shard's worth). A change of base,
 * weights, cut, preprocessing, input size, decoding or classes (the {@link CacheManifest.Key}) rebuilds everything.
 *
 * <p>The files live in a {@link ShardStore}: a local folder ({@link #at(Path)}), or another file system
 * ({@link #at(ShardStore)}: HDFS, an object store; {@code transfer-spark} writes there), where a shard's {@code .npy}
 * files are uploaded under their unique names and the manifests, the commit points, are written last; a shard is
 * trusted there only if its {@code .npy} files have exactly the sizes and headers its manifest implies. Reading rows
 * ({@link #load()}, {@link #open()}) needs a local folder.
 *
 * <p>Rows are in shard order; {@link #extract} returns them in the folder's (Keras's) file order.
 *
 * <p>Thread-safe: {@link #update} serialises on the folder (a lock within this JVM and a file lock on {@code .lock}
 * across processes). {@link #writeShard} needs no lock: concurrent writers of distinct shard ids never touch the same
 * file, and two writers of one id (a retried task) each commit a whole shard, the later one winning.
 */
public final class ShardedFeatureCache {
    /** The sub-folder holding the shards. */
    public static final String SHARDS = "shards";
    /** Default images per shard. */
    public static final int DEFAULT_SHARD_SIZE = 500;
    private static final Logger LOG = LoggerFactory.getLogger(ShardedFeatureCache.class);
    private static final JsonMapper JSON = FeatureCache.JSON;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String LOCK_FILE = ".lock";
    private static final Pattern SHARD_MANIFEST = Pattern.compile("shard-\\d+\\.json");
    private static final String READ_LOCALLY = ": rows are read from a local folder (copy it, e.g. hdfs dfs -get, or "
            + "read it where it is mounted)";

    private final ShardStore store;
    /** The local folder, or null for a store elsewhere (which plans and commits, but does not read rows). */
    private final Path directory;
    private final int batchSize;
    private final int shardSize;
    private final Consumer<ShardManifest> onShard;
    private final Precision precision;

    private ShardedFeatureCache(ShardStore store, int batchSize, int shardSize, Consumer<ShardManifest> onShard,
            Precision precision) {
        this.store = Objects.requireNonNull(store, "store");
        this.directory = store.localDirectory().orElse(null);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + batchSize);
        }
        if (shardSize < 1) {
            throw new IllegalArgumentException("shard size must be >= 1 image; got " + shardSize);
        }
        this.batchSize = batchSize;
        this.shardSize = shardSize;
        this.onShard = Objects.requireNonNull(onShard, "onShard");
        this.precision = Objects.requireNonNull(precision, "precision").resolve();
    }

    /** The sharded cache in {@code directory}: batches of 20, {@value #DEFAULT_SHARD_SIZE} images per shard. */
    public static ShardedFeatureCache at(Path directory) {
        return at(ShardStore.local(Objects.requireNonNull(directory, "directory")));
    }

    /**
     * The sharded cache in {@code store} (e.g. on HDFS or an object store): it plans and commits updates
     * ({@link #plan}, {@link #writeShard(ShardStore, CacheManifest.Key, int[], PendingShard, InputDecoder, Forward,
     * BadImagePolicy, int, IntConsumer) writeShard}, {@link #commit}) and reads its {@link #manifest()}; reading rows
     * ({@link #load()}, {@link #open()}, {@link #extract}) needs a local folder.
     */
    public static ShardedFeatureCache at(ShardStore store) {
        return new ShardedFeatureCache(store, 20, DEFAULT_SHARD_SIZE, m -> { }, Precision.FP32);
    }

    /** The same cache extracting {@code size} images per forward pass. */
    public ShardedFeatureCache batchSize(int size) {
        return new ShardedFeatureCache(store, size, shardSize, onShard, precision);
    }

    /**
     * The same cache committing every {@code images} images as a shard (the work an interruption can lose).
     *
     * @throws IllegalArgumentException if {@code images < 1}
     */
    public ShardedFeatureCache shardSize(int images) {
        return new ShardedFeatureCache(store, batchSize, images, onShard, precision);
    }

    /** The same cache calling {@code listener} (on the extracting thread) after each shard is committed. */
    public ShardedFeatureCache onShardCommitted(Consumer<ShardManifest> listener) {
        return new ShardedFeatureCache(store, batchSize, shardSize, listener, precision);
    }

    /**
     * The same cache computing features in {@code p} (resolved here; see {@link Precision#resolve()}). The precision
     * is part of the cache key: shards computed in another precision are recomputed.
     */
    public ShardedFeatureCache precision(Precision p) {
        return new ShardedFeatureCache(store, batchSize, shardSize, onShard, p);
    }

    /**
     * The cache's local folder.
     *
     * @throws IllegalStateException if the cache is in another store ({@link #store()})
     */
    public Path directory() {
        return requireLocal("");
    }

    /** Where the cache's files live. */
    public ShardStore store() {
        return store;
    }

    /** The local folder; else an {@code IllegalStateException}: not in a local folder, then {@code what}. */
    private Path requireLocal(String what) {
        if (directory == null) {
            throw new IllegalStateException("The feature cache " + store.describe("") + " is not in a local folder"
                    + what);
        }
        return directory;
    }

    public int shardSize() {
        return shardSize;
    }

    /** Whether {@code directory} holds a sharded cache: a sharded {@code manifest.json}, or shards of one in progress. */
    public static boolean isSharded(Path directory) {
        Path manifest = directory.resolve(FeatureCache.MANIFEST);
        if (Files.isRegularFile(manifest)) {
            try {
                JsonNode node = JSON.readTree(manifest.toFile());
                if (ShardedManifest.LAYOUT.equals(node.path("layout").asText())) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("unreadable manifest {}", manifest, e);
            }
        }
        return Files.isDirectory(directory.resolve(SHARDS));
    }

    /**
     * One image to extract, wherever it lives.
     *
     * @param filename relative path as Keras reports it ({@code cats/cat.1.jpg}); identifies the image in the set
     * @param label    class index
     * @param size     bytes
     * @param mtime    modification time, milliseconds since the epoch
     * @param location where to read it: a local path, or a URI for other readers (e.g. {@code hdfs://...})
     */
    public record Input(String filename, int label, long size, long mtime, String location) {
        public Input {
            Objects.requireNonNull(filename, "filename");
            Objects.requireNonNull(location, "location");
        }

        /** The input of a listed image (location: its path). */
        public static Input of(ImageEntry e) {
            return new Input(e.filename(), e.classIndex(), e.sizeBytes(), e.lastModified().toMillis(),
                    e.path().toString());
        }
    }

    /** Decodes an input to an RGB image at the base's input size. */
    @FunctionalInterface
    public interface InputDecoder {
        HwcImage decode(Input input) throws BadImageException, IOException;
    }

    /** Runs the frozen base on decoded images (the base's preprocessing included), e.g. {@code extractor::extract}. */
    @FunctionalInterface
    public interface Forward {
        float[] features(List<HwcImage> images) throws IOException;
    }

    /**
     * A shard still to be written.
     *
     * @param id     its number
     * @param inputs its images, in order
     */
    public record PendingShard(int id, List<Input> inputs) {
        public PendingShard {
            inputs = List.copyOf(inputs);
        }
    }

    /**
     * What an update has to do.
     *
     * @param key          the key of the set
     * @param featureShape {@code [h, w, c]}
     * @param kept         committed shards reused as they are, by id
     * @param pending      shards to write, by id
     * @param inputs       every input, in listing order
     */
    public record Plan(CacheManifest.Key key, int[] featureShape, List<ShardManifest> kept, List<PendingShard> pending,
            List<Input> inputs) {
        public Plan {
            featureShape = featureShape.clone();
            kept = List.copyOf(kept);
            pending = List.copyOf(pending);
            inputs = List.copyOf(inputs);
        }

        /** Rows the kept shards hold. */
        public int reusedRows() {
            return kept.stream().mapToInt(ShardManifest::rows).sum();
        }

        /** Images the pending shards hold. */
        public int pendingImages() {
            return pending.stream().mapToInt(p -> p.inputs().size()).sum();
        }
    }

    /**
     * What {@link #update} or {@link #commit} did.
     *
     * @param manifest      the committed set
     * @param extracted     images run through the base now
     * @param reused        rows taken from shards committed before
     * @param shardsWritten shards written now
     * @param shardsReused  shards reused
     * @param skipped       images left out (SKIP policy), with reasons
     */
    public record Update(ShardedManifest manifest, int extracted, int reused, int shardsWritten, int shardsReused,
            BadImageReport skipped) {
    }

    /**
     * Brings the cache up to date with {@code folder} and loads it, rows in the folder's file order.
     *
     * @see #update
     */
    public FeatureSet extract(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener) throws IOException, BadImageException {
        Update u = update(folder, base, weights, cutLayer, listener, null);
        return load(u, folder.targetSize(base.inputHeight(), base.inputWidth()).colorMode(ColorMode.RGB).list()
                .filenames());
    }

    /**
     * {@link #extract(ImageFolder, ConvBase, Weights, String, ExtractionListener)} with an open extractor, as
     * {@link FeatureCache#extract(ImageFolder, FeatureExtractor, ExtractionListener)}: its base, weights, cut and
     * precision make the key; it stays open, owned by the caller.
     */
    public FeatureSet extract(ImageFolder folder, FeatureExtractor extractor, ExtractionListener listener)
            throws IOException, BadImageException {
        ConvBase base = extractor.base();
        ShardedFeatureCache withPrecision = precision(extractor.precision());
        Update u = withPrecision.update(folder, base, extractor.weights(), extractor.cutLayer().name(), listener,
                extractor);
        return withPrecision.load(u, folder.targetSize(base.inputHeight(), base.inputWidth()).colorMode(ColorMode.RGB)
                .list().filenames());
    }

    /**
     * Brings the cache up to date with {@code folder}: lists it as Keras does (at the base's input size, RGB), keeps
     * every committed shard that still matches, extracts the other images shard by shard (each committed as soon as it
     * is written) and commits the set.
     *
     * @throws BadImageException under {@link BadImagePolicy#FAIL}, naming the first bad image; shards committed
     *                           before it are kept for the next run, the set's manifest is unchanged
     * @throws IOException       if the folder cannot be listed or the cache cannot be written
     */
    public Update update(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener) throws IOException, BadImageException {
        return update(folder, base, weights, cutLayer, listener, null);
    }

    /** @param given an open extractor to run (left open), or null to set one up for this update and close it */
    @SuppressWarnings("try") // the file lock is held for the block, not used in it
    private Update update(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener, FeatureExtractor given) throws IOException, BadImageException {
        requireLocal(": extract into it on Spark (transfer-spark's SparkExtraction), or into a local folder");
        Files.createDirectories(directory);
        try (FileLocks.Held lock = FileLocks.acquire(directory.resolve(LOCK_FILE), "the feature cache " + directory)) {
            return updateLocked(folder, base, weights, cutLayer, listener, given);
        }
    }

    private Update updateLocked(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener, FeatureExtractor given) throws IOException, BadImageException {
        ImageFolder spec = folder.targetSize(base.inputHeight(), base.inputWidth()).colorMode(ColorMode.RGB);
        FolderListing listing = spec.list();
        int[] featureShape = base.layer(cutLayer).outputShape();
        CacheManifest.Key key = CacheManifest.Key.of(base, weights.checksum(), cutLayer, spec.interpolation(),
                listing.classIndices(), precision);
        List<Input> inputs = listing.entries().stream().map(Input::of).toList();
        Plan plan = plan(key, featureShape, inputs, spec.onBadImage());
        List<ShardManifest> written = new ArrayList<>();
        if (!plan.pending().isEmpty()) {
            int total = plan.pendingImages();
            LOG.info("Feature cache {}: extracting {} of {} images in {} shards ({} reused from {} shards)", store,
                    total, inputs.size(), plan.pending().size(), plan.reusedRows(), plan.kept().size());
            ImageDecoder decoder = spec.decoder();
            long start = System.nanoTime();
            long[] lastReport = {start};
            int[] before = {0};
            FeatureExtractor own = given == null ? base.extractor(weights, cutLayer, precision) : null;
            FeatureExtractor extractor = given == null ? own : given;
            try (own) {
                for (PendingShard p : plan.pending()) {
                    ShardManifest m = writeShard(directory, key, featureShape, p,
                            in -> decoder.decode(Path.of(in.location())), extractor::extract, spec.onBadImage(),
                            batchSize, n -> {
                                int done = before[0] + n;
                                long now = System.nanoTime();
                                double rate = done / ((now - start) / 1e9);
                                listener.progress(done, total, rate, (total - done) / rate);
                                if (now - lastReport[0] > 10_000_000_000L) {
                                    lastReport[0] = now;
                                    LOG.info(String.format(Locale.ROOT, "  %d/%d images, %.1f img/s, ETA %.0f s",
                                            done, total, rate, (total - done) / rate));
                                }
                            });
                    before[0] += p.inputs().size();
                    written.add(m);
                    onShard.accept(m);
                }
            }
        }
        return commit(plan, written, listing.skipped());
    }

    /**
     * Compares the committed shards with {@code inputs}: keeps each shard of this key whose images are all present and
     * unchanged, and groups the other inputs, in order, into new shards of {@link #shardSize()} numbered after every
     * existing shard.
     *
     * @param policy under FAIL, a shard that skipped a bad image is not reused (the image fails again)
     */
    public Plan plan(CacheManifest.Key key, int[] featureShape, List<Input> inputs, BadImagePolicy policy) {
        Map<String, Input> byName = new LinkedHashMap<>();
        for (Input in : inputs) {
            if (byName.putIfAbsent(in.filename(), in) != null) {
                throw new IllegalArgumentException("Image " + in.filename() + " is listed twice");
            }
        }
        int maxId = -1;
        Set<String> covered = new HashSet<>();
        List<ShardManifest> kept = new ArrayList<>();
        int stale = 0;
        for (ShardManifest m : committedShards()) {
            maxId = Math.max(maxId, m.id());
            boolean ok = m.key().equals(key) && Arrays.equals(m.featureShape().stream().mapToInt(i -> i).toArray(),
                    featureShape) && filesMatch(m);
            List<String> names = new ArrayList<>();
            for (CacheManifest.Image img : ok ? m.images() : List.<CacheManifest.Image>of()) {
                Input in = byName.get(img.path());
                ok &= in != null && in.size() == img.size() && in.mtime() == img.mtime() && in.label() == img.label()
                        && !covered.contains(img.path());
                names.add(img.path());
            }
            for (CacheManifest.Skipped s : ok ? m.skipped() : List.<CacheManifest.Skipped>of()) {
                Input in = byName.get(s.path());
                ok &= policy == BadImagePolicy.SKIP && in != null && in.size() == s.size() && in.mtime() == s.mtime()
                        && !covered.contains(s.path());
                names.add(s.path());
            }
            if (ok && new HashSet<>(names).size() == names.size()) {
                kept.add(m);
                covered.addAll(names);
            } else {
                stale++;
            }
        }
        if (stale > 0) {
            LOG.info("Feature cache {}: {} committed shards are stale (other key, or images changed or removed)",
                    store, stale);
        }
        List<PendingShard> pending = new ArrayList<>();
        List<Input> current = new ArrayList<>();
        for (Input in : inputs) {
            if (covered.contains(in.filename())) {
                continue;
            }
            current.add(in);
            if (current.size() == shardSize) {
                pending.add(new PendingShard(++maxId, current));
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            pending.add(new PendingShard(++maxId, current));
        }
        return new Plan(key, featureShape, kept, pending, inputs);
    }

    /** Every readable shard manifest in {@code shards/}, by id (whatever its key). */
    List<ShardManifest> committedShards() {
        List<ShardManifest> shards = new ArrayList<>();
        List<String> names;
        try {
            names = store.list(SHARDS);
        } catch (IOException e) {
            LOG.warn("Cannot list shards in {}: {}", store.describe(SHARDS), e.getMessage());
            return shards;
        }
        for (String name : names) {
            if (!SHARD_MANIFEST.matcher(name).matches()) {
                continue;
            }
            String file = SHARDS + "/" + name;
            try (InputStream in = store.open(file)) {
                ShardManifest m = JSON.readValue(in, ShardManifest.class);
                if (m.format() == ShardedManifest.FORMAT && name.equals(m.name() + ".json")) {
                    shards.add(m);
                }
            } catch (IOException | RuntimeException e) {
                // also a manifest half-copied by an interrupted rename on an object store: not committed
                LOG.warn("Ignoring unreadable shard manifest {}: {}", store.describe(file), e.getMessage());
            }
        }
        shards.sort(Comparator.comparingInt(ShardManifest::id));
        return shards;
    }

    private boolean filesMatch(ShardManifest m) {
        int[] shape = m.featureShape().stream().mapToInt(i -> i).toArray();
        if (directory == null) {
            return npyMatches(m, m.featuresFile(), rowShape(m.rows(), shape)) && npyMatches(m, m.labelsFile(),
                    new long[] {m.rows()});
        }
        Path dir = directory.resolve(SHARDS);
        try (NpyReader r = NpyReader.open(dir.resolve(m.featuresFile()))) {
            NpyHeader labels = Npy.readHeader(dir.resolve(m.labelsFile()));
            return r.rows() == m.rows() && Arrays.equals(r.rowShape(), shape) && labels.shape()[0] == m.rows();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Shard {} of {} is damaged ({}): extracting it again", m.name(), directory, e.getMessage());
            return false;
        }
    }

    private static long[] rowShape(int rows, int[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = rows;
        for (int i = 0; i < shape.length; i++) {
            full[i + 1] = shape[i];
        }
        return full;
    }

    /**
     * Whether a shard's {@code .npy} file in a non-local store is whole: exactly the size, and the header, that this
     * library writes for {@code shape} (a half-copied or truncated file fails).
     */
    private boolean npyMatches(ShardManifest m, String name, long[] shape) {
        String file = SHARDS + "/" + name;
        try {
            NpyHeader expected = NpyHeader.of(NpyDtype.FLOAT32, shape);
            long length = store.length(file);
            if (length != expected.fileSize()) {
                LOG.warn("Shard {} of {} is damaged ({} has {} bytes, {} expected): extracting it again", m.name(),
                        store, store.describe(file), length, expected.fileSize());
                return false;
            }
            byte[] header = expected.encode();
            try (InputStream in = store.open(file)) {
                if (!Arrays.equals(in.readNBytes(header.length), header)) {
                    LOG.warn("Shard {} of {} is damaged ({} has another header): extracting it again", m.name(),
                            store, store.describe(file));
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Shard {} of {} is damaged ({}): extracting it again", m.name(), store, e.getMessage());
            return false;
        }
    }

    /** {@code shard-00007}. */
    static String shardName(int id) {
        return String.format(Locale.ROOT, "shard-%05d", id);
    }

    /**
     * Writes one shard of the set in {@code directory}: decodes its inputs (one batch ahead, on another thread), runs
     * {@code forward} on each batch, and commits the shard — features and labels {@code .npy}, then its manifest — by
     * atomic renames. Needs no lock and touches no other shard: Spark tasks call it, each for its own shard.
     *
     * @param progress told the number of the shard's inputs done after each batch
     * @throws BadImageException under {@link BadImagePolicy#FAIL}; nothing of the shard is committed
     * @throws IOException       if a file cannot be written (named); nothing of the shard is committed
     */
    public static ShardManifest writeShard(Path directory, CacheManifest.Key key, int[] featureShape,
            PendingShard shard, InputDecoder decoder, Forward forward, BadImagePolicy policy, int batchSize,
            IntConsumer progress) throws IOException, BadImageException {
        Path dir = directory.resolve(SHARDS);
        Files.createDirectories(dir);
        String name = shardName(shard.id());
        String token = Long.toUnsignedString(RANDOM.nextLong(), 36);
        Path featuresFile = dir.resolve(name + "-" + token + "-features.npy");
        Path labelsFile = dir.resolve(name + "-" + token + "-labels.npy");
        List<Input> inputs = shard.inputs();
        List<CacheManifest.Image> images = new ArrayList<>();
        List<CacheManifest.Skipped> skipped = new ArrayList<>();
        ExecutorService decoders = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "transfer4j-decode-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            NpyFloatWriter.write(featuresFile, featureShape, out -> {
                Future<Decoded> next = decoders.submit(() -> decode(decoder, policy, inputs, 0, batchSize));
                for (int from = 0; from < inputs.size(); from += batchSize) {
                    Decoded batch = FeatureCache.get(next);
                    int after = from + batchSize;
                    next = after < inputs.size()
                            ? decoders.submit(() -> decode(decoder, policy, inputs, after, batchSize)) : null;
                    if (!batch.images().isEmpty()) {
                        float[] rows = forward.features(batch.images());
                        out.appendRows(rows, 0, rows.length);
                    }
                    for (Input in : batch.inputs()) {
                        images.add(new CacheManifest.Image(in.filename(), in.size(), in.mtime(), in.label()));
                    }
                    skipped.addAll(batch.skipped());
                    progress.accept(Math.min(after, inputs.size()));
                }
            });
            float[] labels = new float[images.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = images.get(i).label();
            }
            Npy.write(labelsFile, labels, labels.length);
            ShardManifest m = new ShardManifest(ShardedManifest.FORMAT, key,
                    Arrays.stream(featureShape).boxed().toList(), shard.id(), featuresFile.getFileName().toString(),
                    labelsFile.getFileName().toString(), images, skipped, version());
            AtomicFiles.write(dir.resolve(name + ".json"), o -> JSON.writeValue(o, m));
            return m;
        } catch (IOException | RuntimeException | Error e) {
            AtomicFiles.discard(featuresFile, e);
            AtomicFiles.discard(labelsFile, e);
            Throwable cause = e instanceof IOException && e.getCause() instanceof BadImageException b ? b : e;
            if (cause instanceof BadImageException b) {
                throw b;
            }
            throw e;
        } finally {
            decoders.shutdownNow();
        }
    }

    /**
     * {@link #writeShard(Path, CacheManifest.Key, int[], PendingShard, InputDecoder, Forward, BadImagePolicy, int,
     * IntConsumer) writeShard} into a cache in {@code store}: in a local folder directly; elsewhere the shard is
     * written to a local temporary folder, its {@code .npy} files are uploaded under their unique names, and its
     * manifest is committed last ({@link ShardStore#commit}), so that the shard exists once its manifest does.
     */
    public static ShardManifest writeShard(ShardStore store, CacheManifest.Key key, int[] featureShape,
            PendingShard shard, InputDecoder decoder, Forward forward, BadImagePolicy policy, int batchSize,
            IntConsumer progress) throws IOException, BadImageException {
        Optional<Path> local = store.localDirectory();
        if (local.isPresent()) {
            return writeShard(local.get(), key, featureShape, shard, decoder, forward, policy, batchSize, progress);
        }
        Path staging = Files.createTempDirectory("transfer4j-" + shardName(shard.id()) + "-");
        try {
            ShardManifest m = writeShard(staging, key, featureShape, shard, decoder, forward, policy, batchSize,
                    progress);
            store.upload(staging.resolve(SHARDS).resolve(m.featuresFile()), SHARDS + "/" + m.featuresFile());
            store.upload(staging.resolve(SHARDS).resolve(m.labelsFile()), SHARDS + "/" + m.labelsFile());
            store.commit(SHARDS + "/" + m.name() + ".json", JSON.writeValueAsBytes(m));
            return m;
        } finally {
            try {
                AtomicFiles.deleteTree(staging);
            } catch (IOException e) {
                LOG.warn("Could not remove the local copy {} of a shard: {}", staging, e.getMessage());
            }
        }
    }

    private record Decoded(List<Input> inputs, List<HwcImage> images, List<CacheManifest.Skipped> skipped) {
    }

    private static Decoded decode(InputDecoder decoder, BadImagePolicy policy, List<Input> inputs, int from,
            int batchSize) throws BadImageException, IOException {
        List<Input> ok = new ArrayList<>();
        List<HwcImage> images = new ArrayList<>();
        List<CacheManifest.Skipped> skipped = new ArrayList<>();
        for (int i = from; i < Math.min(from + batchSize, inputs.size()); i++) {
            Input in = inputs.get(i);
            try {
                images.add(decoder.decode(in));
                ok.add(in);
            } catch (BadImageException ex) {
                if (policy == BadImagePolicy.FAIL) {
                    throw ex;
                }
                LOG.warn("Skipping {}: {}", in.location(), ex.getMessage());
                skipped.add(new CacheManifest.Skipped(in.filename(), in.size(), in.mtime(),
                        ex.reason().name().toLowerCase(Locale.ROOT) + ": " + ex.getMessage()));
            }
        }
        return new Decoded(ok, images, skipped);
    }


    /**
     * Commits the set: the plan's kept shards and {@code written} (which must be its pending shards, written) become
     * the set named by a new {@code manifest.json}; files of no shard of the set (stale shards, leftovers of killed
     * writers, a former single-file cache) are then removed.
     *
     * @param listingSkipped images the listing itself left out, for the report
     * @throws IllegalArgumentException if {@code written} does not hold exactly the plan's pending shards
     */
    public Update commit(Plan plan, List<ShardManifest> written, BadImageReport listingSkipped) throws IOException {
        Set<Integer> expected = new HashSet<>();
        plan.pending().forEach(p -> expected.add(p.id()));
        Set<Integer> got = new HashSet<>();
        written.forEach(m -> got.add(m.id()));
        if (!expected.equals(got) || written.size() != got.size()) {
            throw new IllegalArgumentException("Shards written " + got + " are not the plan's pending shards "
                    + expected);
        }
        List<ShardManifest> all = new ArrayList<>(plan.kept());
        all.addAll(written);
        all.sort(Comparator.comparingInt(ShardManifest::id));
        long rows = 0;
        long skippedCount = 0;
        List<ShardedManifest.Entry> entries = new ArrayList<>();
        List<SkippedImage> skipped = new ArrayList<>(listingSkipped.skipped());
        Map<String, String> locations = new HashMap<>();
        plan.inputs().forEach(i -> locations.put(i.filename(), i.location()));
        for (ShardManifest m : all) {
            entries.add(new ShardedManifest.Entry(m.name(), m.rows()));
            rows += m.rows();
            skippedCount += m.skipped().size();
            for (CacheManifest.Skipped s : m.skipped()) {
                skipped.add(skippedImage(s, locations.getOrDefault(s.path(), s.path())));
            }
        }
        ShardedManifest manifest = new ShardedManifest(ShardedManifest.FORMAT, ShardedManifest.LAYOUT, plan.key(),
                Arrays.stream(plan.featureShape()).boxed().toList(), entries, rows, skippedCount, version());
        store.commit(FeatureCache.MANIFEST, JSON.writeValueAsBytes(manifest));
        removeStaleFiles(all);
        int extracted = written.stream().mapToInt(ShardManifest::rows).sum();
        LOG.info("Feature cache {}: {} images in {} shards ({} extracted now, {} reused)", store, rows, all.size(),
                extracted, plan.reusedRows());
        return new Update(manifest, extracted, plan.reusedRows(), written.size(), plan.kept().size(),
                new BadImageReport(skipped));
    }

    static SkippedImage skippedImage(CacheManifest.Skipped s, String location) {
        String r = s.reason();
        int colon = r.indexOf(':');
        BadImageReason reason = BadImageReason.values()[0];
        for (BadImageReason candidate : BadImageReason.values()) {
            if (colon > 0 && candidate.name().equalsIgnoreCase(r.substring(0, colon))) {
                reason = candidate;
            }
        }
        Path file;
        try {
            file = Path.of(location);
        } catch (RuntimeException e) {
            file = Path.of(s.path());
        }
        return new SkippedImage(file, s.path(), reason, colon > 0 ? r.substring(colon + 1).trim() : r);
    }

    private void removeStaleFiles(List<ShardManifest> keep) {
        Set<String> names = new HashSet<>();
        for (ShardManifest m : keep) {
            names.add(m.name() + ".json");
            names.add(m.featuresFile());
            names.add(m.labelsFile());
        }
        try {
            for (String name : store.list(SHARDS)) {
                boolean ours = name.startsWith("shard-") || name.startsWith(".shard-");
                if (ours && !names.contains(name)) {
                    store.delete(SHARDS + "/" + name);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not remove stale shard files in {}: {}", store.describe(SHARDS), e.getMessage());
        }
        try {
            for (String name : store.list("")) {
                boolean singleFile = (name.startsWith("features-") || name.startsWith("labels-"))
                        && name.endsWith(".npy"); // a former single-file cache of this folder
                boolean manifestTemp = name.startsWith("." + FeatureCache.MANIFEST + ".") && name.endsWith(".tmp");
                if (singleFile || manifestTemp) {
                    store.delete(name);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not remove stale files in {}: {}", store, e.getMessage());
        }
    }

    /** The committed set's manifest, if there is one. */
    public Optional<ShardedManifest> manifest() {
        String file = FeatureCache.MANIFEST;
        try {
            if (!store.exists(file)) {
                return Optional.empty();
            }
            try (InputStream in = store.open(file)) {
                ShardedManifest m = JSON.readValue(in, ShardedManifest.class);
                return m.format() == ShardedManifest.FORMAT && ShardedManifest.LAYOUT.equals(m.layout())
                        ? Optional.of(m) : Optional.empty();
            }
        } catch (IOException | RuntimeException e) {
            // also a manifest half-copied by an interrupted rename on an object store: no committed set
            LOG.warn("Ignoring unreadable feature cache manifest {}: {}", store.describe(file), e.getMessage());
            return Optional.empty();
        }
    }

    /** The shard manifests the committed set names, in row order. */
    private List<ShardManifest> setShards(ShardedManifest m) throws IOException {
        List<ShardManifest> shards = new ArrayList<>();
        for (ShardedManifest.Entry e : m.shards()) {
            String file = SHARDS + "/" + e.name() + ".json";
            ShardManifest s;
            try (InputStream in = store.open(file)) {
                s = JSON.readValue(in, ShardManifest.class);
            }
            if (s.rows() != e.rows() || !s.key().equals(m.key())) {
                throw new IOException("Shard " + store.describe(file) + " has " + s.rows() + " rows of key " + s.key()
                        + "; the set's manifest expects " + e.rows() + " of " + m.key());
            }
            shards.add(s);
        }
        return shards;
    }

    private ShardedManifest requireManifest() throws NoSuchFileException {
        return manifest().orElseThrow(() -> new NoSuchFileException(store.describe(FeatureCache.MANIFEST), null,
                "no sharded feature cache here; extract first"));
    }

    /**
     * Opens the committed set for streaming: shard files, labels and names, features left on disk.
     *
     * @throws IOException if there is no committed set here or a shard it names is missing
     */
    public ShardedFeatures open() throws IOException {
        requireLocal(READ_LOCALLY);
        ShardedManifest m = requireManifest();
        List<ShardedFeatures.Shard> shards = new ArrayList<>();
        for (ShardManifest s : setShards(m)) {
            int[] classes = s.images().stream().mapToInt(CacheManifest.Image::label).toArray();
            Path features = directory.resolve(SHARDS).resolve(s.featuresFile());
            shards.add(new ShardedFeatures.Shard(s.name(), features, classes,
                    s.images().stream().map(CacheManifest.Image::path).toList()));
        }
        return new ShardedFeatures(directory, m.key(), m.featureShapeArray(), shards,
                ShardedFeatures.DEFAULT_SHUFFLE_BUFFER_ROWS);
    }

    /**
     * Loads the committed set in memory, rows in shard order.
     *
     * @throws IOException if there is no committed set here or a shard it names is missing
     */
    public FeatureSet load() throws IOException {
        requireLocal(READ_LOCALLY);
        ShardedManifest m = requireManifest();
        return load(new Update(m, 0, (int) m.images(), 0, m.shards().size(), BadImageReport.EMPTY), null);
    }

    /** Loads the set, rows in {@code order} (filenames; those not in the set are left out) or shard order. */
    private FeatureSet load(Update u, List<String> order) throws IOException {
        ShardedManifest m = u.manifest();
        List<ShardManifest> shards = setShards(m);
        int[] shape = m.featureShapeArray();
        int rowLength = shape[0] * shape[1] * shape[2];
        long total = m.images();
        if (total * rowLength > Integer.MAX_VALUE - 8) {
            throw new IOException("Feature cache " + directory + " holds " + total + " rows of " + rowLength
                    + " values, more than one array holds; stream it with ShardedFeatureCache.open()");
        }
        Map<String, Integer> position = new HashMap<>();
        List<String> names = new ArrayList<>();
        if (order != null) {
            Set<String> present = new HashSet<>();
            shards.forEach(s -> s.images().forEach(i -> present.add(i.path())));
            for (String f : order) {
                if (present.contains(f)) {
                    position.put(f, names.size());
                    names.add(f);
                }
            }
        } else {
            shards.forEach(s -> s.images().forEach(i -> {
                position.put(i.path(), names.size());
                names.add(i.path());
            }));
        }
        if (names.size() != total) {
            throw new IOException("Feature cache " + directory + ": the shards hold " + names.size()
                    + " distinct images, the manifest " + total);
        }
        float[] features = new float[(int) (total * rowLength)];
        int[] classes = new int[(int) total];
        for (ShardManifest s : shards) {
            try (NpyReader r = NpyReader.open(directory.resolve(SHARDS).resolve(s.featuresFile()))) {
                if (r.rows() != s.rows()) {
                    throw new IOException(r.file() + " has " + r.rows() + " rows; its manifest names " + s.rows());
                }
                for (int i = 0; i < s.rows(); i++) {
                    int at = position.get(s.images().get(i).path());
                    r.readRows(i, 1, features, at * rowLength);
                    classes[at] = s.images().get(i).label();
                }
            }
        }
        return new FeatureSet(directory, features, shape, classes, m.key().classIndices(), names, u.extracted(),
                u.reused(), u.skipped());
    }

    static String version() {
        String v = ShardedFeatureCache.class.getPackage().getImplementationVersion();
        return "transfer4j " + (v == null ? "development" : v);
    }
}
