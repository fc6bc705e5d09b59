package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.transfer4j.TransferPipeline;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Weights;
import org.transfer4j.spark.ExtractionSpec;
import org.transfer4j.spark.SparkExtractMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transfer4j extract}: run the frozen conv base once and cache its features (book listing 5-17). */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the frozen conv base (--base) over image folders once and keep the features on disk "
                + "(features .npy, labels .npy, manifest.json), committed in shards of --shard-size images: an "
                + "interrupted run loses at most one shard, and the next run extracts only the shards not committed. "
                + "A second run on unchanged images reuses the cache; only new or changed images are extracted.",
                "DIR is either a book-shaped root (train/, validation/, test/: each extracted into OUT/<split>) or a "
                        + "single folder of class folders (extracted into OUT)."})
final class ExtractCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Image folders (see above); with --spark also a Hadoop URI (hdfs://..., s3a://...).")
    String dataOption;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Where the feature caches go; with --spark also a Hadoop URI (hdfs://..., s3a://...).")
    String outOption;

    @Option(names = "--cut", paramLabel = "LAYER",
            description = "Last layer to run (features are its output). Default: where the pipeline cuts the base: "
                    + "block5_pool in VGG, avg_pool in ResNet50, global_average_pooling2d in MobileNetV2 (Keras's "
                    + "pooling='avg').")
    String cut;

    @Option(names = "--shard-size", paramLabel = "N", defaultValue = "500",
            description = "Images per committed shard (the work an interruption can lose). Default: ${DEFAULT-VALUE}.")
    int shardSize;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Extract on Apache Spark: local[N], spark://host:7077 (with --app-jar) or yarn. Needs the "
                    + "launcher built with -Pspark (mvn -Pspark package); one task per shard.")
    String spark;

    @Option(names = "--app-jar", paramLabel = "JAR", description = "With --spark on a cluster master: "
            + "transfer-spark/target/transfer-spark-app.jar, shipped to the executors.")
    Path appJar;

    @Mixin
    ModelOptions options;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outLine = spec.commandLine().getOut();
        if (spark != null) {
            return extractOnSpark(err);
        }
        Path data = Path.of(dataOption);
        Path out = Path.of(outOption);
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is not a folder");
        }
        ConvBase base = options.base();
        if (cut == null) {
            cut = base.lastLayer().name();
        }
        int next = base.indexOf(cut) + 1;
        TransferPipeline pipeline = next < base.layers().size()
                ? TransferPipeline.from(base).freezeUntil(base.layers().get(next).name()).batchSize(options.batch)
                        .precision(options.precision())
                : TransferPipeline.from(base).batchSize(options.batch).precision(options.precision());
        outLine.println(options.precisionLine());
        Weights weights = base.loadWeights();
        List<String> splits = new ArrayList<>();
        for (String s : List.of("train", "validation", "test")) {
            if (Files.isDirectory(data.resolve(s))) {
                splits.add(s);
            }
        }
        boolean interactive = System.console() != null;
        if (splits.isEmpty()) {
            ApproachOne.update(pipeline, weights, options, data, out, shardSize, err, interactive);
        } else {
            for (String s : splits) {
                ApproachOne.update(pipeline, weights, options, data.resolve(s), out.resolve(s), shardSize, err,
                        interactive);
            }
        }
        // the pipeline's cut: a graph base's last layer comes with its default pooling (avg_pool)
        outLine.println("Features at " + pipeline.cutLayer().name() + " " + pipeline.cutLayer().kerasOutputShape()
                + " in " + out.toAbsolutePath());
        return 0;
    }

    private int extractOnSpark(PrintWriter err) throws Exception {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("--spark needs Spark on the launcher's classpath, which the default "
                    + "build leaves out (~250 MB): build with mvn -Pspark package, or run "
                    + "transfer-spark/target/transfer-spark-app.jar with spark-submit (README, \"Spark\")");
        }
        return SparkExtractMain.run(spark, appJar, dataOption, outOption, sparkSpec(), err);
    }

    /**
     * What {@code --spark} runs: these options as an {@link ExtractionSpec} (a value without Spark classes), the
     * precision included ({@code auto} resolved here, on the driver).
     */
    ExtractionSpec sparkSpec() {
        int[] hw = CliSupport.parseSize(options.input);
        ExtractionSpec defaults = ExtractionSpec.of(options.base, hw[0], hw[1]);
        return defaults
                .weights(options.weights, options.seed)
                .preprocessing(options.preprocess == null ? defaults.preprocessing() : options.preprocess)
                .cutLayer(cut == null ? defaults.cutLayer() : cut)
                .batchSize(options.batch).shardSize(shardSize).onBadImage(options.policy())
                .interpolation(options.interpolationValue()).precision(options.precision());
    }
}
