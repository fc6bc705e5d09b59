package org.transfer4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.internal.image.RawImage;

/**
 * The batches of an {@link ImageFolder}, Keras's {@code DirectoryIterator}: {@link #batchesPerEpoch()} =
 * {@code len(iterator)}; batch {@code i} of an epoch holds the images at positions
 * {@code [i * batchSize, min((i + 1) * batchSize, samples))} of that epoch's {@link #indexArray(int)}, decoded by
 * {@link ImageFolder#decoder()}, with labels per {@link ImageFolder#classMode()}.
 *
 * <p>Without shuffle the index array is 0..samples-1 every epoch (Keras's order); with shuffle it is a permutation
 * drawn by {@link SplittableRandom} seeded from (seed, epoch) only, so any batch of any epoch can be produced
 * independently and repeatably (it is not NumPy's permutation).
 *
 * <p>Thread-safe: {@link #batch(int, int)} may be called from several threads at once (e.g. to decode ahead); the
 * skip report is shared. Each bad file is decoded, logged and reported once; later epochs leave it out without
 * reading it again.
 */
public final class ImageFolderBatches {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderBatches.class);

    private final ImageFolder spec;
    private final FolderListing listing;
    private final ImageDecoder decoder;
    private final ConcurrentHashMap<Integer, SkippedImage> skippedByIndex = new ConcurrentHashMap<>();
    private final List<SkippedImage> skippedInOrder = Collections.synchronizedList(new ArrayList<>());

    /**
     * Batches of {@code listing} under {@code spec}'s settings.
     *
     * @throws IllegalArgumentException if the listing has no images
     */
    public ImageFolderBatches(ImageFolder spec, FolderListing listing) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.listing = Objects.requireNonNull(listing, "listing");
        if (listing.samples() == 0) {
            throw new IllegalArgumentException("listing of " + listing.directory() + " has no images");
        }
        this.decoder = spec.decoder();
    }

    public ImageFolder spec() {
        return spec;
    }

    public FolderListing listing() {
        return listing;
    }

    /** {@code ceil(samples / batchSize)}, Keras's {@code len(iterator)}. */
    public int batchesPerEpoch() {
        return (listing.samples() + spec.batchSize() - 1) / spec.batchSize();
    }

    /**
     * The order of the images in {@code epoch}: identity without shuffle, else a permutation depending only on
     * (seed, epoch).
     *
     * @throws IllegalArgumentException if {@code epoch} is negative
     */
    public int[] indexArray(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0; got " + epoch);
        }
        int n = listing.samples();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (spec.shuffle()) {
            SplittableRandom rnd = new SplittableRandom(mix64(spec.seed()) ^ mix64(0x632BE59BD9B4E019L + epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    private static long mix64(long z) { // Stafford variant 13, as SplittableRandom
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Decodes batch {@code index} of {@code epoch}.
     *
     * @throws BadImageException         under {@link BadImagePolicy#FAIL}, for the first bad file of the batch
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, batchesPerEpoch())}
     * @throws IllegalArgumentException  if {@code epoch} is negative
     */
    public ImageBatch batch(int epoch, int index) throws BadImageException {
        Objects.checkIndex(index, batchesPerEpoch());
        int[] order = indexArray(epoch);
        int from = index * spec.batchSize();
        int to = Math.min(from + spec.batchSize(), order.length);
        int h = spec.targetHeight();
        int w = spec.targetWidth();
        int c = spec.colorMode().channels();
        int per = h * w * c;
        int numClasses = listing.numClasses();
        int labelWidth = switch (spec.classMode()) {
            case BINARY, SPARSE -> 1;
            case CATEGORICAL -> numClasses;
            case INPUT -> per;
            case NONE -> 0;
        };
        float[] x = new float[(to - from) * per];
        float[] y = new float[(to - from) * labelWidth];
        List<String> names = new ArrayList<>(to - from);
        int[] kept = new int[to - from];
        int k = 0;
        for (int pos = from; pos < to; pos++) {
            int i = order[pos];
            if (skippedByIndex.containsKey(i)) {
                continue;
            }
            ImageEntry e = listing.entries().get(i);
            RawImage img;
            try {
                img = decoder.decodeRaw(e.path());
            } catch (BadImageException ex) {
                if (spec.onBadImage() == BadImagePolicy.FAIL) {
                    throw ex;
                }
                SkippedImage s = SkippedImage.of(e.filename(), ex);
                if (skippedByIndex.putIfAbsent(i, s) == null) {
                    skippedInOrder.add(s);
                    LOG.warn("Skipping {}", ex.getMessage());
                }
                continue;
            }
            byte[] px = img.data();
            int base = k * per;
            for (int j = 0; j < per; j++) {
                x[base + j] = px[j] & 0xFF;
            }
            switch (spec.classMode()) {
                case BINARY, SPARSE -> y[k] = e.classIndex();
                case CATEGORICAL -> y[k * numClasses + e.classIndex()] = 1f;
                case INPUT -> System.arraycopy(x, base, y, base, per);
                case NONE -> { }
            }
            names.add(e.filename());
            kept[k] = i;
            k++;
        }
        if (k < to - from) {
            x = Arrays.copyOf(x, k * per);
            y = Arrays.copyOf(y, k * labelWidth);
            kept = Arrays.copyOf(kept, k);
        }
        return new ImageBatch(epoch, index, k, h, w, c, x, labelWidth, y, names, kept);
    }

    /**
     * The batches of {@code epoch}, decoded lazily in order. The iterator throws {@link UncheckedBadImageException}
     * (wrapping the {@link BadImageException}) under {@link BadImagePolicy#FAIL}.
     *
     * @throws IllegalArgumentException if {@code epoch} is negative
     */
    public Iterable<ImageBatch> epoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0; got " + epoch);
        }
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batchesPerEpoch();
            }

            @Override
            public ImageBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("epoch " + epoch + " has " + batchesPerEpoch() + " batches");
                }
                try {
                    return batch(epoch, next++);
                } catch (BadImageException e) {
                    throw new UncheckedBadImageException(e);
                }
            }
        };
    }

    /** Files left out so far: those skipped while listing, then those that failed to decode, each once. */
    public BadImageReport report() {
        List<SkippedImage> all = new ArrayList<>(listing.skipped().skipped());
        synchronized (skippedInOrder) {
            all.addAll(skippedInOrder);
        }
        return new BadImageReport(all);
    }

    @Override
    public String toString() {
        return "ImageFolderBatches[" + listing.message() + " " + batchesPerEpoch() + " batches of " + spec.batchSize()
                + "]";
    }
}
