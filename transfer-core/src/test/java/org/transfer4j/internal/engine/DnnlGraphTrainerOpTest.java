package org.transfer4j.internal.engine;

import java.util.Set;

import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;

/** The op tests on the oneDNN backend, fp32. */
class DnnlGraphTrainerOpTest extends GraphTrainerOpTest {

    @Override
    protected GraphTrainer create(Graph g, String from, String to, Set<String> trainable,
            Set<String> gradientTensors) {
        return new DnnlGraphTrainer(g, from, to, trainable, gradientTensors, Precision.FP32);
    }
}
