package org.transfer4j.internal.weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/**
 * Random weights, well scaled for every kind of layer: He-normal kernels ({@code N(0, 2 / fan_in)}, fan_in =
 * {@code kh * kw * in} for a convolution, {@code kh * kw} for a depthwise one), zero biases, and BatchNormalization as
 * the identity ({@code gamma = 1}, {@code beta = 0}, {@code moving_mean = 0}, {@code moving_variance = 1}).
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** Random weights for every layer with weights; layer {@code i} draws from its own stream of {@code seed}. */
    public static Weights heNormal(String model, List<Layer> layers, long seed) throws WeightsException {
        Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
        SplittableRandom root = new SplittableRandom(seed);
        for (Layer layer : layers) {
            SplittableRandom random = root.split();
            if (!layer.hasWeights()) {
                continue;
            }
            LayerWeights.Builder b = LayerWeights.builder();
            for (Layer.Weight w : layer.weights()) {
                int[] s = w.shape();
                long[] shape = Arrays.stream(s).asLongStream().toArray();
                float[] v = new float[Math.toIntExact(w.size())];
                switch (w.name()) {
                    case "kernel", "depthwise_kernel" -> {
                        int fanIn = w.name().equals("kernel") ? s[0] * s[1] * s[2] : s[0] * s[1];
                        if (s.length == 2) {
                            fanIn = s[0];
                        }
                        double std = Math.sqrt(2.0 / fanIn);
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) (random.nextGaussian() * std);
                        }
                    }
                    case "gamma", "moving_variance" -> Arrays.fill(v, 1f);
                    default -> {
                        // bias, beta, moving_mean: zero
                    }
                }
                b.put(w.name(), shape, v);
            }
            byLayer.put(layer.name(), b.build());
        }
        return Weights.of(layers, byLayer, "random:he-normal:seed=" + seed, model + " random weights (seed " + seed + ")");
    }
}
