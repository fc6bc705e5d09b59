package org.transfer4j.internal.engine;

import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.internal.graph.Graph;

/** {@link GraphTrainer} on libnd4j ops. Being built: construction fails until it lands. */
final class Nd4jGraphTrainer implements GraphTrainer {

    Nd4jGraphTrainer(Graph graph, String from, String to, Set<String> trainable, Set<String> gradientTensors) {
        throw new UnsupportedOperationException("Training inside " + graph.name() + " is not available yet");
    }

    @Override
    public INDArray forward(INDArray x, Map<String, INDArray> params) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, INDArray> backward(INDArray dOut) {
        throw new UnsupportedOperationException();
    }

    @Override
    public INDArray activation(String tensor) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String description() {
        return "libnd4j";
    }

    @Override
    public void close() {
    }
}
