package org.transfer4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.IntConsumer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.Precision;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.BadImageReport;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ShardManifest;
import org.transfer4j.features.ShardStore;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.io.StrictJson;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.ImagenetWeights;
import org.transfer4j.model.Weights;

/**
 * Feature extraction on Apache Spark into a {@link ShardedFeatureCache}: the driver lists the images (a
 * {@code flow_from_directory} tree on any Hadoop file system, or a DataFrame of paths and labels), keeps every shard
 * already committed, and runs one Spark task per missing shard; each task decodes, preprocesses and runs the frozen
 * base on its executor's engine (built once per executor JVM, weights shipped with the job) and commits its shard;
 * the driver then commits the set. A job killed or cancelled mid-way loses only the shards in progress: the next run
 * extracts the rest. Bad images (SKIP policy) come back to the driver in the shards' manifests and are reported once
 * each in {@link ShardedFeatureCache.Update#skipped()}.
 *
 * <p>Images and the cache may each be a local path or a folder on any Hadoop file system (HDFS, S3A) reached with the
 * job's Hadoop configuration, which the driver ships to the tasks. A local cache folder must be seen by the driver and
 * every executor (a local folder for {@code local[n]}, a shared mount on a cluster); elsewhere the shards go through
 * {@code HadoopShardStore}, whose commit protocol needs no atomic rename (object stores). Images not on the local file
 * system are copied to a temporary file per image.
 *
 * <p>The base computes in the spec's precision ({@link ExtractionSpec#precision(Precision)}): fp32, or bf16 on
 * executors whose CPUs have AVX512-BF16 or AMX (others fail their tasks saying so). The result equals
 * {@link ShardedFeatureCache#update} on one machine in the same precision (same key; the same rows to 1e-6 for the
 * same batch size and shard size) and both open each other's shards. Thread-safe (immutable); run one extraction per
 * cache folder at a time.
 */
public final class SparkExtraction {
    private static final Logger LOG = LoggerFactory.getLogger(SparkExtraction.class);
    static final JsonMapper JSON = StrictJson.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** Image name endings that {@code flow_from_directory} accepts (no dot needed, as in Keras). */
    private static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff");
    /** Test hook, called with the shard id at the start of each task in this JVM (local mode only). */
    static volatile IntConsumer beforeShard = id -> { };

    private final ExtractionSpec spec;

