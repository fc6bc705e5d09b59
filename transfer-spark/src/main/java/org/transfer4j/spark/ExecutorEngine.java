package org.transfer4j.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.Precision;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/**
 * The conv base of one executor JVM: built, with its weights loaded, by the first task that needs it and kept for
 * every later task and job of the same spec, so weights are read once per executor, not per task or image. Tasks
 * running at once in the JVM share it: decoding runs in each task's own threads, the forward passes take turns (each
 * one already uses every core through ND4J), so one task decodes while another runs the base. The engine computes in
 * the spec's precision; an executor whose CPU cannot run {@code BF16} fails its task saying so.
 *
 * <p>Thread-safe.
 */
final class ExecutorEngine {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngine.class);
    private static final Object LOCK = new Object();
    private static final AtomicInteger BUILDS = new AtomicInteger();
    private static String currentKey;
    private static ExecutorEngine current;
    /** How this JVM resolves a precision ({@link Precision#resolve()}; tests stand in for a CPU without bf16). */
    static volatile UnaryOperator<Precision> resolver = Precision::resolve;

    private final ExtractionSpec spec;
    private final FeatureExtractor extractor;
    private final ImageDecoder decoder;

    private ExecutorEngine(ExtractionSpec spec, ConvBase base, Weights weights) {
        this.spec = spec;
        this.extractor = base.extractor(weights, spec.cutLayer(), spec.precision());
        this.decoder = ImageDecoder.create().colorMode(ColorMode.RGB).targetSize(spec.height(), spec.width())
                .interpolation(spec.interpolation());
    }

    /**
     * This JVM's engine for {@code spec}, built on first use.
     *
     * @param weightsFile  the executor's local copy of the shipped weights file, or null for random weights
     * @param checksum     the driver's weights checksum; a different file is refused
     * @throws IllegalStateException if the weights here differ from the driver's, or if this executor's CPU cannot
     *                               run the spec's precision (bf16)
     */
    static ExecutorEngine get(ExtractionSpec spec, Path weightsFile, String checksum) throws WeightsException {
        // what the engine and decoder depend on; batch and shard sizes and the bad-image policy do not matter
        String key = spec.base() + " " + spec.height() + "x" + spec.width() + " " + spec.weights() + " "
                + spec.seed() + " " + spec.preprocessing() + " " + spec.cutLayer() + " " + spec.interpolation() + " "
                + spec.precision().cliName() + "@" + checksum;
        synchronized (LOCK) {
            if (!key.equals(currentKey)) {
                checkPrecision(spec.precision());
                ConvBase base = spec.base(weightsFile);
                Weights weights = base.loadWeights();
                if (!weights.checksum().equals(checksum)) {
                    throw new IllegalStateException("The executor's weights " + (weightsFile == null ? spec.weights() : weightsFile)
                            + " have checksum " + weights.checksum() + "; the driver's have " + checksum);
                }
                current = new ExecutorEngine(spec, base, weights);
                currentKey = key;
                int n = BUILDS.incrementAndGet();
                LOG.info("Executor engine #{} for {} (weights {}) built", n, spec, checksum);
            }
            return current;
        }
    }

    /**
     * Fails if this JVM cannot run {@code precision}: the spec was made on the driver (which resolved {@code AUTO} on
     * its own CPU), and a cluster's executors may be other CPUs.
     */
    static void checkPrecision(Precision precision) {
        try {
            resolver.apply(precision);
        } catch (IllegalStateException e) {
            // the single-machine advice (use FP32 or AUTO) does not fit here: AUTO was resolved on the driver
            String why = e.getMessage().replace("; use FP32 or AUTO", "");
            throw new IllegalStateException("The executor on " + host() + " cannot extract in "
                    + precision.cliName() + ": " + why + ". The driver chose " + precision.cliName()
                    + " (--precision " + precision.cliName() + ", or auto resolved on the driver's CPU), and a "
                    + "cluster's executors may be other CPUs than the driver's: extract with --precision fp32, or on "
                    + "executors whose CPUs have AVX512-BF16 or AMX", e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "an unknown host (" + e.getMessage() + ")";
        }
    }

    /** Engines built in this JVM so far (one per spec, normally one). */
    static int builds() {
        return BUILDS.get();
    }

    /** Features of decoded images; forward passes of concurrent tasks take turns. */
    float[] features(List<HwcImage> images) {
        synchronized (this) {
            return extractor.extract(images);
        }
    }

    /**
     * Decodes an input: a local path directly, any other Hadoop URI through a local copy.
     *
     * @param conf the job's Hadoop configuration (the driver's, with its {@code spark.hadoop.*} settings)
     */
    HwcImage decode(ShardedFeatureCache.Input input, Configuration conf) throws BadImageException, IOException {
        String location = input.location();
        URI uri = SparkExtraction.uri(location);
        if (uri.getScheme() == null || uri.getScheme().equals("file")) {
            return decoder.decode(uri.getScheme() == null ? Path.of(location) : Path.of(uri));
        }
        Path local = Files.createTempFile("transfer4j-image-", ".tmp");
        try {
            FileSystem fs = FileSystem.get(uri, conf);
            fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(uri), new org.apache.hadoop.fs.Path(local.toUri()),
                    true);
            return decoder.decode(local);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    @Override
    public String toString() {
        return "ExecutorEngine[" + spec + "]";
    }
}
