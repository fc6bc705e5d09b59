package org.transfer4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.ConvBase;

/** Spark {@code local[2]} extraction against the single-process extraction of the same images. */
class SparkExtractionTest {
    static final ExtractionSpec SPEC = ExtractionSpec.vgg16(32, 32).weights("random", 11).preprocessing("rescale")
            .batchSize(2).shardSize(3).onBadImage(BadImagePolicy.SKIP);

    @TempDir
    static Path tmp;
    static Path data;
    static SparkSession spark;
    static JavaSparkContext sc;
    static FeatureSet reference;

    @BeforeAll
    static void start() throws Exception {
        data = tmp.resolve("data");
        for (int i = 0; i < 7; i++) {
            png(data.resolve("cats/cat." + i + ".png"), 32, 32, i);
            png(data.resolve("dogs/dog." + i + ".png"), 40, 30, 100 + i);
        }
        Files.writeString(data.resolve("dogs/dog.bad.png"), "not an image");
        ConvBase base = SPEC.base(null);
        reference = ShardedFeatureCache.at(tmp.resolve("single")).batchSize(4).shardSize(100).extract(
                ImageFolder.of(data).onBadImage(BadImagePolicy.SKIP), base, base.loadWeights(), "block5_pool",
                ExtractionListener.none());
        spark = SparkTestSession.spark();
        sc = SparkTestSession.sc();
    }

    @AfterEach
    void resetHook() {
        SparkExtraction.beforeShard = id -> { };
    }

