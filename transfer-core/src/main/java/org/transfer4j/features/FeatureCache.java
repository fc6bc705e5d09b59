package org.transfer4j.features;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import org.transfer4j.io.StrictJson;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Weights;

/**
 * "Run the conv base once and keep its output on disk" (the book's fast feature extraction, listing 5-17): the
 * features of an image folder at a cut layer, as {@code .npy} files NumPy loads, with a {@code manifest.json}
 * recording what made them.
 *
 * <p>A later run on unchanged images reuses the cache without running the base. Any change to the base, weights
 * (checksum), cut layer, preprocessing, input size, decoding or classes recomputes everything; added or changed
 * images (by size and modification time) are the only ones extracted, removed ones are dropped. Extraction streams
 * rows to disk, so memory does not grow with the number of images; decoding runs one batch ahead of the base.
 *
 * <p>Writes are atomic: new {@code features-*.npy} and {@code labels-*.npy} files are complete before the manifest
 * that names them replaces the old one, so an interrupted run leaves the previous cache (or none) — never one a
 * later run would trust. A manifest whose files are missing, truncated or of the wrong shape is ignored and the
 * cache rebuilt.
 *
 * <p>A folder holding a {@link ShardedFeatureCache} (the same format family, committed in shards) is opened by
 * {@link #extract} and {@link #load()} as it is: {@code extract} brings it up to date shard by shard.
 *
 * <p>Thread-safe: updates of one cache folder are serialised, within this JVM and across processes (a file lock on
 * {@code .lock}), so two extractions of the same folder never corrupt each other; the second finds the first's
 * work done.
 */
