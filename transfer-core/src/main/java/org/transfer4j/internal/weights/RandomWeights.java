package org.transfer4j.internal.weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/** He-normal random weights: kernel ~ N(0, 2 / fan_in), fan_in = kh * kw * in; zero biases. */
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
            long[] shape = layer.kernelShape();
            int fanIn = (int) (shape[0] * shape[1] * shape[2]);
            double std = Math.sqrt(2.0 / fanIn);
            float[] kernel = new float[(int) (fanIn * shape[3])];
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] = (float) (random.nextGaussian() * std);
            }
            byLayer.put(layer.name(), new LayerWeights(kernel, shape, new float[(int) shape[3]]));
        }
        return Weights.of(layers, byLayer, "random:he-normal:seed=" + seed, model + " random weights (seed " + seed + ")");
    }
}
