package org.transfer4j.augment;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A multi-threaded batch augmenter that feeds training: it reads images from an {@link ImageSource}, applies the
 * {@link Augmentation}'s random transform and standardisation to each (as Keras's {@code ImageDataGenerator}
 * iterators do: {@code get_random_transform -> apply_transform -> standardize}) and yields NHWC {@link AugmentedBatch}es in
 * order, computing up to {@code prefetch} batches ahead on {@code threads} worker threads.
 *
 * <pre>{@code
 * try (Augmenter augmenter = Augmenter.builder(Augmentation.book().seed(7)).batchSize(32).build()) {
 *     for (int epoch = 0; epoch < 30; epoch++) {
 *         try (Augmenter.Epoch batches = augmenter.epoch(source, epoch)) {
 *             while (batches.hasNext()) { AugmentedBatch b = batches.next(); ... }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Reproducibility.</b> Image {@code i} of epoch {@code e} is transformed with parameters drawn from a generator
 * seeded by {@link Augmentation#imageSeed(long, long) imageSeed(e, i)} (i is the source index), and the optional
 * shuffle is a permutation seeded by (seed, e); so an epoch's batches are identical for any number of threads,
 * prefetch depth or timing. Unlike Keras, there is no shared random stream between workers.
 *
 * <p>Memory is bounded: at most {@code prefetch} batches are queued or in progress per open epoch, plus the ones the
 * caller holds. Each batch's array is freshly allocated and owned by the caller.
 *
 * <p>Thread safety: the augmenter may be shared; each {@link Epoch} must be consumed by one thread at a time.
 * {@link #close()} stops the workers; epochs in progress then fail with {@link IllegalStateException}.
 */
public final class Augmenter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Augmenter.class);
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Augmentation augmentation;
    private final int threads;
    private final int prefetch;
    private final int batchSize;
    private final boolean shuffle;
    private final ExecutorService pool;
    private volatile boolean closed;

    private Augmenter(Builder b) {
        this.augmentation = b.augmentation;
        this.threads = b.threads;
        this.prefetch = b.prefetch > 0 ? b.prefetch : 2 * b.threads;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        int poolId = POOL_NUMBER.incrementAndGet();
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "transfer4j-augment-" + poolId + "-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(threads, factory);
        LOG.debug("Augmenter started: {} threads, prefetch {} batches, batch size {}, shuffle {}, {}", threads,
                prefetch, batchSize, shuffle, augmentation);
    }

    /** A builder for an augmenter applying {@code augmentation}. */
    public static Builder builder(Augmentation augmentation) {
        return new Builder(augmentation);
    }

    /**
     * Starts computing the batches of epoch {@code epoch} over {@code source} and returns them in order.
     *
     * @throws IllegalStateException if the augmenter is closed, or featurewise standardisation is on without
     *                               fitted statistics
     * @throws IllegalArgumentException if {@code epoch} is negative
     */
    public Epoch epoch(ImageSource source, long epoch) {
        Objects.requireNonNull(source, "source");
        if (closed) {
            throw new IllegalStateException("Augmenter is closed");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0; got " + epoch);
        }
        if ((augmentation.featurewiseCenter() || augmentation.featurewiseStdNormalization())
                && augmentation.featurewiseStats() == null) {
            throw new IllegalStateException("featurewise_center / featurewise_std_normalization need statistics: "
                    + "call Augmentation.fit(sample) first");
        }
        return new Epoch(source, epoch);
    }

    /**
     * The batches of epoch {@code epoch} as a sequential, ordered stream; closing the stream cancels the remaining
     * work.
     *
     * @throws IllegalStateException if the augmenter is closed
     */
    public Stream<AugmentedBatch> stream(ImageSource source, long epoch) {
        Epoch it = epoch(source, epoch);
        return StreamSupport.stream(Spliterators.spliterator(it, it.batches,
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.SIZED), false).onClose(it::close);
    }

    /**
     * The order in which source indices are visited in {@code epoch}: 0..n-1, or with shuffling a permutation
     * seeded by (seed, epoch).
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public int[] order(int n, long epoch) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0; got " + n);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(Seeds.shuffle(augmentation.seed(), epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** The augmentation applied. */
    public Augmentation augmentation() {
        return augmentation;
    }

    /** Number of worker threads. */
    public int threads() {
        return threads;
    }

    /** Maximum number of batches computed ahead per epoch. */
    public int prefetch() {
        return prefetch;
    }

    /** Images per batch (the last batch of an epoch may be shorter). */
    public int batchSize() {
        return batchSize;
    }

    /** Stops the worker threads; running work is interrupted and open epochs fail on their next call. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Runnable queued : pool.shutdownNow()) {
                if (queued instanceof Future<?> f) {
                    f.cancel(false);   // wakes an epoch blocked on it
                }
            }
            LOG.debug("Augmenter closed");
        }
    }

    private AugmentedBatch computeBatch(ImageSource source, long epoch, int number, int[] indices) {
        float[] data = null;
        int h = 0;
        int w = 0;
        int c = 0;
        int size = 0;
        for (int i = 0; i < indices.length; i++) {
            int index = indices[i];
            HwcImage img;
            try {
                img = source.image(index);
            } catch (IOException | RuntimeException e) {
                throw new AugmentationException("Epoch " + epoch + ", batch " + number + ": cannot read image " + index
                        + ": " + e.getMessage(), e);
            }
            if (img == null) {
                throw new AugmentationException("Epoch " + epoch + ", batch " + number + ": the source returned null for "
                        + "image " + index, null);
            }
            if (i == 0) {
                h = img.height();
                w = img.width();
                c = img.channels();
                size = img.size();
                data = new float[Math.multiplyExact(indices.length, size)];
            } else if (img.height() != h || img.width() != w || img.channels() != c) {
                throw new AugmentationException("Epoch " + epoch + ", batch " + number + ": image " + index + " is "
                        + img.height() + "x" + img.width() + "x" + img.channels() + " but the batch is " + h + "x" + w
                        + "x" + c + "; resize images to one size before augmenting", null);
            }
            try {
                RandomTransform t = augmentation.randomTransform(h, w, epoch, index);
                augmentation.applyTransform(img, t, data, i * size);
                if (augmentation.standardizes()) {
                    augmentation.standardize(data, i * size, h, w, c);
                }
            } catch (RuntimeException e) {
                throw new AugmentationException("Epoch " + epoch + ", batch " + number + ": cannot augment image "
                        + index + ": " + e.getMessage(), e);
            }
        }
        return new AugmentedBatch(epoch, number, indices, h, w, c, data);
    }

    /**
     * The batches of one epoch, in order, computed ahead by the augmenter's workers. Closing it cancels the work not
     * yet consumed. Use from one thread at a time.
     */
    public final class Epoch implements Iterator<AugmentedBatch>, AutoCloseable {

        private final ImageSource source;
        private final long epoch;
        private final int[] order;
        private final int batches;
        private final ArrayDeque<Future<AugmentedBatch>> pending = new ArrayDeque<>();
        private int submitted;
        private int delivered;
        private boolean epochClosed;

        private Epoch(ImageSource source, long epoch) {
            this.source = source;
            this.epoch = epoch;
            int n = source.size();
            this.order = order(n, epoch);
            this.batches = (n + batchSize - 1) / batchSize;
            LOG.debug("Epoch {}: {} images in {} batches", epoch, n, batches);
            fill();
        }

        /** Number of batches in this epoch. */
        public int batches() {
            return batches;
        }

        @Override
        public boolean hasNext() {
            return !epochClosed && delivered < batches;
        }

        /**
         * The next batch, waiting for it if needed.
         *
         * @throws NoSuchElementException if all batches were delivered or the epoch was closed
         * @throws IllegalStateException if the augmenter was closed
         * @throws AugmentationException if a worker failed on this batch
         */
        @Override
        public AugmentedBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has " + batches + " batches; all delivered or closed");
            }
            if (closed) {
                throw new IllegalStateException("Augmenter is closed");
            }
            Future<AugmentedBatch> f = pending.poll();
            try {
                AugmentedBatch b = f.get();
                delivered++;
                fill();
                return b;
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                if (cause instanceof AugmentationException ae) {
                    throw ae;
                }
                throw new AugmentationException("Epoch " + epoch + ", batch " + delivered + " failed: " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new AugmentationException("Interrupted while waiting for batch " + delivered + " of epoch " + epoch, e);
            } catch (CancellationException e) {
                throw new IllegalStateException("Augmenter was closed while batch " + delivered + " of epoch " + epoch
                        + " was pending", e);
            }
        }

        /** Cancels the batches not yet delivered. */
        @Override
        public void close() {
            epochClosed = true;
            for (Future<AugmentedBatch> f : pending) {
                f.cancel(true);
            }
            pending.clear();
        }

        private void fill() {
            while (!epochClosed && submitted < batches && submitted - delivered < prefetch) {
                int number = submitted++;
                int from = number * batchSize;
                int to = Math.min(order.length, from + batchSize);
                int[] indices = Arrays.copyOfRange(order, from, to);
                try {
                    pending.add(pool.submit(() -> computeBatch(source, epoch, number, indices)));
                } catch (RejectedExecutionException e) {
                    throw new IllegalStateException("Augmenter is closed", e);
                }
            }
        }
    }

    /** Builds an {@link Augmenter}. Not thread-safe. */
    public static final class Builder {
        private final Augmentation augmentation;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int prefetch;
        private int batchSize = 32;
        private boolean shuffle;

        private Builder(Augmentation augmentation) {
            this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
        }

        /**
         * Worker threads (default: available processors).
         *
         * @throws IllegalArgumentException unless {@code 1 <= n <= 1024}
         */
        public Builder threads(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("threads must be in [1, 1024]; got " + n);
            }
            threads = n;
            return this;
        }

        /**
         * Batches computed ahead per epoch (default: 2 × threads).
         *
         * @throws IllegalArgumentException unless {@code 1 <= n <= 1024}
         */
        public Builder prefetch(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("prefetch must be in [1, 1024] batches; got " + n);
            }
            prefetch = n;
            return this;
        }

        /**
         * Images per batch (default 32, as Keras).
         *
         * @throws IllegalArgumentException unless {@code batchSize >= 1}
         */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batch_size must be >= 1; got " + n);
            }
            batchSize = n;
            return this;
        }

        /**
         * Visit the source in a seeded random order each epoch (Keras's iterators default to shuffling; this
         * default is off so that batches follow the source order unless asked).
         */
        public Builder shuffle(boolean enabled) {
            shuffle = enabled;
            return this;
        }

        /** Starts the worker threads. Close the result. */
        public Augmenter build() {
            return new Augmenter(this);
        }
    }
}
