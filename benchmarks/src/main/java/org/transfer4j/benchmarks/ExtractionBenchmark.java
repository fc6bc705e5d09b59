package org.transfer4j.benchmarks;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.nd4j.linalg.api.ndarray.INDArray;
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
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.interop.Nd4jArrays;

/**
 * Feature extraction from a folder of JPEGs through {@link FeatureCache} (list, decode, resize to {@code size},
 * preprocess, VGG16 forward to {@code block5_pool}, write {@code .npy} and the manifest) into a fresh cache, against
 * {@code forwardOnly}: the same number of images through the same extractor from ready-made batches. Goal: extraction
 * at ≥ 90 % of the forward-only rate, i.e. decoding and I/O hidden behind the forward pass.
 *
 * <p>The folder holds {@code images} generated JPEGs (two classes, sides 250..500 px like the cats-vs-dogs photos),
 * made once per trial. One invocation = the whole folder; images/s = images / (s/op) for both methods.
 *
 * <p>By default each update runs the benchmark's open extractor (as extracting train, validation and test with one
 * extractor does, see {@link FeatureExtractor}); with {@code -p cold=true} every update sets up its own engine
 * (weights copied in, buffers allocated, oneDNN's first pass): 90 % instead of 93 % at 100 images.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ExtractionBenchmark -p images=100 -p cold=false,true</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=8G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
public class ExtractionBenchmark {

    static final String CUT = "block5_pool";

    @Param({"100"})
    public int images;

    @Param({"20"})
    public int batch;

    @Param({"150"})
    public int size;

    @Param({"false"})
    public boolean cold;

    private Path root;
    private Path folder;
    private Path cacheDir;
    private ConvBase base;
    private Weights weights;
    private FeatureExtractor extractor;
    private List<INDArray> batches;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.out.println("# " + Backend.describe());
        root = Files.createTempDirectory("t4j-extraction-bench");
        folder = root.resolve("images");
        writeJpegs(folder, images, 9);
        base = Vgg16.random(size, size, 42);
        weights = base.loadWeights();
        extractor = base.extractor(weights, CUT);
        batches = new ArrayList<>();
        for (int done = 0; done < images; done += batch) {
            batches.add(Inputs.randomBatch(Math.min(batch, images - done), size, done));
        }
    }

    /** Class folders {@code cats} and {@code dogs} of smooth random JPEGs with sides 250..500 px. */
    static void writeJpegs(Path folder, int count, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            Path dir = folder.resolve(i % 2 == 0 ? "cats" : "dogs");
            Files.createDirectories(dir);
            int w = 250 + random.nextInt(251);
            int h = 250 + random.nextInt(251);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int r0 = random.nextInt(256);
            int g0 = random.nextInt(256);
            int b0 = random.nextInt(256);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int n = random.nextInt(32);
                    int r = (r0 + x / 2 + n) & 0xff;
                    int g = (g0 + y / 2 + n) & 0xff;
                    int b = (b0 + (x + y) / 4 + n) & 0xff;
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            if (!ImageIO.write(img, "jpg", dir.resolve(String.format("%s.%d.jpg", dir.getFileName(), i)).toFile())) {
                throw new IllegalStateException("No JPEG writer in this JRE");
            }
        }
    }

    @Setup(Level.Invocation)
    public void freshCache() throws IOException {
        cacheDir = Files.createTempDirectory(root, "cache");
    }

    @TearDown(Level.Invocation)
    public void dropCache() {
        delete(cacheDir);
    }

    /** The whole folder through a fresh feature cache. */
    @Benchmark
    public void extraction(Blackhole blackhole) throws IOException, BadImageException {
        FeatureCache cache = FeatureCache.at(cacheDir).batchSize(batch);
        blackhole.consume(cold ? cache.update(ImageFolder.of(folder), base, weights, CUT, ExtractionListener.none())
                : cache.update(ImageFolder.of(folder), extractor, ExtractionListener.none()));
    }

    /** Baseline: the same number of images, forward pass only, from ready-made preprocessed batches. */
    @Benchmark
    public void forwardOnly(Blackhole blackhole) {
        for (INDArray b : batches) {
            blackhole.consume(Nd4jArrays.forward(extractor, b));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        extractor.close();
        delete(root);
        System.out.println("# images/s = " + images + " / (ms/op / 1000)");
    }

    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ExtractionBenchmark.class.getSimpleName()).build()).run();
    }
}
