package org.transfer4j.benchmarks;

import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.transfer4j.TransferModel;
import org.transfer4j.TransferPipeline;
import org.transfer4j.features.ShardedFeatureCache;
import org.transfer4j.features.ShardedFeatures;
import org.transfer4j.testing.SyntheticShards;
import org.transfer4j.model.Vgg16;
import org.transfer4j.train.EpochReport;
import org.transfer4j.train.TrainingListener;

/**
 * Approach 1 streaming from a sharded set larger than the heap: {@code images} made-up VGG16 features (4 × 4 × 512 =
 * 8,192 floats each; 100,000 of them are 3.3 GB) in shards of 1,000, the book's head
 * ({@code dense(256).dropout(0.5).sigmoid()}, RMSprop) trained for {@code epochs} epochs with a 1 GB heap. Prints the
 * time per epoch, samples/s, the peak of the Java heap in use (sampled every 50 ms) and the process's peak resident set
 * ({@code VmHWM}). Goal: heap and RSS flat, independent of the set's size.
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar org.transfer4j.benchmarks.StreamingTrainingMemory DIR 100000 2
 * </pre>
 *
 * The set is written once into {@code DIR/<images>} and reused by later runs.
 */
public final class StreamingTrainingMemory {
    private StreamingTrainingMemory() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "streaming-bench");
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = root.resolve(Integer.toString(images));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        if (!ShardedFeatureCache.at(dir).manifest().isPresent()) {
            long t0 = System.nanoTime();
            SyntheticShards.write(dir, images, 1000, new int[] {4, 4, 512}, 0.05f, 1);
            System.out.printf(Locale.ROOT, "Wrote %,d rows (%.2f GB) in %.1f s%n", images, bytes(dir) / 1e9,
                    (System.nanoTime() - t0) / 1e9);
        }
        ShardedFeatures train = ShardedFeatureCache.at(dir).open();
        System.out.printf(Locale.ROOT, "Set: %,d rows × 8,192 floats in %d shards, %.2f GB on disk; max heap %d MB; "
                + "shuffle buffer %d rows%n", train.samples(), train.shards().size(), bytes(dir) / 1e9,
                Runtime.getRuntime().maxMemory() >> 20, train.shuffleBufferRows());
        peakHeap.set(0);
        TransferPipeline p = TransferPipeline.from(Vgg16.random(150, 150, 1))
                .head(dense(256).dropout(0.5).sigmoid()).optimizer(rmsprop(2e-5)).epochs(epochs).batchSize(20)
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochReport r) {
                        System.out.printf(Locale.ROOT, "%s | heap peak so far %d MB, RSS %d MB%n", r.line(),
                                peakHeap.get() >> 20, status("VmRSS") >> 10);
                    }
                });
        long t0 = System.nanoTime();
        try (TransferModel m = p.fit(train, null)) {
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "Trained %d epochs in %.1f s (%.0f samples/s); final loss %.4f acc %.4f%n",
                    epochs, s, train.samples() * (double) epochs / s, m.history().last("loss"),
                    m.history().last("acc"));
        }
        System.out.printf(Locale.ROOT, "Peak heap in use %d MB (max %d MB); peak RSS (VmHWM) %d MB%n",
                peakHeap.get() >> 20, Runtime.getRuntime().maxMemory() >> 20, status("VmHWM") >> 10);
        sampler.interrupt();
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** A {@code kB} field of {@code /proc/self/status}, or -1. */
    static long status(String field) {
        try {
            return ExtractionMemoryBenchmark.status(field);
        } catch (IOException e) {
            return -1;
        }
    }
}
