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
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Pooling;
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
    @CsvSource({"resnet50, 64, conv5_block3_out, caffe", "mobilenet_v2, 48, out_relu, tf"})
    void graph_base_features_on_spark_equal_the_single_process_extraction(String name, int size, String lastLayer,
            String preprocessing) throws Exception {
        ExtractionSpec spec = ExtractionSpec.of(name, size, size).weights("random", 5).batchSize(2).shardSize(2);
        // the single-machine defaults: the base's own preprocessing, its last layer, unpooled (the head pools)
        assertThat(spec.cutLayer()).isEqualTo(lastLayer);
        assertThat(spec.preprocessing()).isEqualTo(preprocessing);
        ConvBase base = spec.base(null);
        assertThat(base.pooling()).isEqualTo(Pooling.NONE);
        FeatureSet reference = ShardedFeatureCache.at(tmp.resolve(name + "-single")).batchSize(2).extract(
                ImageFolder.of(data), base, base.loadWeights(), base.lastLayer().name(), ExtractionListener.none());

        Path cache = tmp.resolve(name + "-spark");
        ShardedFeatureCache.Update u = SparkExtraction.of(spec).extract(SparkTestSession.sc(), data.toString(), cache);
        assertThat(u.extracted()).isEqualTo(5);
        assertThat(u.shardsWritten()).isEqualTo(3);
        CacheManifest.Key key = ShardedFeatureCache.at(cache).manifest().orElseThrow().key();
        assertThat(key.base()).isEqualTo(name);
        assertThat(key.cutLayer()).isEqualTo(lastLayer);
        assertThat(key.preprocessing()).isEqualTo(preprocessing);
        assertThat(key).isEqualTo(ShardedFeatureCache.at(tmp.resolve(name + "-single")).manifest().orElseThrow().key());

        FeatureSet set = FeatureCache.at(cache).load();
        assertThat(set.filenames()).isEqualTo(reference.filenames());
        assertThat(set.featureShape()).isEqualTo(base.lastLayer().outputShape());
        assertThat(set.features()).hasSameSizeAs(reference.features());
        float[] expected = reference.features();
        float[] actual = set.features();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s value %d", name, i).isCloseTo(expected[i],
                    within(1e-6f * (1 + Math.abs(expected[i]))));
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

        ConvBase base = ExtractionSpec.of(name, size, size).weights("random", 3).base(null);
        for (String split : List.of("train", "validation")) {
            Path single = tmp.resolve(name + "-cli-single-" + split);
            FeatureSet reference = ShardedFeatureCache.at(single).batchSize(2).shardSize(2).precision(precision)
                    .extract(ImageFolder.of(book.resolve(split)), base, base.loadWeights(), base.lastLayer().name(),
                            ExtractionListener.none());
            CacheManifest.Key key = ShardedFeatureCache.at(out.resolve(split)).manifest().orElseThrow().key();
            assertThat(key.precision()).isEqualTo(precision.cliName());
            assertThat(key).isEqualTo(ShardedFeatureCache.at(single).manifest().orElseThrow().key());
            FeatureSet set = FeatureCache.at(out.resolve(split)).load();
            assertThat(set.filenames()).isEqualTo(reference.filenames());
            float[] expected = reference.features();
            float[] actual = set.features();
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("%s %s value %d", name, split, i).isCloseTo(expected[i],
                        within(1e-6f * (1 + Math.abs(expected[i]))));
            }
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
        assertThat(spec.cutLayer()).isEqualTo("out_relu");
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
