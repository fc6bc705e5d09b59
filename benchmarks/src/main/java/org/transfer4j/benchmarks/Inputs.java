package org.transfer4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.HwcImage;

/** Seeded random inputs shared by the benchmarks (the one place benchmark data is generated). */
final class Inputs {
    private Inputs() {
    }

    /** {@code [n, size, size, 3]} NHWC values in the range of Caffe-preprocessed pixels. */
    static INDArray randomBatch(int n, int size, long seed) {
        float[] pixels = new float[n * size * size * 3];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (random.nextDouble() * 255 - 120);
        }
        return Nd4j.create(pixels, new long[] {n, size, size, 3}, 'c');
    }

    /** {@code n} RGB images of {@code size}×{@code size} with integer values 0..255. */
    static List<HwcImage> randomImages(int n, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<HwcImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] px = new float[size * size * 3];
            for (int j = 0; j < px.length; j++) {
                px[j] = random.nextInt(256);
            }
            images.add(new HwcImage(size, size, 3, px));
        }
        return images;
    }

    /** Class indices 0/1, about half each. */
    static int[] randomClasses(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            classes[i] = random.nextInt(2);
        }
        return classes;
    }

    /** {@code [n, 1]} binary targets. */
    static INDArray randomBinaryTargets(int n, long seed) {
        int[] classes = randomClasses(n, seed);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = classes[i];
        }
        return Nd4j.create(y, new long[] {n, 1}, 'c');
    }

    /** {@code n} feature rows of {@code length} non-negative values (post-ReLU-like). */
    static float[] randomFeatures(int n, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] f = new float[n * length];
        for (int i = 0; i < f.length; i++) {
            f[i] = random.nextDouble() < 0.5 ? 0f : (float) (random.nextDouble() * 4);
        }
        return f;
    }
}
