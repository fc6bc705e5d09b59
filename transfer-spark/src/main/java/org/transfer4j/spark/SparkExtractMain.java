package org.transfer4j.spark;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.transfer4j.Precision;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.Interpolation;
import org.transfer4j.features.ShardedFeatureCache;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class org.transfer4j.spark.SparkExtractMain transfer-spark-app.jar --data DIR --out DIR ...}:
 * the {@code transfer4j extract} command on Spark. Without {@code --spark}, the master comes from
 * {@code spark-submit}; with it (e.g. {@code local[2]}, {@code spark://host:7077}) this JVM is the driver.
 */
@Command(name = "transfer4j-spark-extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a frozen conv base over image folders on Spark, one task per shard, into a sharded "
                + "feature cache (features .npy, labels .npy, manifests). Committed shards are kept: a rerun after a "
                + "killed job extracts only the rest.",
                "DIR is a book-shaped root (train/, validation/, test/: each extracted into OUT/<split>) or one folder "
                        + "of class folders, on any Hadoop file system; OUT is a folder that the driver and every "
                        + "executor see (local, shared mount) or a Hadoop URI (hdfs://, s3a://)."})
public final class SparkExtractMain implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Image folders (see above).")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Where the feature caches go: a folder every executor sees, or a Hadoop URI (hdfs://..., "
                    + "s3a://...).")
    String out;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Spark master (local[2], spark://host:7077, yarn); default: spark-submit's.")
    String master;

    @Option(names = "--base", paramLabel = "vgg16|vgg19|resnet50|mobilenet_v2", defaultValue = "vgg16",
            description = "The conv base. Default: ${DEFAULT-VALUE}.")
    String base;

    @Option(names = "--weights", paramLabel = "FILE|imagenet|random", defaultValue = "imagenet",
            description = "Base weights, read once by the driver and shipped to executors. Default: ${DEFAULT-VALUE}.")
    String weights;

    @Option(names = "--input", paramLabel = "SIZE", defaultValue = "150", description = "Input size H or HxW. "
            + "Default: ${DEFAULT-VALUE}.")
    String input;

    @Option(names = "--cut", paramLabel = "LAYER",
            description = "Last layer to run. Default: where a pipeline cuts the base, as transfer4j extract: "
                    + "block5_pool in VGG, avg_pool in ResNet50, global_average_pooling2d in MobileNetV2.")
    String cut;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "20", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--shard-size", paramLabel = "N", defaultValue = "500",
            description = "Images per shard (one task each). Default: ${DEFAULT-VALUE}.")
    int shardSize;

    @Option(names = "--preprocess", paramLabel = "caffe|tf|rescale",
            description = "Input preprocessing. Default: the base's (caffe; tf for mobilenet_v2).")
    String preprocess;

    @Option(names = "--on-bad-image", paramLabel = "fail|skip", defaultValue = "fail",
            description = "Stop naming a bad image, or skip and report it. Default: ${DEFAULT-VALUE}.")
    String onBadImage;

    @Option(names = "--interpolation", paramLabel = "nearest|bilinear|bicubic", defaultValue = "nearest",
            description = "Resize filter. Default: ${DEFAULT-VALUE}.")
    String interpolation;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of random weights.")
    long seed;

    @Option(names = "--precision", paramLabel = "fp32|bf16|auto", defaultValue = "fp32",
            description = "Arithmetic of the frozen base on the executors: 'fp32', 'bf16' (executors whose CPUs have "
                    + "AVX512-BF16 or AMX; others fail the job saying so) or 'auto' (resolved on the driver's CPU: "
                    + "a cluster's executors may be other CPUs). Part of the feature-cache key. "
                    + "Default: ${DEFAULT-VALUE}.")
    String precision;

    PrintWriter err = new PrintWriter(System.err, true);

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkExtractMain()).execute(args));
    }

    /** The spec these options describe. */
    ExtractionSpec spec() {
        String[] hw = input.toLowerCase(Locale.ROOT).split("x");
        int h = Integer.parseInt(hw[0].trim());
        int w = hw.length > 1 ? Integer.parseInt(hw[1].trim()) : h;
        BadImagePolicy policy = switch (onBadImage.toLowerCase(Locale.ROOT)) {
            case "fail" -> BadImagePolicy.FAIL;
            case "skip" -> BadImagePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-bad-image " + onBadImage + ": expected fail or skip");
        };
        ExtractionSpec defaults = ExtractionSpec.of(base, h, w);
        return defaults.weights(weights, seed)
                .preprocessing(preprocess == null ? defaults.preprocessing() : preprocess)
                .cutLayer(cut == null ? defaults.cutLayer() : cut).batchSize(batch).shardSize(shardSize)
                .onBadImage(policy)
                .interpolation(Interpolation.valueOf(interpolation.toUpperCase(Locale.ROOT)))
                .precision(precision(precision));
    }

    /**
     * {@code fp32}, {@code bf16} or {@code auto}, as {@code transfer4j extract --precision} takes it.
     *
     * @throws IllegalArgumentException for another value, naming it
     */
    private static Precision precision(String text) {
        try {
            return Precision.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--precision " + text + ": expected fp32, bf16 or auto");
        }
    }

    @Option(names = "--app-jar", paramLabel = "JAR",
            description = "transfer-spark-app.jar, shipped to the executors of a cluster master (spark://, yarn) "
                    + "when this JVM is the driver; spark-submit ships it itself.")
    Path appJar;

    @Override
    public Integer call() throws Exception {
        return run(master, appJar, data, out, spec(), err);
    }

    /**
     * Extracts {@code data} (a book-shaped root or one folder of class folders) into {@code out} on Spark.
     *
     * <p>Uses the Spark session already running in this JVM if there is one (and leaves it running); otherwise starts
     * one and stops it at the end.
     *
     * @param master Spark master, or null for spark-submit's
     * @param appJar the application jar to ship to a cluster's executors, or null
     * @return 0
     */
    public static int run(String master, Path appJar, String data, String out, ExtractionSpec spec, PrintWriter err)
            throws Exception {
        SparkSession.Builder builder = SparkSession.builder().appName("transfer4j extract " + data);
        if (master != null) {
            builder.master(master);
            if (!master.startsWith("local")) {
                if (appJar == null) {
                    throw new IllegalArgumentException("--spark " + master + " runs executors elsewhere: name the "
                            + "application jar with --app-jar transfer-spark/target/transfer-spark-app.jar (or use "
                            + "spark-submit)");
                }
                builder.config("spark.jars", appJar.toAbsolutePath().toString());
            }
        }
        // a session already running in this JVM (a notebook's, an application's) is used and left running
        boolean started = SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = builder.getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            err.println("Precision: " + spec.precision().cliName() + " (on the executors)");
            URI root = SparkExtraction.uri(data.endsWith("/") ? data : data + "/");
            FileSystem fs = FileSystem.get(root, sc.hadoopConfiguration());
            List<String> splits = new ArrayList<>();
            for (String s : List.of("train", "validation", "test")) {
                if (fs.isDirectory(new org.apache.hadoop.fs.Path(root.resolve(s)))) {
                    splits.add(s);
                }
            }
            if (splits.isEmpty()) {
                report(err, SparkExtraction.of(spec).extract(sc, data, out), data, out);
            } else {
                for (String s : splits) {
                    String folder = root.resolve(s).toString();
                    String cache = child(out, s);
                    report(err, SparkExtraction.of(spec).extract(sc, folder, cache), s, cache);
                }
            }
            return 0;
        } finally {
            if (started) {
                spark.stop();
            }
        }
    }

    /** {@code parent/name} for a local path or a URI. */
    static String child(String parent, String name) {
        URI uri = SparkExtraction.uri(parent);
        if (uri.getScheme() == null) {
            return Path.of(parent).resolve(name).toString();
        }
        return uri.toString().replaceAll("/+$", "") + "/" + name;
    }

    private static void report(PrintWriter err, ShardedFeatureCache.Update u, String name, String cache) {
        err.printf(Locale.ROOT, "Features of %s: %d images extracted in %d shards, %d reused from %d shards, in %s%n",
                name, u.extracted(), u.shardsWritten(), u.reused(), u.shardsReused(), cache);
        if (!u.skipped().isEmpty()) {
            err.println("Skipped " + u.skipped().size() + " bad images in " + name + ":");
            u.skipped().skipped().forEach(s -> err.println("  " + s.filename() + ": " + s.reason() + " " + s.message()));
        }
        err.flush();
    }
}
