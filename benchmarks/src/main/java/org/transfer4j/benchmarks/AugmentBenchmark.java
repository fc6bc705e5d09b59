package org.transfer4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.augment.Augmenter;
import org.transfer4j.augment.AugmentedBatch;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.augment.ImageSource;
import org.transfer4j.augment.RandomTransform;

/**
 * Throughput of Keras-equivalent augmentation with the book's settings ({@link Augmentation#book()}: rotation 40,
 * shifts 0.2, shear 0.2, zoom 0.2, horizontal flip, nearest fill, bilinear) on size×size×3 float images.
 *
 * <p>Scores are images per second (each invocation processes {@value #IMAGES} images, declared with
 * {@link OperationsPerInvocation}). {@code augmenter} runs a whole epoch through the multi-threaded
 * {@link Augmenter} (sampling, resampling, flips, NHWC batching, bounded prefetch) with {@code threads} workers;
 * {@code singleImage} is one thread calling {@code randomTransform + applyTransform} per image, the direct
 * counterpart of keras_preprocessing's {@code random_transform} ({@code /work/shared/bench/keras_augment_speed.py});
 * {@code copyBaseline} copies each image into a batch array, the floor any augmenter pays.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AugmentBenchmark -f 1 -wi 2 -i 3}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class AugmentBenchmark {

    static final int IMAGES = 512;

    @Param({"150"})
    public int size;

    @Param({"32"})
    public int batchSize;

    private Augmentation augmentation;
    private ImageSource source;
    private List<HwcImage> images;
    private long epoch;

    /** The threaded augmenter, only for {@link #augmenter}, so that {@code threads} varies only there. */
    @State(Scope.Benchmark)
    public static class Workers {
        @Param({"1", "2"})
        public int threads;

        Augmenter augmenter;

        @Setup(Level.Trial)
        public void start(AugmentBenchmark bench) {
            augmenter = Augmenter.builder(bench.augmentation).threads(threads).batchSize(bench.batchSize).build();
        }

        @TearDown(Level.Trial)
        public void stop() {
            augmenter.close();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        augmentation = Augmentation.book().seed(42);
        SplittableRandom rng = new SplittableRandom(1);
        images = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] px = new float[size * size * 3];
            for (int j = 0; j < px.length; j++) {
                px[j] = (float) Math.floor(rng.nextDouble() * 256);
            }
            images.add(new HwcImage(size, size, 3, px));
        }
        source = ImageSource.of(images);
    }

    /** A whole epoch through the threaded {@link Augmenter}; score = images/s. */
    @Benchmark
    @OperationsPerInvocation(IMAGES)
    public void augmenter(Workers workers, Blackhole bh) {
        try (Augmenter.Epoch batches = workers.augmenter.epoch(source, epoch++)) {
            while (batches.hasNext()) {
                AugmentedBatch b = batches.next();
                bh.consume(b.data());
            }
        }
    }

    /** One thread, one image at a time: sample + apply, as Keras's random_transform; score = images/s. */
    @Benchmark
    @OperationsPerInvocation(IMAGES)
    public void singleImage(Blackhole bh) {
        long e = epoch++;
        for (int i = 0; i < IMAGES; i++) {
            HwcImage x = images.get(i);
            RandomTransform t = augmentation.randomTransform(size, size, e, i);
            bh.consume(augmentation.applyTransform(x, t));
        }
    }

    /** Baseline: copy every image into a batch-sized array; score = images/s. */
    @Benchmark
    @OperationsPerInvocation(IMAGES)
    public void copyBaseline(Blackhole bh) {
        int n = size * size * 3;
        float[] batch = new float[batchSize * n];
        for (int i = 0; i < IMAGES; i++) {
            System.arraycopy(images.get(i).pixels(), 0, batch, (i % batchSize) * n, n);
            if (i % batchSize == batchSize - 1) {
                bh.consume(batch);
                batch = new float[batchSize * n];
            }
        }
        bh.consume(batch);
    }

    public static void main(String[] args) throws RunnerException {
        Options opt = new OptionsBuilder().include(AugmentBenchmark.class.getSimpleName()).build();
        new Runner(opt).run();
    }
}
