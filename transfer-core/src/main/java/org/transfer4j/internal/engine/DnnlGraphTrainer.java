package org.transfer4j.internal.engine;

import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;

/** {@link GraphTrainer} on oneDNN primitives. Being built: construction fails until it lands. */
final class DnnlGraphTrainer implements GraphTrainer {

    DnnlGraphTrainer(Graph graph, String from, String to, Set<String> trainable, Set<String> gradientTensors,
            Precision precision) {
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
        return "oneDNN";
    }

    @Override
    public void close() {
    }
}
