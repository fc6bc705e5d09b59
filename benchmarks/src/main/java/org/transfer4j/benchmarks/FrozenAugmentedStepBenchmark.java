package org.transfer4j.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.transfer4j.Precision;
import org.transfer4j.Heads;
import org.transfer4j.Optimizer;
import org.transfer4j.Optimizers;
import org.transfer4j.augment.Augmentation;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.augment.RandomTransform;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Vgg16;

/**
 * One training step of the book's "feature extraction with data augmentation" model (approach 2, listing 5-21): the
 * batch is augmented with {@link Augmentation#book()}, preprocessed, run through the whole frozen VGG16 base (to
 * {@code block5_pool}), and the head {@code dense(256).sigmoid()} takes one RMSprop(2e-5) step on it. The peer is
 * {@code /work/shared/bench/torch_vgg16_finetune_cpu.py --frozen-all} (which does not augment; augmentation is a few
 * percent of this step, see {@code AugmentBenchmark}).
 *
 * <p>Augmentation runs on the benchmark thread, before the forward pass (no overlap), so this is the pessimistic
 * figure. One invocation = one batch; images/s = batch / (s/op).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar FrozenAugmentedStepBenchmark -p batch=20 -p size=150</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class FrozenAugmentedStepBenchmark {

    @Param({"20"})
    public int batch;

    @Param({"150"})
    public int size;

    /** Precision of the frozen base ({@code fp32}, {@code bf16}, {@code auto}); the head trains in fp32. */
    @Param({"fp32"})
    public String precision;

    private Augmentation augmentation;
    private List<HwcImage> images;
    private Preprocessing preprocessing;
    private FeatureExtractor base;
    private SuffixNet head;
    private int[] cutShape;
    private INDArray targets;
    private INDArray sampleWeights;
    private Optimizer optimizer;
    private SplittableRandom dropout;
    private long epoch;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.out.println("# " + Backend.describe());
        ConvBase vgg = Vgg16.random(size, size, 42);
        base = vgg.extractor(vgg.loadWeights(), vgg.lastLayer().name(), Precision.parse(precision));
        preprocessing = vgg.preprocessing();
        cutShape = base.outputShape();
        head = new SuffixNet(cutShape, List.of(), null, Heads.dense(256).sigmoid(), 42);
        augmentation = Augmentation.book().seed(42);
        images = Inputs.randomImages(batch, size, 5);
        targets = Inputs.randomBinaryTargets(batch, 11);
        sampleWeights = Nd4j.ones(DataType.FLOAT, batch);
        optimizer = Optimizers.rmsprop(2e-5);
        dropout = new SplittableRandom(3);
    }

    /** Augment, preprocess, frozen base forward, head train step. */
    @Benchmark
    public void step(Blackhole blackhole) {
        long e = epoch++;
        int per = size * size * 3;
        float[] nhwc = new float[batch * per];
        for (int i = 0; i < batch; i++) {
            RandomTransform t = augmentation.randomTransform(size, size, e, i);
            System.arraycopy(augmentation.applyTransform(images.get(i), t).pixels(), 0, nhwc, i * per, per);
        }
        preprocessing.applyRgb(nhwc, 0, nhwc.length / 3);
        float[] features = base.extractPreprocessed(nhwc, batch);
        INDArray x = Nd4j.create(features, new long[] {batch, cutShape[0], cutShape[1], cutShape[2]}, 'c');
        blackhole.consume(head.trainStep(x, targets, sampleWeights, dropout, optimizer, Map.of()));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        base.close();
        System.out.println("# images/s = " + batch + " / (ms/op / 1000)");
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(FrozenAugmentedStepBenchmark.class.getSimpleName()).build()).run();
    }
}
