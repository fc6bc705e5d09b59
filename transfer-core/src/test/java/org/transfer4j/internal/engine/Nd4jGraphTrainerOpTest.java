package org.transfer4j.internal.engine;

import java.util.Set;

import org.transfer4j.internal.graph.Graph;

/** The op tests every {@link GraphTrainer} backend passes, on libnd4j's ops. */
class Nd4jGraphTrainerOpTest extends GraphTrainerOpTest {

    @Override
    protected GraphTrainer create(Graph g, String from, String to, Set<String> trainable,
            Set<String> gradientTensors) {
        return new Nd4jGraphTrainer(g, from, to, trainable, gradientTensors);
    }
}