    private SparkExtraction(ExtractionSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /** An extraction running {@code spec}. */
    public static SparkExtraction of(ExtractionSpec spec) {
        return new SparkExtraction(spec);
    }

    public ExtractionSpec spec() {
        return spec;
    }

    /**
     * Extracts the features of a {@code flow_from_directory} tree ({@code folder/<class>/.../<image>}) into the
     * sharded cache {@code cacheDir}.
     *
     * @param folder a local path or a Hadoop URI ({@code hdfs://nn/data/train}, {@code s3a://bucket/train})
     * @throws BadImageException under FAIL on the driver's listing; a bad image met in a task fails the job
     *                           (a {@code SparkException} naming it)
     * @throws IOException       if the folder cannot be listed or the cache written
     */
    public ShardedFeatureCache.Update extract(JavaSparkContext sc, String folder, Path cacheDir)
            throws IOException, BadImageException {
        return extract(sc, folder, cacheDir.toAbsolutePath().toString());
    }

    /**
     * Extracts the features of a {@code flow_from_directory} tree into the sharded cache at {@code cache}: a local
     * folder (seen by the driver and every executor) or a folder on a Hadoop file system ({@code hdfs://nn/features},
     * {@code s3a://bucket/features}), reached with the job's Hadoop configuration.
     *
     * @param folder a local path or a Hadoop URI
     * @param cache  a local path or a Hadoop URI
     * @throws BadImageException under FAIL on the driver's listing; a bad image met in a task fails the job
     * @throws IOException       if the folder cannot be listed or the cache written
     */
    public ShardedFeatureCache.Update extract(JavaSparkContext sc, String folder, String cache)
            throws IOException, BadImageException {
        URI uri = uri(folder);
        if (uri.getScheme() == null || uri.getScheme().equals("file")) {
            Path local = uri.getScheme() == null ? Path.of(folder) : Path.of(uri);
            FolderListing listing = ImageFolder.of(local).targetSize(spec.height(), spec.width())
                    .colorMode(ColorMode.RGB).interpolation(spec.interpolation()).onBadImage(spec.onBadImage()).list();
            return run(sc, listing.entries().stream().map(ShardedFeatureCache.Input::of).toList(),
                    listing.classIndices(), listing.skipped(), cache);
        }
        FileSystem fs = FileSystem.get(uri, sc.hadoopConfiguration());
        HadoopListing listing = list(fs, new org.apache.hadoop.fs.Path(uri));
        LOG.info("Found {} images belonging to {} classes in {}", listing.inputs().size(), listing.classes().size(),
                folder);
        return run(sc, listing.inputs(), listing.classes(), BadImageReport.EMPTY, cache);
    }

    /** Images and classes of a folder tree on a Hadoop file system. */
    record HadoopListing(List<ShardedFeatureCache.Input> inputs, Map<String, Integer> classes) {
    }

    /**
     * Lists {@code root} as Keras's {@code flow_from_directory} does: class folders in sorted order, then each class
     * folder's files by (folder, name) — {@code os.walk} sorted by folder — keeping names that end in png, jpg,
     * jpeg, bmp, ppm, tif or tiff (case-insensitive, no dot needed).
     */
    static HadoopListing list(FileSystem fs, org.apache.hadoop.fs.Path root) throws IOException {
        List<FileStatus> classDirs = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory()) {
                classDirs.add(s);
            }
        }
        classDirs.sort(Comparator.comparing(s -> s.getPath().getName()));
        if (classDirs.isEmpty()) {
            throw new IOException("No class folders in " + root);
        }
        Map<String, Integer> classes = new LinkedHashMap<>();
        List<ShardedFeatureCache.Input> inputs = new ArrayList<>();
        for (FileStatus dir : classDirs) {
            String name = dir.getPath().getName();
            int label = classes.size();
            classes.put(name, label);
            List<String[]> keys = new ArrayList<>();
            List<ShardedFeatureCache.Input> found = new ArrayList<>();
            var files = fs.listFiles(dir.getPath(), true);
            String prefix = dir.getPath().toUri().getPath();
            while (files.hasNext()) {
                FileStatus f = files.next();
                String path = f.getPath().toUri().getPath();
                String lower = f.getPath().getName().toLowerCase(Locale.ROOT);
                if (EXTENSIONS.stream().anyMatch(lower::endsWith)) {
                    String relative = name + path.substring(prefix.length());
                    found.add(new ShardedFeatureCache.Input(relative, label, f.getLen(), f.getModificationTime(),
                            f.getPath().toString()));
                }
            }
            found.sort(Comparator.comparing((ShardedFeatureCache.Input i) -> i.filename().substring(0,
                    i.filename().lastIndexOf('/'))).thenComparing(i -> i.filename().substring(
                    i.filename().lastIndexOf('/') + 1)));
            inputs.addAll(found);
        }
        return new HadoopListing(inputs, classes);
    }


    /**
     * Extracts the features of the images a DataFrame names ({@code flow_from_dataframe}): one row per image, its path
     * (local or Hadoop URI) and its class name. Classes are indexed in sorted order, as Keras does; each image's name
     * in the cache is its path as given.
     *
     * @throws IllegalArgumentException if a column is missing or a path is listed twice
     */
    public ShardedFeatureCache.Update extract(Dataset<Row> images, String pathColumn, String labelColumn,
            Path cacheDir) throws IOException, BadImageException {
        return extract(images, pathColumn, labelColumn, cacheDir.toAbsolutePath().toString());
    }

    /**
     * {@link #extract(Dataset, String, String, Path)} into a cache that is a local path or a Hadoop URI.
     *
     * @throws IllegalArgumentException if a column is missing or a path is listed twice
     */
    public ShardedFeatureCache.Update extract(Dataset<Row> images, String pathColumn, String labelColumn,
            String cache) throws IOException, BadImageException {
        List<Row> rows = images.select(pathColumn, labelColumn).collectAsList();
        TreeSet<String> names = new TreeSet<>();
        rows.forEach(r -> names.add(String.valueOf(r.get(1))));
        Map<String, Integer> classes = new LinkedHashMap<>();
        names.forEach(n -> classes.put(n, classes.size()));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(images.sparkSession().sparkContext());
        Configuration conf = sc.hadoopConfiguration();
        List<ShardedFeatureCache.Input> inputs = new ArrayList<>();
        for (Row r : rows) {
            String path = r.getString(0);
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileStatus s = p.getFileSystem(conf).getFileStatus(p);
            inputs.add(new ShardedFeatureCache.Input(path, classes.get(String.valueOf(r.get(1))), s.getLen(),
                    s.getModificationTime(), path));
        }
        return run(sc, inputs, classes, BadImageReport.EMPTY, cache);
    }

    private ShardedFeatureCache.Update run(JavaSparkContext sc, List<ShardedFeatureCache.Input> inputs,
            Map<String, Integer> classes, BadImageReport listingSkipped, String cacheLocation)
            throws IOException, BadImageException {
        Path weightsFile = null;
        if (spec.weightsFromFile()) {
            weightsFile = spec.weights().equalsIgnoreCase("imagenet") ? ImagenetWeights.of(spec.base()).resolve(true)
                    : Path.of(spec.weights());
        }
        ConvBase base = spec.base(weightsFile);
        Weights weights = base.loadWeights(); // the driver's copy: the checksum that keys the cache
        String checksum = weights.checksum();
        int[] shape = base.layer(spec.cutLayer()).outputShape();
        if (sc.isLocal()) {
            spec.precision().resolve(); // the executors are this JVM: a precision it cannot run fails here, at once
        }
        CacheManifest.Key key = key(base, checksum, classes);
        ShardStore store = HadoopShardStore.of(cacheLocation, sc.hadoopConfiguration());
        ShardedFeatureCache cache = ShardedFeatureCache.at(store).shardSize(spec.shardSize())
                .batchSize(spec.batchSize());
        ShardedFeatureCache.Plan plan = cache.plan(key, shape, inputs, spec.onBadImage());
        LOG.info("Feature cache {}: {} images, {} reused from {} committed shards, {} shards to extract", store,
                inputs.size(), plan.reusedRows(), plan.kept().size(), plan.pending().size());
        List<ShardManifest> written = new ArrayList<>();
        if (!plan.pending().isEmpty()) {
            String shipped = null;
            if (weightsFile != null) {
                sc.addFile(weightsFile.toAbsolutePath().toString());
                shipped = weightsFile.getFileName().toString();
            }
            List<ShardTask> tasks = plan.pending().stream().map(ShardTask::of).toList();
            String keyJson = JSON.writeValueAsString(key);
            String dir = store.localDirectory().map(p -> p.toString()).orElse(cacheLocation);
            String file = shipped;
            Broadcast<byte[]> conf = sc.broadcast(HadoopShardStore.serialize(sc.hadoopConfiguration()));
            ExtractionSpec s = spec;
            sc.setJobDescription("transfer4j: extract " + plan.pendingImages() + " images in " + tasks.size()
                    + " shards into " + dir);
            List<String> manifests = sc.parallelize(tasks, tasks.size())
                    .map(t -> runShard(t, s, keyJson, dir, file, checksum, shape, conf.value())).collect();
            for (String m : manifests) {
                written.add(JSON.readValue(m, ShardManifest.class));
            }
        }
        return cache.commit(plan, written, listingSkipped);
    }

    /**
     * The key of the features the executors compute: the single-machine extraction's, with the spec's precision
     * recorded as it records its own. The driver does not resolve it (it runs no engine, and a cluster's executors
     * may be other CPUs than its own); an executor that cannot run it fails its task ({@link ExecutorEngine}).
     */
    CacheManifest.Key key(ConvBase base, String checksum, Map<String, Integer> classes) {
        CacheManifest.Key k = CacheManifest.Key.of(base, checksum, spec.cutLayer(), spec.interpolation(), classes,
                Precision.FP32);
        return new CacheManifest.Key(k.base(), k.weights(), k.cutLayer(), k.preprocessing(), k.input(), k.colorMode(),
                k.interpolation(), k.classIndices(), spec.precision().cliName());
    }

    /**
     * One task: this executor's engine writes and commits one shard; returns its manifest as JSON.
     *
     * @param cache      the cache: a local folder or a Hadoop URI
     * @param hadoopConf the driver's Hadoop configuration ({@link HadoopShardStore#serialize})
     */
    static String runShard(ShardTask task, ExtractionSpec spec, String keyJson, String cache, String shippedWeights,
            String checksum, int[] shape, byte[] hadoopConf) throws Exception {
        beforeShard.accept(task.id());
        TaskContext context = TaskContext.get();
        ExecutorEngine engine = ExecutorEngine.get(spec, shippedWeights == null ? null
                : Path.of(SparkFiles.get(shippedWeights)), checksum);
        CacheManifest.Key key = JSON.readValue(keyJson, CacheManifest.Key.class);
        if (context != null) {
            context.killTaskIfInterrupted();
        }
        Configuration conf = HadoopShardStore.deserialize(hadoopConf);
        ShardStore store = HadoopShardStore.of(cache, conf);
        ShardManifest m = ShardedFeatureCache.writeShard(store, key, shape, task.pending(),
                in -> engine.decode(in, conf), engine::features, spec.onBadImage(), spec.batchSize(), n -> {
                    if (context != null) {
                        context.killTaskIfInterrupted(); // a cancelled job stops here, its shard uncommitted
                    }
                });
        return JSON.writeValueAsString(m);
    }

    static URI uri(String location) {
        try {
            URI u = new URI(location);
            return u.getScheme() != null && u.getScheme().length() == 1 ? Path.of(location).toUri() : u; // C:\...
        } catch (URISyntaxException e) {
            return Path.of(location).toUri();
        }
    }

    /** A shard to write, as it travels to a task. */
    record ShardTask(int id, ArrayList<InputRow> inputs) implements Serializable {
        private static final long serialVersionUID = 1L;

        static ShardTask of(ShardedFeatureCache.PendingShard p) {
            ArrayList<InputRow> rows = new ArrayList<>();
            p.inputs().forEach(i -> rows.add(new InputRow(i.filename(), i.label(), i.size(), i.mtime(), i.location())));
            return new ShardTask(p.id(), rows);
        }

        ShardedFeatureCache.PendingShard pending() {
            return new ShardedFeatureCache.PendingShard(id, inputs.stream().map(r -> new ShardedFeatureCache.Input(
                    r.filename(), r.label(), r.size(), r.mtime(), r.location())).toList());
        }
    }

    /** One input, serialisable. */
    record InputRow(String filename, int label, long size, long mtime, String location) implements Serializable {
        private static final long serialVersionUID = 1L;
    }
}
