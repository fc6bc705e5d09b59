package org.transfer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.transfer4j.Precision;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.ConvBase;
import picocli.CommandLine;

/**
 * Spark {@code local[2]} extraction in bf16 against the single-process bf16 extraction (issue #13's precision on
 * issue #15's executors). The bf16 checks need a CPU with AVX512-BF16 or AMX and are skipped elsewhere.
 */
class SparkPrecisionTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void images() throws Exception {
        data = tmp.resolve("data");
        for (int i = 0; i < 3; i++) {
            SparkExtractionTest.png(data.resolve("cats/cat." + i + ".png"), 40, 36, 700 + i);
        }
        for (int i = 0; i < 2; i++) {
            SparkExtractionTest.png(data.resolve("dogs/dog." + i + ".png"), 30, 44, 800 + i);
        }
    }

    @AfterEach
    void resetResolver() {
        ExecutorEngine.resolver = Precision::resolve;
    }

    static void assumeBf16() {
        Assumptions.assumeTrue(Precision.AUTO.resolve() == Precision.BF16, "this CPU has no AVX512-BF16 or AMX");
    }

    static float maxRelativeDifference(float[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        float max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
        }
        return max;
    }

    @ParameterizedTest
    @CsvSource({"vgg16, 32", "mobilenet_v2, 32"})
    void bf16_features_on_spark_equal_the_single_process_bf16_extraction_and_a_bf16_rerun_over_fp32_rebuilds(
            String name, int size) throws Exception {
        assumeBf16();
        ExtractionSpec fp32 = ExtractionSpec.of(name, size, size).weights("random", 9).batchSize(2).shardSize(3);
        ExtractionSpec bf16 = fp32.precision(Precision.BF16);
        ConvBase base = fp32.base(null);
        Path cache = tmp.resolve(name + "-spark");

        ShardedFeatureCache.Update first = SparkExtraction.of(fp32).extract(SparkTestSession.sc(), data.toString(),
                cache);
        assertThat(first.extracted()).isEqualTo(5);
        CacheManifest.Key fp32Key = ShardedFeatureCache.at(cache).manifest().orElseThrow().key();
        assertThat(fp32Key.precision()).isEqualTo("fp32");

        // a changed precision changes the key: every shard is extracted again
        ShardedFeatureCache.Update rebuilt = SparkExtraction.of(bf16).extract(SparkTestSession.sc(),
                data.toString(), cache);
        assertThat(rebuilt.extracted()).isEqualTo(5);
        assertThat(rebuilt.reused()).isZero();
        assertThat(rebuilt.shardsWritten()).isEqualTo(2);
        CacheManifest.Key bf16Key = ShardedFeatureCache.at(cache).manifest().orElseThrow().key();
        assertThat(bf16Key.precision()).isEqualTo("bf16");
        assertThat(bf16Key).isNotEqualTo(fp32Key);
        ShardedFeatureCache.Update again = SparkExtraction.of(bf16).extract(SparkTestSession.sc(), data.toString(),
                cache);
        assertThat(again.extracted()).isZero();
        assertThat(again.reused()).isEqualTo(5);

        // the single process in bf16, same batch composition (batches of 2 in shards of 3, as --batch 2
        // --shard-size 3 on one machine): the same key and the same rows. (Measured: bit-identical, and also
        // bit-identical to a single batch of 5: the bf16 kernels' results do not depend on the batch here.)
        Path singleCache = tmp.resolve(name + "-single");
        FeatureSet reference = ShardedFeatureCache.at(singleCache).batchSize(2).shardSize(3)
                .precision(Precision.BF16).extract(ImageFolder.of(data), base, base.loadWeights(),
                        fp32.cutLayer(), ExtractionListener.none());
        assertThat(ShardedFeatureCache.at(singleCache).manifest().orElseThrow().key()).isEqualTo(bf16Key);
        FeatureSet set = FeatureCache.at(cache).load();
        assertThat(set.filenames()).isEqualTo(reference.filenames());
        assertThat(maxRelativeDifference(reference.features(), set.features()))
                .as("%s in bf16: largest |spark - single| / (1 + |single|)", name).isLessThanOrEqualTo(1e-6f);
    }

    @Test
    void an_executor_that_cannot_run_bf16_fails_the_job_naming_the_reason_and_the_way_out() {
        assumeBf16(); // the driver of local[2] is the executor's JVM, and checks the precision itself first
        ExecutorEngine.resolver = p -> {
            if (p == Precision.BF16) {
                throw new IllegalStateException("Precision BF16 is not available here: this CPU's instruction set is "
                        + "avx2, and bf16 needs avx512_core_bf16 or AMX; use FP32 or AUTO");
            }
            return p;
        };
        ExtractionSpec spec = ExtractionSpec.vgg16(32, 32).weights("random", 123).precision(Precision.BF16);
        assertThatThrownBy(() -> SparkExtraction.of(spec).extract(SparkTestSession.sc(), data.toString(),
                tmp.resolve("no-bf16")))
                .isInstanceOf(SparkException.class)
                .hasMessageContaining("cannot extract in bf16")
                .hasMessageContaining("instruction set is avx2")
                .hasMessageContaining("executors may be other CPUs than the driver's")
                .hasMessageContaining("--precision fp32");
    }

    @Test
    void auto_is_resolved_where_the_spec_is_made_and_the_command_line_takes_the_precision() {
        assertThat(ExtractionSpec.vgg16(32, 32).precision()).isEqualTo(Precision.FP32);
        assertThat(ExtractionSpec.vgg16(32, 32).precision(Precision.AUTO).precision())
                .isEqualTo(Precision.AUTO.resolve());

        SparkExtractMain main = new SparkExtractMain();
        new CommandLine(main).parseArgs("--data", "d", "--out", "o", "--base", "mobilenet_v2", "--input", "32",
                "--precision", "bf16");
        assertThat(main.spec().precision()).isEqualTo(Precision.BF16);
        new CommandLine(main = new SparkExtractMain()).parseArgs("--data", "d", "--out", "o", "--precision", "AUTO");
        assertThat(main.spec().precision()).isEqualTo(Precision.AUTO.resolve());
        new CommandLine(main = new SparkExtractMain()).parseArgs("--data", "d", "--out", "o", "--precision", "fp16");
        assertThatThrownBy(main::spec).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--precision fp16: expected fp32, bf16 or auto");
    }
}
