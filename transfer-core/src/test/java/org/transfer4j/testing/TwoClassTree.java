package org.transfer4j.testing;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A book-shaped tree (train / validation / test, each with two class folders) of small PNGs whose classes differ in
 * colour and texture but are noisy: separable by a trained head on conv features, not by chance.
 */
public final class TwoClassTree {
    private TwoClassTree() {
    }

    /** Writes {@code root/{train,validation,test}/{reds,blues}/*.png} with the given counts per class. */
    public static Path write(Path root, int size, int train, int validation, int test, long seed) {
        TestImages.Tree tree = TestImages.tree(root);
        SplittableRandom random = new SplittableRandom(seed);
        String[] splits = {"train", "validation", "test"};
        int[] counts = {train, validation, test};
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < counts[s]; i++) {
                tree.file(splits[s] + "/reds/red." + i + ".png", TestImages.png(image(size, true, random.split())));
                tree.file(splits[s] + "/blues/blue." + i + ".png", TestImages.png(image(size, false, random.split())));
            }
        }
        return tree.write();
    }

    /** A noisy image leaning red (with horizontal stripes) or blue (with vertical stripes). */
    public static TestImages.Pixels image(int size, boolean red, SplittableRandom random) {
        byte[] d = new byte[size * size * 3];
        int period = 3 + random.nextInt(4);
        for (int r = 0; r < size; r++) {
            for (int c = 0; c < size; c++) {
                boolean stripe = ((red ? r : c) / period) % 2 == 0;
                int base = stripe ? 150 : 90;
                int strong = clamp(base + 50 + random.nextInt(-60, 61));
                int weak = clamp(base - 30 + random.nextInt(-60, 61));
                int green = clamp(base - 10 + random.nextInt(-60, 61));
                int i = (r * size + c) * 3;
                d[i] = (byte) (red ? strong : weak);
                d[i + 1] = (byte) green;
                d[i + 2] = (byte) (red ? weak : strong);
            }
        }
        return new TestImages.Pixels(size, size, 3, d);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
