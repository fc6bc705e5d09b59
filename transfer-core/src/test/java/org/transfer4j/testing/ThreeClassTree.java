package org.transfer4j.testing;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A book-shaped tree (train / validation / test) of three classes of small noisy PNGs — {@code blues} (vertical
 * stripes), {@code greens} (checks) and {@code reds} (horizontal stripes) — separable by a head trained on conv
 * features, not by chance (1/3). Per-class counts may differ, for imbalanced folders.
 */
public final class ThreeClassTree {
    /** Class folder names, in Keras's (alphabetical) index order. */
    public static final String[] CLASSES = {"blues", "greens", "reds"};

    private ThreeClassTree() {
    }

    /**
     * Writes {@code root/{train,validation,test}/{blues,greens,reds}/*.png}.
     *
     * @param train training images per class, in {@link #CLASSES} order
     */
    public static Path write(Path root, int size, int[] train, int validation, int test, long seed) {
        TestImages.Tree tree = TestImages.tree(root);
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < 3; c++) {
            int[] counts = {train[c], validation, test};
            String[] splits = {"train", "validation", "test"};
            for (int s = 0; s < 3; s++) {
                for (int i = 0; i < counts[s]; i++) {
                    tree.file(splits[s] + "/" + CLASSES[c] + "/" + CLASSES[c] + "." + i + ".png",
                            TestImages.png(image(size, c, random.split())));
                }
            }
        }
        return tree.write();
    }

    /** Same counts for every class. */
    public static Path write(Path root, int size, int train, int validation, int test, long seed) {
        return write(root, size, new int[] {train, train, train}, validation, test, seed);
    }

    /** A noisy image leaning blue (vertical stripes, class 0), green (checks, 1) or red (horizontal stripes, 2). */
    public static TestImages.Pixels image(int size, int cls, SplittableRandom random) {
        byte[] d = new byte[size * size * 3];
        int period = 3 + random.nextInt(4);
        for (int r = 0; r < size; r++) {
            for (int c = 0; c < size; c++) {
                boolean stripe = switch (cls) {
                    case 0 -> (c / period) % 2 == 0;
                    case 1 -> ((r / period) + (c / period)) % 2 == 0;
                    default -> (r / period) % 2 == 0;
                };
                int base = stripe ? 150 : 90;
                int[] rgb = new int[3];
                for (int ch = 0; ch < 3; ch++) {
                    int lean = ch == 2 - cls ? 50 : -30;
                    rgb[ch] = clamp(base + lean + random.nextInt(-60, 61));
                }
                int i = (r * size + c) * 3;
                d[i] = (byte) rgb[0];
                d[i + 1] = (byte) rgb[1];
                d[i + 2] = (byte) rgb[2];
            }
        }
        return new TestImages.Pixels(size, size, 3, d);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
