package org.transfer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.Precision;
import org.transfer4j.TransferPipeline;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.Bases;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.WeightsSource;
import picocli.CommandLine;

/**
 * Every base on Spark {@code local[2]}: the graph bases' features equal the single-process extraction's, through the
 * API and the command line.
 */
class SparkBasesTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void images() throws Exception {
        data = tmp.resolve("data");
        for (int i = 0; i < 3; i++) {
            SparkExtractionTest.png(data.resolve("cats/cat." + i + ".png"), 56, 48, 300 + i);
        }
        for (int i = 0; i < 2; i++) {
            SparkExtractionTest.png(data.resolve("dogs/dog." + i + ".png"), 40, 64, 400 + i);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet50, 64, avg_pool, conv5_block3_out, caffe",
        "mobilenet_v2, 48, global_average_pooling2d, out_relu, tf"})
    void graph_base_features_on_spark_equal_the_single_process_extraction(String name, int size, String pooled,
            String lastConv, String preprocessing) throws Exception {
        ExtractionSpec spec = ExtractionSpec.of(name, size, size).weights("random", 5).batchSize(2).shardSize(2);
        // the single-machine defaults (transfer4j extract, TransferPipeline): the base's own preprocessing, cut where
        // a pipeline cuts it, after Keras's pooling='avg'
        assertThat(spec.cutLayer()).isEqualTo(pooled);
        assertThat(spec.preprocessing()).isEqualTo(preprocessing);
        ConvBase base = Bases.of(name, size, size, WeightsSource.random(5));
        TransferPipeline pipeline = TransferPipeline.from(base).batchSize(2);
        assertThat(pipeline.cutLayer().name()).isEqualTo(pooled);
        Path single = tmp.resolve(name + "-single");
        pipeline.updateShardedFeatures(base.loadWeights(), ImageFolder.of(data), single, 2, ExtractionListener.none());

        Path cache = tmp.resolve(name + "-spark");
        ShardedFeatureCache.Update u = SparkExtraction.of(spec).extract(SparkTestSession.sc(), data.toString(), cache);
        assertThat(u.extracted()).isEqualTo(5);
        assertThat(u.shardsWritten()).isEqualTo(3);
        CacheManifest.Key key = ShardedFeatureCache.at(cache).manifest().orElseThrow().key();
        assertThat(key.base()).isEqualTo(name);
        assertThat(key.cutLayer()).isEqualTo(pooled);
        assertThat(key.preprocessing()).isEqualTo(preprocessing);
        assertThat(key).isEqualTo(ShardedFeatureCache.at(single).manifest().orElseThrow().key());
        assertSameRows(FeatureCache.at(single).load(), FeatureCache.at(cache).load(), name);

        // the feature maps before the pooling, as --cut names them
        ExtractionSpec maps = spec.cutLayer(lastConv);
        FeatureSet reference = ShardedFeatureCache.at(tmp.resolve(name + "-single-maps")).batchSize(2).extract(
                ImageFolder.of(data), base, base.loadWeights(), lastConv, ExtractionListener.none());
        Path mapsCache = tmp.resolve(name + "-spark-maps");
        SparkExtraction.of(maps).extract(SparkTestSession.sc(), data.toString(), mapsCache);
        FeatureSet set = FeatureCache.at(mapsCache).load();
        assertThat(set.featureShape()).isEqualTo(base.layer(lastConv).outputShape());
        assertSameRows(reference, set, name + " at " + lastConv);
    }

    static void assertSameRows(FeatureSet expected, FeatureSet actual, String what) {
        assertThat(actual.filenames()).isEqualTo(expected.filenames());
        assertThat(actual.featureShape()).isEqualTo(expected.featureShape());
        float[] e = expected.features();
        float[] a = actual.features();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < e.length; i++) {
            assertThat(a[i]).as("%s value %d", what, i).isCloseTo(e[i], within(1e-6f * (1 + Math.abs(e[i]))));
        }
    }

    /**
     * {@code transfer4j-spark-extract --spark local[2]} (the options of {@code transfer4j extract --spark}) on a
     * book-shaped root, in the precision this CPU picks ({@code auto}: bf16 with AVX512-BF16 or AMX, else fp32): every
     * split in its own cache, rows equal to the single-process extraction in the same precision, a rerun reuses them.
     */
    @ParameterizedTest
    @CsvSource({"resnet50, 32", "mobilenet_v2, 32"})
    void the_command_line_extracts_a_book_root_on_spark_in_the_precision_asked(String name, int size)
            throws Exception {
        Path book = tmp.resolve("book");
        if (!Files.isDirectory(book)) {
            for (int i = 0; i < 3; i++) {
                SparkExtractionTest.png(book.resolve("train/" + (i < 2 ? "cats" : "dogs") + "/" + i + ".png"), 36, 30,
                        900 + i);
            }
            SparkExtractionTest.png(book.resolve("validation/cats/v0.png"), 28, 40, 910);
            SparkExtractionTest.png(book.resolve("validation/dogs/v1.png"), 40, 28, 911);
        }
        Path out = tmp.resolve(name + "-cli");
        Precision precision = Precision.AUTO.resolve();
        String[] args = {"--spark", "local[2]", "--data", book.toString(), "--out", out.toString(), "--base", name,
            "--input", String.valueOf(size), "--weights", "random", "--seed", "3", "--batch", "2", "--shard-size", "2",
            "--precision", "auto"};
        StringWriter err = new StringWriter();
        SparkExtractMain main = new SparkExtractMain();
        main.err = new PrintWriter(err, true);
        assertThat(new CommandLine(main).execute(args)).as(err.toString()).isZero();
        assertThat(err.toString()).contains("Precision: " + precision.cliName() + " (on the executors)")
                .contains("Features of train: 3 images extracted in 2 shards, 0 reused from 0 shards")
                .contains("Features of validation: 2 images extracted in 1 shards");
        assertThat(SparkTestSession.sc().sc().isStopped()).as("the session it did not start is left running")
                .isFalse();

        // what transfer4j extract --base NAME --precision auto does on one machine, with the same batches
        ConvBase base = Bases.of(name, size, size, WeightsSource.random(3));
        TransferPipeline pipeline = TransferPipeline.from(base).batchSize(2).precision(Precision.AUTO);
        for (String split : List.of("train", "validation")) {
            Path single = tmp.resolve(name + "-cli-single-" + split);
            pipeline.updateShardedFeatures(base.loadWeights(), ImageFolder.of(book.resolve(split)), single, 2,
                    ExtractionListener.none());
            CacheManifest.Key key = ShardedFeatureCache.at(out.resolve(split)).manifest().orElseThrow().key();
            assertThat(key.precision()).isEqualTo(precision.cliName());
            assertThat(key.cutLayer()).isEqualTo(pipeline.cutLayer().name());
            assertThat(key).isEqualTo(ShardedFeatureCache.at(single).manifest().orElseThrow().key());
            assertSameRows(FeatureCache.at(single).load(), FeatureCache.at(out.resolve(split)).load(),
                    name + " " + split);
        }

        StringWriter again = new StringWriter();
        main = new SparkExtractMain();
        main.err = new PrintWriter(again, true);
        assertThat(new CommandLine(main).execute(args)).as(again.toString()).isZero();
        assertThat(again.toString()).contains("Features of train: 0 images extracted in 0 shards, 3 reused from 2 "
                + "shards");
    }

    @Test
    void the_command_line_takes_every_base_with_its_defaults() {
        SparkExtractMain main = new SparkExtractMain();
        new CommandLine(main).parseArgs("--data", "d", "--out", "o", "--base", "mobilenet_v2", "--input", "96",
                "--weights", "random");
        ExtractionSpec spec = main.spec();
        assertThat(spec.base()).isEqualTo("mobilenet_v2");
        assertThat(spec.cutLayer()).isEqualTo("global_average_pooling2d");
        assertThat(spec.preprocessing()).isEqualTo("tf");

        new CommandLine(main = new SparkExtractMain()).parseArgs("--data", "d", "--out", "o", "--base", "resnet50",
                "--cut", "conv4_block6_out", "--preprocess", "rescale");
        assertThat(main.spec()).extracting(ExtractionSpec::base, ExtractionSpec::cutLayer,
                ExtractionSpec::preprocessing).containsExactly("resnet50", "conv4_block6_out", "rescale");

        assertThatThrownBy(() -> ExtractionSpec.of("inception_v3", 150, 150))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inception_v3")
                .hasMessageContaining("resnet50");
    }
}
