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
import org.transfer4j.Head;
import org.transfer4j.Heads;
import org.transfer4j.Optimizer;
import org.transfer4j.Optimizers;
import org.transfer4j.Precision;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.interop.Nd4jArrays;

/**
 * One fine-tuning training step as {@code TransferModel.fineTune} runs it (the book's listings 5-22/5-23): the frozen
 * VGG16 prefix up to {@code block4_pool} forward, then {@link SuffixNet#trainStep} on the cut tensor, which trains
 * {@code block5_conv1 .. block5_pool}, Flatten, {@code dense(256)} (relu) and the sigmoid output with RMSprop(1e-5).
 * The peer is {@code /work/shared/bench/torch_vgg16_finetune_cpu.py} (same layers, loss and optimizer, random input).
 *
 * <p>One invocation = one batch of {@code batch} images of {@code size}×{@code size}; images/s = batch / (s/op).
 * {@code step} is the whole step; {@code suffixStep} is the SuffixNet part alone on a fixed cut tensor and
 * {@code prefixForward} the frozen part alone, so that the two shares of the step can be read off.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar FineTuneStepBenchmark -p batch=20 -p size=150</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class FineTuneStepBenchmark {

    static final String CUT = "block4_pool";
    static final String FIRST_TRAINABLE = Vgg16.BLOCK5_CONV1;

    @Param({"20"})
    public int batch;

    @Param({"150"})
    public int size;

    /**
     * Precision of the frozen prefix and of block 5's training ({@code fp32}, {@code bf16}, {@code auto}: fp32 master
     * weights and optimizer state either way, as PyTorch's autocast); the dense head computes in fp32.
     */
    @Param({"fp32"})
    public String precision;

    private FeatureExtractor prefix;
    private SuffixNet suffix;
    private INDArray input;
    private INDArray cut;
    private INDArray targets;
    private INDArray sampleWeights;
    private Optimizer optimizer;
    private SplittableRandom dropout;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.out.println("# " + Backend.describe());
        ConvBase base = Vgg16.random(size, size, 42);
        Weights weights = base.loadWeights();
        prefix = base.extractor(weights, CUT, Precision.parse(precision));
        List<Layer> trainable = base.layers().subList(base.indexOf(FIRST_TRAINABLE), base.layers().size());
        Head head = Heads.dense(256).sigmoid();
        suffix = new SuffixNet(base.layer(CUT).outputShape(), trainable, weights, head, 42, Precision.parse(precision));
        input = Inputs.randomBatch(batch, size, 7);
        cut = Nd4jArrays.forward(prefix, input).dup();
        targets = Inputs.randomBinaryTargets(batch, 11);
        sampleWeights = Nd4j.ones(DataType.FLOAT, batch);
        optimizer = Optimizers.rmsprop(1e-5);
        dropout = new SplittableRandom(3);
    }

    /** The whole training step: frozen prefix forward + suffix forward, backward and RMSprop update. */
    @Benchmark
    public void step(Blackhole blackhole) {
        INDArray features = Nd4jArrays.forward(prefix, input);
        blackhole.consume(suffix.trainStep(features, targets, sampleWeights, dropout, optimizer, Map.of()));
    }

    /** The SuffixNet part alone, on a fixed cut tensor. */
    @Benchmark
    public void suffixStep(Blackhole blackhole) {
        blackhole.consume(suffix.trainStep(cut, targets, sampleWeights, dropout, optimizer, Map.of()));
    }

    /** The frozen prefix forward alone. */
    @Benchmark
    public void prefixForward(Blackhole blackhole) {
        blackhole.consume(Nd4jArrays.forward(prefix, input));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        prefix.close();
        System.out.println("# images/s = " + batch + " / (ms/op / 1000)");
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(FineTuneStepBenchmark.class.getSimpleName()).build()).run();
    }
}
