package org.transfer4j.benchmarks;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.internal.engine.Backend;
import org.transfer4j.model.Bases;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.spark.ExtractionSpec;
import org.transfer4j.spark.SparkExtraction;

/**
 * Spark {@code local[2]} against the single-process extraction of the same generated JPEGs, at 2,000 and 20,000
 * images (the check: overhead ≤ 10 %, peak RSS of driver and executor flat between the two sizes). Each run
 * is a child JVM of its own (same JVM options and class path as this one), so that its peak resident set
 * ({@code VmHWM} of {@code /proc/self/status}, read by the child at its end) is its own; in local mode Spark's driver
 * and executor are that one JVM. Prints, per size, the wall time of each variant (the extraction, and the child JVM
 * from start to exit), their ratio, and each variant's peak RSS, as a table.
 *
 * <p>Default: VGG16 at 64 px, random weights, batch 20, shards of 500, JPEGs of 160×120 px. VGG16 because it is the
 * base of the numbers and its dense convolutions dominate each image's cost, so the ratio weighs Spark's
 * overhead (task start, serialisation, the shared engine's turns, the driver's listing and commit) against real work
 * rather than against decoding; 64 px because 20,000 images must run in both variants within ~12 minutes on 2 cores:
 * a 64 px forward is 1.3 GFLOP, 5.5 times less than at 150 px, where this machine does 35.6 img/s (at 150 px the two
 * variants would take ~20 minutes). Tried at 600 images on the shared machine (load average 6 on 2 cores): 27 img/s
 * single-process including ~8 s of set-up (random weights, engine), 43 img/s after it; idle, expect 100–130 img/s,
 * so 20,000 images take ~3 minutes per variant, ~8 minutes for the whole program with the JPEGs (160×120 px: cheap
 * to write, and to decode beside the forward pass).
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * OPENS=$(grep -o '&lt;spark.java17.opens&gt;.*&lt;/spark.java17.opens&gt;' pom.xml | sed 's/&lt;[^&gt;]*&gt;//g')
 * CP=benchmarks/target/benchmarks.jar:$(cat benchmarks/target/spark.classpath)
 * java -Xmx2g $OPENS -cp $CP org.transfer4j.benchmarks.SparkExtractOverhead                  # 2,000 and 20,000
 * java -Xmx2g $OPENS -cp $CP org.transfer4j.benchmarks.SparkExtractOverhead 40 64 20 vgg16    # a quick check
 * </pre>
 *
 * Arguments: {@code [sizes, comma-separated (2000,20000)] [input px (64)] [shard size (500)] [base (vgg16)]}.
 */
public final class SparkExtractOverhead {
    private static final String RESULT = "RESULT ";

