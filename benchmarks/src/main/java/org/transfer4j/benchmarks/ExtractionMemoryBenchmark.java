package org.transfer4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;

/**
 * Memory of extracting {@code images} JPEGs into a fresh feature cache, one fork per size: the process's peak
 * resident set during the extraction ({@code peakRssMb}, from {@code VmHWM} after resetting it through
 * {@code /proc/self/clear_refs}), its resident set and the Java heap in use at the end. Goal: the same for 2,000 and
 * 20,000 images (features stream to disk). The folder holds {@code distinct} generated JPEGs (sides 250..500 px),
 * hard-linked under further names up to {@code images}; the score is seconds per extraction.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExtractionMemoryBenchmark -p images=2000,20000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ExtractionMemoryBenchmark {

    @Param({"2000"})
    public int images;

    @Param({"2000"})
    public int distinct;

    @Param({"20"})
    public int batch;

    private Path root;
    private Path folder;
    private ConvBase base;
    private Weights weights;

    /** Secondary results of the measured extraction. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Memory {
        public double peakRssMb;
        public double endRssMb;
        public double heapUsedMb;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        System.out.println("# " + Backend.describe());
        root = Files.createTempDirectory("t4j-extraction-memory");
        Path originals = root.resolve("distinct");
        ExtractionBenchmark.writeJpegs(originals, Math.min(distinct, images), 9);
        folder = root.resolve("images");
        for (int i = 0; i < images; i++) {
            String cls = i % 2 == 0 ? "cats" : "dogs";
            int d = Math.min(distinct, images);
            int source = i % d;
            source -= (source % 2) - (i % 2); // an original of the same class as i
            if (source >= d) {
                source -= 2;
            }
            Path target = folder.resolve(cls).resolve(cls + "." + i + ".jpg");
            Files.createDirectories(target.getParent());
            Path original = originals.resolve(cls).resolve(cls + "." + source + ".jpg");
            try {
                Files.createLink(target, original);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(original, target);
            }
        }
        base = Vgg16.random(150, 150, 42);
        weights = base.loadWeights();
    }

    @Setup(Level.Iteration)
    public void resetPeak() throws IOException {
        System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS
        } catch (IOException | UnsupportedOperationException e) {
            System.out.println("# cannot reset the peak RSS (" + e + "); peakRssMb includes the set-up");
        }
    }

    /** The whole folder through a fresh feature cache. */
    @Benchmark
    public FeatureCache.Update extract(Memory memory) throws IOException, BadImageException {
        FeatureCache.Update u = FeatureCache.at(Files.createTempDirectory(root, "cache")).batchSize(batch)
                .update(ImageFolder.of(folder), base, weights, "block5_pool", ExtractionListener.none());
        memory.peakRssMb = status("VmHWM") / 1024.0;
        memory.endRssMb = status("VmRSS") / 1024.0;
        Runtime rt = Runtime.getRuntime();
        memory.heapUsedMb = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        return u;
    }

    /** A {@code kB} field of {@code /proc/self/status}, or -1 where there is none. */
    static long status(String field) throws IOException {
        Path p = Path.of("/proc/self/status");
        if (!Files.exists(p)) {
            return -1;
        }
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        return -1;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ExtractionBenchmark.delete(root);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ExtractionMemoryBenchmark.class.getSimpleName()).build()).run();
    }
}
