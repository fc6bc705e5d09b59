package org.transfer4j.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
import org.transfer4j.Head;
import org.transfer4j.Optimizers;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.internal.engine.SuffixNet;
import org.transfer4j.internal.train.ArrayBatchSource;
import org.transfer4j.internal.train.Trainer;

/**
 * The book's head training on cached features (listing 5-18): {@code epochs} epochs of {@link Trainer#fit} on
 * {@code samples} random 4×4×512 feature rows (VGG16 {@code block5_pool} at 150×150), batch 20, RMSprop(2e-5),
 * optionally validating on {@code validation} rows each epoch as the book does (1,000). Goal: 30 epochs on 2,000
 * rows in at most 10 s.
 *
 * <p>Single-shot: one invocation = the whole run with a freshly initialised head; the score is seconds per run.
 * Each step is a few dozen small ND4J ops; on a loaded machine OpenMP's default spin-waiting makes each of them
 * cost a scheduler time slice, so compare with {@code OMP_WAIT_POLICY=PASSIVE} (or {@code OMP_NUM_THREADS=1}) too.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar HeadTrainingBenchmark -p validation=0,1000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class HeadTrainingBenchmark {

    static final int[] SHAPE = {4, 4, 512};

    @Param({"2000"})
    public int samples;

    @Param({"0"})
    public int validation;

    @Param({"30"})
    public int epochs;

    @Param({"20"})
    public int batch;

    @Param({"dense(256).dropout(0.5).sigmoid()"})
    public String head;

    private ArrayBatchSource train;
    private ArrayBatchSource validationSource;
    private Trainer.Plan plan;
    private Head parsedHead;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println("# " + Backend.describe());
        int row = SHAPE[0] * SHAPE[1] * SHAPE[2];
        parsedHead = Head.parse(head);
        train = new ArrayBatchSource(Inputs.randomFeatures(samples, row, 1), SHAPE, Inputs.randomClasses(samples, 2),
                1, batch, true, 42);
        validationSource = validation == 0 ? null : new ArrayBatchSource(Inputs.randomFeatures(validation, row, 3),
                SHAPE, Inputs.randomClasses(validation, 4), 1, batch, false, 42);
        plan = new Trainer.Plan(epochs, 0, 0, Optimizers.rmsprop(2e-5), 42, Map.of(), Map.of(), null, null,
                List.of());
    }

    /** A whole training run from a fresh head. */
    @Benchmark
    public void fit(Blackhole blackhole) {
        SuffixNet net = new SuffixNet(SHAPE, List.of(), null, parsedHead, 42);
        blackhole.consume(Trainer.fit(net, train, validationSource, plan));
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(HeadTrainingBenchmark.class.getSimpleName()).build()).run();
    }
}
