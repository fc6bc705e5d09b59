package org.transfer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Pooling;
import picocli.CommandLine;

/** Every base on Spark {@code local[2]}: the graph bases' features equal the single-process extraction's. */
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
