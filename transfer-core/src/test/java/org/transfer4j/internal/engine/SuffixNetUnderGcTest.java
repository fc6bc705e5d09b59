package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Heads;
import org.transfer4j.Optimizers;

/**
 * Training steps give the same weights while another thread keeps the garbage collector running: the gradient
 * buffers the updates read view native memory whose arrays must stay reachable until the updates are done (a
 * collection in between freed it under them).
 */
class SuffixNetUnderGcTest {

    @Test
    void steps_under_constant_garbage_collection_equal_steps_without() throws Exception {
        INDArray x = SuffixNetGradientTest.input(4, 5);
        INDArray y = Nd4j.create(new float[] {1, 0, 0, 1}, new long[] {4, 1}, 'c');
        float[] w = {1, 1, 1, 1};
        Map<String, INDArray> quiet = train(x, y, w, false);
        Map<String, INDArray> underGc = train(x, y, w, true);
        for (String v : quiet.keySet()) {
            assertThat(underGc.get(v).data().asFloat()).as(v).isEqualTo(quiet.get(v).data().asFloat());
        }
    }

    static Map<String, INDArray> train(INDArray x, INDArray y, float[] w, boolean gcPressure) throws Exception {
        SuffixNet net = SuffixNetGradientTest.net(Heads.dense(7).sigmoid(), 3);
        AtomicBoolean run = new AtomicBoolean(gcPressure);
        Thread gc = new Thread(() -> {
            while (run.get()) {
                System.gc();
            }
        });
        gc.start();
        try {
            SplittableRandom dropout = new SplittableRandom(1);
            for (int step = 0; step < 300; step++) {
                // garbage with native memory, so that collections have something to free
                Nd4j.createUninitialized(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1 << 16);
                net.trainStep(x, y, w, dropout, Optimizers.rmsprop(1e-3), Map.of());
            }
        } finally {
            run.set(false);
            gc.join();
        }
        return net.variableValues();
    }
}
