package org.transfer4j.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

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
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.PrefixEngine;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Bases;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.interop.Nd4jArrays;

/**
 * Conv-base forward pass (frozen, NHWC, fp32 or bf16 on the oneDNN or libnd4j engine) of {@code base} (VGG16 by
 * default, the peer of {@code ../shared/bench/torch_vgg16_cpu.py}; {@code vgg19}, {@code resnet50},
 * {@code mobilenet_v2} run on the oneDNN graph engine). One invocation runs one batch of {@code batch} images of
 * {@code size}×{@code size}; images/s = batch / (s/op).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ConvBaseForwardBenchmark -p batch=20 -p size=150 -p precision=bf16
 * java -jar benchmarks/target/benchmarks.jar ConvBaseForwardBenchmark -p base=resnet50,mobilenet_v2 -p size=224</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ConvBaseForwardBenchmark {

    /** {@code vgg16}, {@code vgg19}, {@code resnet50} or {@code mobilenet_v2}. */
    @Param({"vgg16"})
    public String base;

    @Param({"20"})
    public int batch;

    @Param({"150"})
    public int size;

    /** {@code fp32}, {@code bf16} or {@code auto} (see {@link Precision}). */
    @Param({"fp32"})
    public String precision;

    /** Backend: {@code onednn} (the CPU default) or {@code nd4j} (libnd4j's ops, the previous engine). */
    @Param({"onednn"})
    public String engine;

    private FeatureExtractor extractor;
    private INDArray input;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.out.println("# " + Backend.describe());
        System.setProperty(PrefixEngine.BACKEND_PROPERTY, engine);
        ConvBase convBase = Bases.of(base, size, size, WeightsSource.random(42));
        extractor = convBase.extractor(convBase.loadWeights(), convBase.lastLayer().name(),
                Precision.parse(precision));
        System.out.println("# engine: " + extractor.engineDescription());
        float[] pixels = new float[batch * size * size * 3];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (random.nextDouble() * 255 - 120);
        }
        input = Nd4j.create(pixels, new long[] {batch, size, size, 3}, 'c');
    }

    @Benchmark
    public void forward(Blackhole blackhole) {
        blackhole.consume(Nd4jArrays.forward(extractor, input));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        extractor.close();
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ConvBaseForwardBenchmark.class.getSimpleName()).build()).run();
    }
}
