package org.transfer4j.internal.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * Runs a frozen layer graph (ResNet50, MobileNetV2, any {@link Graph}) up to a cut tensor on libnd4j's ops, fp32, for
 * inference: the libnd4j backend's counterpart of {@link DnnlGraph}, what CUDA and {@code -Dtransfer4j.engine=nd4j}
 * run for a base that is not a VGG-style chain.
 *
 * <p>It is {@link Nd4jGraphTrainer}'s forward pass with nothing to train: node by node from the specs, no folding or
 * fusion (BatchNormalization as its own per-channel scale and shift), each tensor dropped after its last reader. So it
 * computes what the reference computes, in fp32, at the cost of one fresh array per layer and pass (ND4J-managed, freed
 * by the garbage collector): correctness first, which is this backend's role.
 *
 * <p>Not thread-safe.
 */
public final class Nd4jGraph implements PrefixEngine {
    private final Nd4jGraphTrainer forward;
    private final Map<String, INDArray> params = new HashMap<>();

    /**
     * @param graph   the base's graph
     * @param cut     the layer whose output is returned
     * @param weights the base's weights: every weighted layer up to the cut (copied here)
     * @throws IllegalArgumentException for an unknown cut (listing the layers) or a layer kind the engine cannot run
     */
    public Nd4jGraph(Graph graph, String cut, Weights weights) {
        graph.node(cut); // fails naming the cut and listing the layers
        this.forward = new Nd4jGraphTrainer(graph, Graph.INPUT, cut, Set.of(), Set.of());
        for (Graph.Node n : graph.ancestorsOf(cut)) {
            Map<String, int[]> shapes = graph.weightShapes(n);
            if (shapes.isEmpty()) {
                continue;
            }
            LayerWeights w = weights.layer(n.name());
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                long[] shape = new long[e.getValue().length];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.getValue()[i];
                }
                params.put(n.name() + "_" + e.getKey(), Nd4j.create(w.values(e.getKey()), shape, 'c'));
            }
        }
    }

    /**
     * The cut tensor for an NHWC fp32 batch {@code [n, h, w, c]} of the graph's input shape.
     *
     * @return a new array {@code [n, h', w', c']} the caller owns
     * @throws IllegalArgumentException for an input of another shape or type
     */
    @Override
    public INDArray forward(INDArray nhwc) {
        INDArray out = forward.forward(nhwc, params); // a fresh array: the cut is a layer, never the input
        forward.release();
        return out;
    }

    /** Nothing is kept between passes. */
    @Override
    public void releaseBuffers() {
        forward.release();
    }

    @Override
    public String description() {
        return "libnd4j ops fp32 (graph)";
    }
}