    static void png(Path file, int h, int w, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    static void assertSameAsReference(FeatureSet set) {
        assertThat(set.filenames()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(reference.filenames());
        Map<String, Integer> row = new HashMap<>();
        for (int i = 0; i < set.samples(); i++) {
            row.put(set.filenames().get(i), i);
        }
        int per = 512;
        for (int i = 0; i < reference.samples(); i++) {
            int j = row.get(reference.filenames().get(i));
            assertThat(set.classes()[j]).isEqualTo(reference.classes()[i]);
            for (int k = 0; k < per; k++) {
                float expected = reference.features()[i * per + k];
                assertThat(set.features()[j * per + k]).as("%s value %d", reference.filenames().get(i), k)
                        .isCloseTo(expected, within(1e-6f * (1 + Math.abs(expected))));
            }
        }
    }

    @Test
    void spark_features_equal_single_process_extraction_and_bad_images_are_reported_once() throws Exception {
        Path cache = tmp.resolve("spark");
        int buildsBefore = ExecutorEngine.builds();
        ShardedFeatureCache.Update u = SparkExtraction.of(SPEC).extract(sc, data.toString(), cache);
        assertThat(u.extracted()).isEqualTo(14);
        assertThat(u.shardsWritten()).isEqualTo(5); // 15 inputs (one bad) in shards of 3
        assertThat(u.skipped().skipped()).singleElement()
                .satisfies(s -> assertThat(s.filename()).isEqualTo("dogs/dog.bad.png"));
        assertSameAsReference(FeatureCache.at(cache).load());
        assertThat(FeatureCache.at(cache).load().filenames()).isEqualTo(reference.filenames()); // file order

        ShardedFeatureCache.Update again = SparkExtraction.of(SPEC).extract(sc, data.toUri().toString(), cache);
        assertThat(again.extracted()).isZero();
        assertThat(again.reused()).isEqualTo(14);
        assertThat(again.skipped().skipped()).hasSize(1);
        // one engine (weights loaded once) for every task of both jobs in this executor JVM
        assertThat(ExecutorEngine.builds() - buildsBefore).isLessThanOrEqualTo(1);
    }

    @Test
    void a_tree_on_a_hadoop_file_system_is_listed_as_flow_from_directory_lists_it() throws Exception {
        Path tree = tmp.resolve("hadoop-tree");
        png(tree.resolve("b/z.png"), 8, 8, 1);
        png(tree.resolve("b/nested/a.png"), 8, 8, 2);
        png(tree.resolve("b/a.PNG"), 8, 8, 3);
        png(tree.resolve("a/x.jpg"), 8, 8, 4);
        Files.writeString(tree.resolve("a/notes.txt"), "not listed");
        var keras = ImageFolder.of(tree).list();
        SparkExtraction.HadoopListing listing = SparkExtraction.list(
                org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()),
                new org.apache.hadoop.fs.Path(tree.toUri()));
        assertThat(listing.classes()).isEqualTo(keras.classIndices());
        assertThat(listing.inputs()).extracting(ShardedFeatureCache.Input::filename)
                .containsExactlyElementsOf(keras.filenames());
        assertThat(listing.inputs()).extracting(ShardedFeatureCache.Input::label)
                .containsExactly(java.util.Arrays.stream(keras.classes()).boxed().toArray(Integer[]::new));
    }

    @Test
    void a_dataframe_of_paths_and_labels_extracts_the_same_features() throws Exception {
        StructType schema = new StructType().add("path", DataTypes.StringType).add("label", DataTypes.StringType);
        java.util.List<Row> rows = new java.util.ArrayList<>();
        for (String f : reference.filenames()) {
            rows.add(RowFactory.create(data.resolve(f).toString(), f.substring(0, f.indexOf('/'))));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        Path cache = tmp.resolve("dataframe");
        ShardedFeatureCache.Update u = SparkExtraction.of(SPEC).extract(df, "path", "label", cache);
        assertThat(u.extracted()).isEqualTo(14);
        FeatureSet set = FeatureCache.at(cache).load();
        assertThat(set.classIndices()).isEqualTo(reference.classIndices());
        for (int i = 0; i < set.samples(); i++) {
            String name = set.filenames().get(i);
            int j = reference.filenames().indexOf(data.relativize(Path.of(name)).toString().replace('\\', '/'));
            assertThat(set.classes()[i]).isEqualTo(reference.classes()[j]);
            assertThat(set.features()[i * 512 + 7]).isCloseTo(reference.features()[j * 512 + 7],
                    within(1e-6f * (1 + Math.abs(reference.features()[j * 512 + 7]))));
        }
    }

    @Test
    void a_job_cancelled_mid_way_resumes_with_identical_features_and_no_duplicate_or_missing_image()
            throws Exception {
        Path cache = tmp.resolve("cancelled");
        Throwable failure = cancelAfterTwoShards(sc,
                () -> SparkExtraction.of(SPEC.shardSize(2)).extract(sc, data.toString(), cache));
        assertThat(failure).as("the job was cancelled").isNotNull();
        assertThat(cache.resolve(FeatureCache.MANIFEST)).doesNotExist();
        long committed;
        try (Stream<Path> s = Files.list(cache.resolve(ShardedFeatureCache.SHARDS))) {
            committed = s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
        assertThat(committed).isBetween(2L, 7L);

        ShardedFeatureCache.Update resumed = SparkExtraction.of(SPEC.shardSize(2)).extract(sc, data.toString(), cache);
        assertThat(resumed.reused()).isGreaterThanOrEqualTo(4);
        assertThat(resumed.reused() + resumed.extracted()).isEqualTo(14);
        assertThat(resumed.skipped().skipped()).hasSize(1);
        assertSameAsReference(FeatureCache.at(cache).load());
    }

    /**
     * Runs {@code job} (an extraction of at least three shards) on another thread, lets two shards commit, holds the
     * others at their start, cancels every job of {@code sc} and waits until no task runs.
     *
     * @return what the job threw (null if it finished)
     */
    static Throwable cancelAfterTwoShards(JavaSparkContext sc, Callable<?> job) throws InterruptedException {
        CountDownLatch twoShardsDone = new CountDownLatch(2);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        CountDownLatch idle = new CountDownLatch(1);
        AtomicInteger cancelled = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                running.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskInfo().successful()) {
                    twoShardsDone.countDown();
                }
                if (running.decrementAndGet() == 0 && cancelled.get() == 1) {
                    idle.countDown();
                }
            }
        };
        sc.sc().addSparkListener(listener);
        // shards 0 and 1 run free; later ones wait until the job is cancelled
        SparkExtraction.beforeShard = id -> {
            if (id >= 2) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                job.call();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            thread.start();
            assertThat(twoShardsDone.await(120, TimeUnit.SECONDS)).isTrue();
            cancelled.set(1);
            sc.cancelAllJobs();
            thread.join(TimeUnit.SECONDS.toMillis(120));
            gate.countDown();
            if (running.get() > 0) {
                assertThat(idle.await(120, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            gate.countDown();
            sc.sc().removeSparkListener(listener);
            SparkExtraction.beforeShard = id -> { };
        }
        return failure.get();
    }
}