    private SparkExtractOverhead() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(args[1], Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    args[6]);
            return;
        }
        int[] sizes = Arrays.stream((args.length > 0 ? args[0] : "2000,20000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int px = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int shard = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        String base = args.length > 3 ? args[3] : "vgg16";
        System.out.println("# " + Backend.describe());
        System.out.printf(Locale.ROOT, "# %s at %d px, random weights, batch 20, shards of %d; JPEGs 160x120%n", base,
                px, shard);
        Path root = Files.createTempDirectory("t4j-spark-overhead");
        List<String[]> rows = new ArrayList<>();
        try {
            for (int images : sizes) {
                Path data = root.resolve("images-" + images);
                long g = System.nanoTime();
                writeJpegs(data, images, 9);
                System.out.printf(Locale.ROOT, "# %d JPEGs written in %.1f s%n", images, (System.nanoTime() - g) / 1e9);
                Map<String, double[]> r = new LinkedHashMap<>();
                for (String mode : List.of("single", "spark")) {
                    r.put(mode, runChild(mode, data, root.resolve("cache-" + mode + "-" + images), px, shard, base));
                }
                double[] single = r.get("single");
                double[] spark = r.get("spark");
                rows.add(new String[] {String.format(Locale.ROOT, "%,d", images),
                        String.format(Locale.ROOT, "%.1f s (%.1f img/s)", single[0], images / single[0]),
                        String.format(Locale.ROOT, "%.1f s (%.1f img/s)", spark[0], images / spark[0]),
                        String.format(Locale.ROOT, "%.3f", spark[0] / single[0]),
                        String.format(Locale.ROOT, "%.1f s / %.1f s", single[1], spark[1]),
                        String.format(Locale.ROOT, "%.3f", spark[1] / single[1]),
                        String.format(Locale.ROOT, "%d MB", (long) single[2] >> 10),
                        String.format(Locale.ROOT, "%d MB", (long) spark[2] >> 10)});
                ExtractionBenchmark.delete(data);
            }
        } finally {
            ExtractionBenchmark.delete(root);
        }
        System.out.println();
        System.out.println("| images | single process: extraction | Spark local[2]: extraction (job) | ratio | "
                + "JVM start to exit, single / Spark | ratio | peak RSS single | peak RSS Spark (driver + executor) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String[] row : rows) {
            System.out.println("| " + String.join(" | ", row) + " |");
        }
    }

    /** Runs one variant in a child JVM; returns {extraction seconds, process seconds, peak RSS kB}. */
    private static double[] runChild(String mode, Path data, Path cache, int px, int shard, String base)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SparkExtractOverhead.class.getName());
        command.addAll(List.of("child", mode, data.toString(), cache.toString(), String.valueOf(px),
                String.valueOf(shard), base));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        double[] result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println(line);
                if (line.startsWith(RESULT)) {
                    String[] f = line.substring(RESULT.length()).trim().split(" ");
                    result = new double[] {Double.parseDouble(f[0]), 0, Double.parseDouble(f[1])};
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException(mode + " run over " + data + " failed (exit " + exit + ")");
        }
        result[1] = (System.nanoTime() - t0) / 1e9;
        return result;
    }

    /** One variant, in this JVM: prints {@code RESULT <extraction seconds> <VmHWM kB>}. */
    private static void child(String mode, Path data, Path cache, int px, int shard, String base) throws Exception {
        ExtractionSpec spec = ExtractionSpec.of(base, px, px).weights("random", 42).batchSize(20).shardSize(shard);
        int images;
        double seconds;
        long t0 = System.nanoTime();
        if (mode.equals("spark")) {
            SparkSession spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]")
                    .setAppName("transfer4j-overhead").set("spark.ui.enabled", "false")).getOrCreate();
            try {
                long t1 = System.nanoTime();
                images = SparkExtraction.of(spec).extract(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                        data.toString(), cache).extracted();
                seconds = (System.nanoTime() - t1) / 1e9;
            } finally {
                spark.stop();
            }
        } else if (mode.equals("single")) {
            ConvBase b = Bases.of(base, px, px, WeightsSource.random(42)); // the spec's: the base's preprocessing
            images = ShardedFeatureCache.at(cache).batchSize(spec.batchSize()).shardSize(shard).update(
                    ImageFolder.of(data), b, b.loadWeights(), spec.cutLayer(), ExtractionListener.none()).extracted();
            seconds = (System.nanoTime() - t0) / 1e9;
        } else {
            throw new IllegalArgumentException("mode " + mode + ": expected single or spark");
        }
        long hwm = ExtractionMemoryBenchmark.status("VmHWM");
        System.out.printf(Locale.ROOT, "%s: %d images in %.1f s (%.1f img/s), %.1f s with start-up; peak RSS %d MB%n",
                mode, images, seconds, images / seconds, (System.nanoTime() - t0) / 1e9, hwm >> 10);
        System.out.printf(Locale.ROOT, "%s%.3f %d%n", RESULT, seconds, hwm);
    }

    /** {@code count} JPEGs of 160×120 px in two classes, written on the common pool (deterministic per image). */
    static void writeJpegs(Path folder, int count, long seed) throws IOException {
        Files.createDirectories(folder.resolve("cats"));
        Files.createDirectories(folder.resolve("dogs"));
        IntStream.range(0, count).parallel().forEach(i -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
            int w = 160;
            int h = 120;
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int r0 = random.nextInt(256);
            int g0 = random.nextInt(256);
            int b0 = random.nextInt(256);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int n = random.nextInt(32);
                    img.setRGB(x, y, (((r0 + x + n) & 0xff) << 16) | (((g0 + y + n) & 0xff) << 8)
                            | ((b0 + (x + y) / 2 + n) & 0xff));
                }
            }
            String cls = i % 2 == 0 ? "cats" : "dogs";
            try {
                if (!ImageIO.write(img, "jpg", folder.resolve(cls).resolve(cls + "." + i + ".jpg").toFile())) {
                    throw new IllegalStateException("No JPEG writer in this JRE");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
