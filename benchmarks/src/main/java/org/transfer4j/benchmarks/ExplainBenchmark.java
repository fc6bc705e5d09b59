package org.transfer4j.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.transfer4j.Heads;
import org.transfer4j.explain.Heatmap;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.FrozenPrefix;
import org.transfer4j.internal.engine.GradCamEngine;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;

/**
 * Grad-CAM against prediction at the same batch size (goal: explaining costs at most ~2× predicting). {@code predict}:
 * VGG16's frozen base and the book's head {@code dense(256).sigmoid()}, forward only, as {@code TransferModel.predict}
 * runs them. {@code explain}: the same network split at {@code layer}, forward, the class score's gradient back to that
 * layer, and the {@link Heatmap} of each image, as {@code TransferModel.explain} runs them. One op is one batch.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExplainBenchmark -p batch=1 -p size=150</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ExplainBenchmark {

    @Param({"1", "20"})
    public int batch;

    @Param({"150"})
    public int size;

    @Param({"block5_conv3"})
    public String layer;

    private FrozenPrefix base;
    private SuffixNet head;
    private GradCamEngine gradCam;
    private INDArray input;
    private List<int[]> predictedClass;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.out.println("# " + Backend.describe());
        ConvBase vgg = Vgg16.random(size, size, 42);
        Weights weights = vgg.loadWeights();
        List<Layer> layers = vgg.layers();
        base = new FrozenPrefix(layers, weights);
        head = new SuffixNet(vgg.outputShape(), List.of(), weights, Heads.dense(256).sigmoid(), 1);
        Map<String, INDArray> headValues = head.variableValues();
        gradCam = new GradCamEngine(layers, vgg.indexOf(layer), weights, Heads.dense(256).sigmoid(), headValues);
        float[] pixels = new float[batch * size * size * 3];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (random.nextDouble() * 255 - 120);
        }
        input = Nd4j.create(pixels, new long[] {batch, size, size, 3}, 'c');
        int[] predicted = new int[batch];
        Arrays.fill(predicted, -1);
        predictedClass = List.of(predicted);
    }

    @Benchmark
    public void predict(Blackhole blackhole) {
        blackhole.consume(head.predict(base.forward(input)));
    }

    @Benchmark
    public void explain(Blackhole blackhole) {
        GradCamEngine.Result r = gradCam.run(input, predictedClass, false);
        int[] s = r.shape();
        int per = s[0] * s[1] * s[2];
        for (int i = 0; i < batch; i++) {
            blackhole.consume(Heatmap.of("c", 0, layer, Arrays.copyOfRange(r.activations(), i * per, (i + 1) * per),
                    Arrays.copyOfRange(r.gradients().get(0), i * per, (i + 1) * per), s[0], s[1], s[2]));
        }
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ExplainBenchmark.class.getSimpleName()).build()).run();
    }
}
