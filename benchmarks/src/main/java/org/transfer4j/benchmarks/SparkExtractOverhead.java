package org.transfer4j.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;
import org.transfer4j.spark.ExtractionSpec;
import org.transfer4j.spark.SparkExtraction;

/**
 * Spark {@code local[2]} against the single-process extraction of the same JPEGs (VGG16, random weights, one mode per
 * JVM so that each has its own peak RSS): prints images/s of the extraction (Spark: the job, from the first task to
 * the committed set, and with the context's start-up), and the process's peak resident set ({@code VmHWM}; in local
 * mode the driver and the executor are this one JVM).
 *
 * <pre>
 * CP=benchmarks/target/benchmarks.jar:$(cat benchmarks/target/spark.classpath)
 * java -Xmx2g $SPARK_OPENS -cp $CP org.transfer4j.benchmarks.SparkExtractOverhead single 1000 64
 * java -Xmx2g $SPARK_OPENS -cp $CP org.transfer4j.benchmarks.SparkExtractOverhead spark 1000 64
 * </pre>
 */
public final class SparkExtractOverhead {
    private SparkExtractOverhead() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "single";
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int shard = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        System.out.println("# " + Backend.describe());
        Path root = Files.createTempDirectory("t4j-spark-overhead");
        Path data = root.resolve("images");
        ExtractionBenchmark.writeJpegs(data, images, 9);
        Path cache = root.resolve("cache");
        ExtractionSpec spec = ExtractionSpec.vgg16(size, size).weights("random", 42).batchSize(20).shardSize(shard);
        double seconds;
        double withStartup;
        long t0 = System.nanoTime();
        if (mode.equals("spark")) {
            SparkSession spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]")
                    .setAppName("transfer4j-overhead").set("spark.ui.enabled", "false")).getOrCreate();
            try {
                long t1 = System.nanoTime();
                SparkExtraction.of(spec).extract(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                        data.toString(), cache);
                seconds = (System.nanoTime() - t1) / 1e9;
            } finally {
                spark.stop();
            }
        } else {
            ConvBase base = Vgg16.random(size, size, 42);
            ShardedFeatureCache.at(cache).batchSize(20).shardSize(shard).update(ImageFolder.of(data), base,
                    base.loadWeights(), "block5_pool", ExtractionListener.none());
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        withStartup = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %d images at %d px in shards of %d: %.1f s, %.1f img/s (%.1f s with "
                + "start-up); peak RSS %d MB%n", mode, images, size, shard, seconds, images / seconds, withStartup,
                ExtractionMemoryBenchmark.status("VmHWM") >> 10);
    }
}
