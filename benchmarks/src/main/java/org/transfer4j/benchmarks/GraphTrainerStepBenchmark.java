package org.transfer4j.benchmarks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
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
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.GraphTrainer;
import org.transfer4j.internal.graph.Architectures;
import org.transfer4j.internal.graph.Graph;

/**
 * Forward and backward through the trainable part of a ResNet50 or MobileNetV2 fine-tune (the {@link GraphTrainer} the
 * CPU runs, oneDNN by default): the part from {@code Graph.entryOf(first)} to the base's last layer, every layer from
 * {@code first} on trainable, random weights and input. No optimizer update, no head: the base's share of a step.
 *
 * <p>One invocation = one batch; images/s = batch / (s/op). Page faults per step: run it in single-shot mode with two
 * iteration counts under {@code /usr/bin/time -v} and divide the difference of "Minor page faults".
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar GraphTrainerStepBenchmark -p base=resnet50 -p precision=bf16</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class GraphTrainerStepBenchmark {

    /** {@code resnet50} or {@code mobilenet_v2}. */
    @Param({"resnet50", "mobilenet_v2"})
    public String base;

    /** The first trainable layer; empty for the base's last stage (the CLI's default). */
    @Param({""})
    public String first;

    @Param({"20"})
    public int batch;

    @Param({"224"})
    public int size;

    @Param({"fp32"})
    public String precision;

    private GraphTrainer trainer;
    private INDArray input;
    private INDArray dOut;
    private Map<String, INDArray> params;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println("# " + Backend.describe());
        Graph g = Architectures.byName(base, size, size);
        String start = !first.isEmpty() ? first : base.equals("resnet50") ? "conv5_block1_1_conv" : "block_16_expand";
        String from = g.entryOf(start);
        String to = g.names().get(g.names().size() - 1);
        Set<String> trainable = new LinkedHashSet<>(g.names().subList(g.indexOf(start), g.names().size()));
        SplittableRandom random = new SplittableRandom(42);
        params = new HashMap<>();
        for (Graph.Node node : g.between(from, to)) {
            for (Map.Entry<String, int[]> w : g.weightShapes(node).entrySet()) {
                long[] shape = Arrays.stream(w.getValue()).asLongStream().toArray();
                INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape);
                boolean positive = w.getKey().equals("gamma") || w.getKey().equals("moving_variance");
                double scale = w.getValue().length == 4 ? Math.sqrt(2.0 / (w.getValue()[0] * w.getValue()[1]
                        * (w.getKey().equals("kernel") ? w.getValue()[2] : 1))) : 0.1;
                for (long i = 0; i < a.length(); i++) {
                    a.putScalar(i, positive ? 0.5 + random.nextDouble() : random.nextGaussian() * scale);
                }
                params.put(node.name() + "_" + w.getKey(), a);
            }
        }
        trainer = GraphTrainer.create(g, from, to, trainable, Set.of(), Precision.parse(precision).resolve());
        input = random(batch, g.shape(from), random);
        dOut = random(batch, g.shape(to), random);
        System.out.println("# " + trainer.description() + ", " + base + " from " + from + " (first trainable " + start
                + ") to " + to);
    }

    private static INDArray random(int n, int[] shape, SplittableRandom random) {
        long[] s = new long[shape.length + 1];
        s[0] = n;
        for (int i = 0; i < shape.length; i++) {
            s[i + 1] = shape[i];
        }
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, s);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextGaussian());
        }
        return a;
    }

    /** Forward, keeping what backward needs, then backward to every trainable weight. */
    @Benchmark
    public void step(Blackhole blackhole) {
        blackhole.consume(trainer.forward(input, params));
        blackhole.consume(trainer.backward(dOut));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        System.out.println("# images/s = " + batch + " / (ms/op / 1000)");
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(GraphTrainerStepBenchmark.class.getSimpleName()).build()).run();
    }
}