public final class FeatureCache {
    /** The manifest file name. */
    public static final String MANIFEST = "manifest.json";
    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);
    /** Reads and writes every manifest of the cache family (single-file and sharded): strict, indented. */
    static final JsonMapper JSON = StrictJson.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The lock file that serialises updates of one cache folder, across threads and processes. */
    private static final String LOCK_FILE = ".lock";

    private final Path directory;
    private final int batchSize;
    private final Precision precision;

    private FeatureCache(Path directory, int batchSize, Precision precision) {
        this.directory = Objects.requireNonNull(directory, "directory");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1; got " + batchSize);
        }
        this.batchSize = batchSize;
        this.precision = precision.resolve();
    }

    /** The cache in {@code directory} (created on first write). */
    public static FeatureCache at(Path directory) {
        return new FeatureCache(directory, 20, Precision.FP32);
    }

    /** The same cache extracting {@code size} images per forward pass. */
    public FeatureCache batchSize(int size) {
        return new FeatureCache(directory, size, precision);
    }

    /**
     * The same cache computing features in {@code p} (resolved here; see {@link Precision#resolve()}). The precision
     * is part of the cache key: features cached in another precision are recomputed.
     *
     * @throws IllegalStateException for {@code BF16} where it cannot run
     */
    public FeatureCache precision(Precision p) {
        return new FeatureCache(directory, batchSize, p);
    }

    public Path directory() {
        return directory;
    }

    /**
     * Brings the cache up to date with {@code folder} and loads it.
     *
     * @see #update
     */
    public FeatureSet extract(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener) throws IOException, BadImageException {
        if (ShardedFeatureCache.isSharded(directory)) {
            return ShardedFeatureCache.at(directory).batchSize(batchSize).precision(precision).extract(folder, base, weights, cutLayer,
                    listener);
        }
        Update u = update(folder, base, weights, cutLayer, listener, null);
        return load(u);
    }

    /**
     * {@link #extract(ImageFolder, ConvBase, Weights, String, ExtractionListener)} with an open extractor: its base,
     * weights, cut layer and precision make the key, and its engine computes what is not cached (set up on its first
     * batch, so a cache hit costs none). The extractor stays open, owned by the caller: one extractor serves
     * several folders with one engine. Use it from one thread at a time.
     */
    public FeatureSet extract(ImageFolder folder, FeatureExtractor extractor, ExtractionListener listener)
            throws IOException, BadImageException {
        Objects.requireNonNull(extractor, "extractor");
        if (ShardedFeatureCache.isSharded(directory)) {
            return ShardedFeatureCache.at(directory).batchSize(batchSize).extract(folder, extractor, listener);
        }
        FeatureCache withPrecision = new FeatureCache(directory, batchSize, extractor.precision());
        return withPrecision.load(withPrecision.update(folder, extractor, listener));
    }

    /**
     * {@link #update(ImageFolder, ConvBase, Weights, String, ExtractionListener)} with an open extractor (left open),
     * as {@link #extract(ImageFolder, FeatureExtractor, ExtractionListener)}.
     */
    public Update update(ImageFolder folder, FeatureExtractor extractor, ExtractionListener listener)
            throws IOException, BadImageException {
        FeatureCache withPrecision = new FeatureCache(directory, batchSize, extractor.precision());
        return withPrecision.update(folder, extractor.base(), extractor.weights(), extractor.cutLayer().name(),
                listener, extractor);
    }

    /** What {@link #update} did. */
    public record Update(CacheManifest manifest, int extracted, int reused, BadImageReport skipped) {
    }

    /**
     * Brings the cache up to date with {@code folder}: lists it as Keras does (at the base's input size, RGB), reuses
     * rows of unchanged images, runs the base up to {@code cutLayer} on the others, and commits a new manifest.
     *
     * @throws BadImageException under {@link BadImagePolicy#FAIL}, naming the first bad image; the cache is unchanged
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
        if (ShardedFeatureCache.isSharded(directory)) {
            throw new IllegalStateException("Feature cache " + directory + " is sharded; update it with "
                    + "ShardedFeatureCache.at(dir).update(...) (FeatureCache.extract and load open it as it is)");
        }
        Files.createDirectories(directory);
        try (FileLocks.Held lock = FileLocks.acquire(lockFile(), "the feature cache " + directory)) {
            return updateLocked(folder, base, weights, cutLayer, listener, given);
        }
    }

    /** The lock file that serialises updates of this cache folder (for diagnostics and tests). */
    public Path lockFile() {
        return directory.resolve(LOCK_FILE);
    }

    private Update updateLocked(ImageFolder folder, ConvBase base, Weights weights, String cutLayer,
            ExtractionListener listener, FeatureExtractor given) throws IOException, BadImageException {
        ImageFolder spec = folder.targetSize(base.inputHeight(), base.inputWidth()).colorMode(ColorMode.RGB);
        FolderListing listing = spec.list();
        int[] featureShape = base.layer(cutLayer).outputShape();
        CacheManifest.Key key = CacheManifest.Key.of(base, weights.checksum(), cutLayer, spec.interpolation(),
                listing.classIndices(), precision);

        Optional<Valid> previous = readValid(key, featureShape);
        Map<String, Integer> oldRows = previous.map(v -> v.manifest().rowsByPath()).orElse(Map.of());
        Map<String, CacheManifest.Skipped> oldSkipped = previous.map(v -> v.manifest().skipped().stream()
                .collect(Collectors.toMap(CacheManifest.Skipped::path, s -> s, (a, b) -> a))).orElse(Map.of());

        List<ImageEntry> toExtract = new ArrayList<>();
        List<CacheManifest.Skipped> skippedAgain = new ArrayList<>();
        for (ImageEntry e : listing.entries()) {
            long mtime = e.lastModified().toMillis();
            Integer row = oldRows.get(e.filename());
            if (row != null) {
                CacheManifest.Image old = previous.get().manifest().images().get(row);
                if (old.size() == e.sizeBytes() && old.mtime() == mtime && old.label() == e.classIndex()) {
                    continue;
                }
            }
            CacheManifest.Skipped s = oldSkipped.get(e.filename());
            if (s != null && s.size() == e.sizeBytes() && s.mtime() == mtime
                    && spec.onBadImage() == BadImagePolicy.SKIP) {
                skippedAgain.add(s);
                continue;
            }
            toExtract.add(e);
        }

        boolean sameRows = previous.isPresent() && toExtract.isEmpty()
                && previous.get().manifest().images().size() + skippedAgain.size() == listing.entries().size()
                && skippedAgain.size() == previous.get().manifest().skipped().size();
        if (sameRows) {
            previous.get().close();
            LOG.info("Feature cache {}: all {} images cached, nothing to extract", directory,
                    previous.get().manifest().images().size());
            return new Update(previous.get().manifest(), 0, previous.get().manifest().images().size(),
                    report(listing, skippedAgain));
        }

        Files.createDirectories(directory);
        String token = Long.toUnsignedString(RANDOM.nextLong(), 36);
        Path newRowsFile = directory.resolve(".new-rows-" + token + ".npy");
        Path featuresFile = directory.resolve("features-" + token + ".npy");
        Path labelsFile = directory.resolve("labels-" + token + ".npy");
        try {
            Map<String, Integer> newRows = new HashMap<>();
            List<SkippedImage> skippedNow = new ArrayList<>();
            if (!toExtract.isEmpty()) {
                LOG.info("Feature cache {}: extracting {} of {} images ({} reused)", directory, toExtract.size(),
                        listing.entries().size(), listing.entries().size() - toExtract.size() - skippedAgain.size());
                runBase(spec, base, weights, cutLayer, toExtract, newRowsFile, newRows, skippedNow, listener, given);
            }
            List<CacheManifest.Image> images = new ArrayList<>();
            List<CacheManifest.Skipped> skipped = new ArrayList<>(skippedAgain);
            Map<String, SkippedImage> skippedByName = skippedNow.stream()
                    .collect(Collectors.toMap(SkippedImage::filename, s -> s, (a, b) -> a));
            List<Float> labels = new ArrayList<>();
            int rowLength = featureShape[0] * featureShape[1] * featureShape[2];
            Set<String> skippedAgainPaths = skippedAgain.stream().map(CacheManifest.Skipped::path)
                    .collect(Collectors.toSet());
            try (NpyReader fresh = newRows.isEmpty() ? null : NpyReader.open(newRowsFile)) {
                NpyFloatWriter out = writing(featuresFile, () -> NpyFloatWriter.open(featuresFile, featureShape));
                try {
                    float[] row = new float[rowLength];
                    for (ImageEntry e : listing.entries()) {
                        long mtime = e.lastModified().toMillis();
                        Integer n = newRows.get(e.filename());
                        if (n != null) {
                            fresh.readRows(n, 1, row, 0);
                        } else if (skippedByName.containsKey(e.filename())) {
                            SkippedImage s = skippedByName.get(e.filename());
                            skipped.add(new CacheManifest.Skipped(e.filename(), e.sizeBytes(), mtime,
                                    s.reason().name().toLowerCase(Locale.ROOT) + ": " + s.message()));
                            continue;
                        } else if (skippedAgainPaths.contains(e.filename())) {
                            continue;
                        } else {
                            previous.get().reader().readRows(oldRows.get(e.filename()), 1, row, 0);
                        }
                        writing(featuresFile, () -> {
                            out.append(row);
                            return null;
                        });
                        images.add(new CacheManifest.Image(e.filename(), e.sizeBytes(), mtime, e.classIndex()));
                        labels.add((float) e.classIndex());
                    }
                    writing(featuresFile, () -> {
                        out.close();
                        return null;
                    });
                } finally {
                    out.abort(); // nothing if closed
                }
            }
            float[] labelArray = new float[labels.size()];
            for (int i = 0; i < labelArray.length; i++) {
                labelArray[i] = labels.get(i);
            }
            writing(labelsFile, () -> {
                Npy.write(labelsFile, labelArray, labelArray.length);
                return null;
            });
            CacheManifest manifest = new CacheManifest(CacheManifest.FORMAT, key,
                    Arrays.stream(featureShape).boxed().toList(),
                    featuresFile.getFileName().toString(), labelsFile.getFileName().toString(), images, skipped,
                    version());
            AtomicFiles.write(directory.resolve(MANIFEST), o -> JSON.writeValue(o, manifest));
            previous.ifPresent(Valid::close);
            removeStaleFiles(manifest);
            int reused = images.size() - newRows.size();
            return new Update(manifest, newRows.size(), reused, report(listing, skipped));
        } catch (IOException | RuntimeException e) {
            previous.ifPresent(Valid::close);
            for (Path p : List.of(featuresFile, labelsFile)) {
                AtomicFiles.discard(p, e);
            }
            throw e;
        } finally {
            Files.deleteIfExists(newRowsFile);
        }
    }

    private void runBase(ImageFolder spec, ConvBase base, Weights weights, String cutLayer, List<ImageEntry> entries,
            Path newRowsFile, Map<String, Integer> newRows, List<SkippedImage> skipped, ExtractionListener listener,
            FeatureExtractor given) throws IOException, BadImageException {
        ImageDecoder decoder = spec.decoder();
        ExecutorService decoders = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "transfer4j-decode");
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        long lastReport = 0;
        FeatureExtractor own = given == null ? base.extractor(weights, cutLayer, precision) : null;
        FeatureExtractor extractor = given == null ? own : given;
        try (own) {
            NpyFloatWriter out = writing(newRowsFile, () -> NpyFloatWriter.open(newRowsFile, extractor.outputShape()));
            try {
                Future<Decoded> next = decoders.submit(() -> decode(decoder, spec.onBadImage(), entries, 0));
                int done = 0;
                for (int from = 0; from < entries.size(); from += batchSize) {
                    Decoded batch = get(next);
                    int after = from + batchSize;
                    next = after < entries.size()
                            ? decoders.submit(() -> decode(decoder, spec.onBadImage(), entries, after)) : null;
                    skipped.addAll(batch.skipped());
                    if (!batch.images().isEmpty()) {
                        float[] features = extractor.extract(batch.images());
                        writing(newRowsFile, () -> {
                            out.appendRows(features, 0, features.length);
                            return null;
                        });
                        for (ImageEntry e : batch.entries()) {
                            newRows.put(e.filename(), newRows.size());
                        }
                    }
                    done = Math.min(after, entries.size());
                    long now = System.nanoTime();
                    double seconds = (now - start) / 1e9;
                    double rate = done / seconds;
                    listener.progress(done, entries.size(), rate, (entries.size() - done) / rate);
                    if (now - lastReport > 10_000_000_000L) {
                        lastReport = now;
                        LOG.info(String.format(Locale.ROOT, "  %d/%d images, %.1f img/s, ETA %.0f s", done,
                                entries.size(), rate, (entries.size() - done) / rate));
                    }
                }
                writing(newRowsFile, () -> {
                    out.close();
                    return null;
                });
            } finally {
                out.abort(); // nothing if closed
            }
        } finally {
            decoders.shutdownNow();
        }
        if (newRows.isEmpty()) {
            Files.deleteIfExists(newRowsFile);
        }
    }

    /** A write to one cache file. */
    @FunctionalInterface
    private interface Write<T> {
        T run() throws IOException;
    }

    /** Runs a write to {@code file}, making sure a failure (e.g. a full disk) names the file. */
    private static <T> T writing(Path file, Write<T> write) throws IOException {
        try {
            return write.run();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            throw new IOException("Cannot write feature cache file " + file + ": " + e.getMessage(), e);
        }
    }

    private record Decoded(List<ImageEntry> entries, List<HwcImage> images, List<SkippedImage> skipped) {
    }

    private Decoded decode(ImageDecoder decoder, BadImagePolicy policy, List<ImageEntry> entries, int from)
            throws BadImageException {
        List<ImageEntry> ok = new ArrayList<>();
        List<HwcImage> images = new ArrayList<>();
        List<SkippedImage> skipped = new ArrayList<>();
        for (int i = from; i < Math.min(from + batchSize, entries.size()); i++) {
            ImageEntry e = entries.get(i);
            try {
                images.add(decoder.decode(e.path()));
                ok.add(e);
            } catch (BadImageException ex) {
                if (policy == BadImagePolicy.FAIL) {
                    throw ex;
                }
                LOG.warn("Skipping {}: {}", e.path(), ex.getMessage());
                skipped.add(new SkippedImage(e.path(), e.filename(), ex.reason(), ex.getMessage()));
            }
        }
        return new Decoded(ok, images, skipped);
    }

    /**
     * The result of a decoding task; its {@link IOException} (a {@link BadImageException} keeps its type) or
     * unchecked exception is rethrown as it is.
     */
    static <T> T get(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while decoding images", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("Decoding failed: " + c, c);
        }
    }

    private BadImageReport report(FolderListing listing, List<CacheManifest.Skipped> skipped) {
        List<SkippedImage> list = new ArrayList<>(listing.skipped().skipped());
        for (CacheManifest.Skipped s : skipped) {
            BadImageReason reason = BadImageReason.values()[0];
            String r = s.reason();
            int colon = r.indexOf(':');
            for (BadImageReason candidate : BadImageReason.values()) {
                if (colon > 0 && candidate.name().equalsIgnoreCase(r.substring(0, colon))) {
                    reason = candidate;
                }
            }
            list.add(new SkippedImage(listing.directory().resolve(s.path()), s.path(), reason,
                    colon > 0 ? r.substring(colon + 1).trim() : r));
        }
        return new BadImageReport(list);
    }

    /** A manifest that matches the key, with its features file open. */
    private record Valid(CacheManifest manifest, NpyReader reader) {
        void close() {
            try {
                reader.close();
            } catch (IOException e) {
                LOG.debug("closing {}", reader.file(), e);
            }
        }
    }

    /** The manifest, if present and readable (not checked against any key). */
    public Optional<CacheManifest> manifest() {
        Path file = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            CacheManifest m = JSON.readValue(file.toFile(), CacheManifest.class);
            return m.format() == CacheManifest.FORMAT ? Optional.of(m) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring unreadable feature cache manifest {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Valid> readValid(CacheManifest.Key key, int[] featureShape) {
        Optional<CacheManifest> m = manifest();
        if (m.isEmpty()) {
            return Optional.empty();
        }
        CacheManifest manifest = m.get();
        if (!manifest.key().equals(key)) {
            LOG.info("Feature cache {} was made with {}; now {}: rebuilding", directory, manifest.key(), key);
            return Optional.empty();
        }
        NpyReader reader = null;
        try {
            reader = NpyReader.open(directory.resolve(manifest.featuresFile()));
            Npy.Floats labels = Npy.readFloats(directory.resolve(manifest.labelsFile()));
            if (reader.rows() != manifest.images().size() || !Arrays.equals(reader.rowShape(), featureShape)
                    || labels.data().length != manifest.images().size()) {
                throw new IOException("shape " + reader.rows() + "x" + Arrays.toString(reader.rowShape())
                        + " / " + labels.data().length + " labels does not match the manifest's "
                        + manifest.images().size() + " images of " + Arrays.toString(featureShape));
            }
            return Optional.of(new Valid(manifest, reader));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Feature cache {} is damaged ({}): rebuilding", directory, e.getMessage());
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException ignored) {
                    LOG.debug("close", ignored);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Loads the features and labels the manifest names.
     *
     * @throws IOException if there is no valid cache here
     */
    public FeatureSet load() throws IOException {
        if (ShardedFeatureCache.isSharded(directory)) {
            return ShardedFeatureCache.at(directory).load();
        }
        CacheManifest m = manifest().orElseThrow(() -> new NoSuchFileException(directory.resolve(MANIFEST).toString(),
                null, "no feature cache here; extract first"));
        return load(new Update(m, 0, m.images().size(), BadImageReport.EMPTY));
    }

    private FeatureSet load(Update u) throws IOException {
        CacheManifest m = u.manifest();
        Npy.Floats features = Npy.readFloats(directory.resolve(m.featuresFile()));
        int[] classes = m.images().stream().mapToInt(CacheManifest.Image::label).toArray();
        if (features.shape()[0] != classes.length) {
            throw new IOException("Feature cache " + directory + ": " + m.featuresFile() + " has " + features.shape()[0]
                    + " rows, the manifest " + classes.length + " images");
        }
        List<String> names = m.images().stream().map(CacheManifest.Image::path).toList();
        return new FeatureSet(directory, features.data(), m.featureShapeArray(), classes, m.key().classIndices(), names,
                u.extracted(), u.reused(), u.skipped());
    }

    private void removeStaleFiles(CacheManifest manifest) {
        Set<String> keep = Set.of(MANIFEST, manifest.featuresFile(), manifest.labelsFile());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                boolean ours = (name.startsWith("features-") || name.startsWith("labels-")) && name.endsWith(".npy");
                if (ours && !keep.contains(name)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not remove stale files in {}: {}", directory, e.getMessage());
        }
    }

    private static String version() {
        String v = FeatureCache.class.getPackage().getImplementationVersion();
        return "transfer4j " + (v == null ? "development" : v);
    }
}
