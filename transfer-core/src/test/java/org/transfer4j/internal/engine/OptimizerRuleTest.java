package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.transfer4j.Heads.sigmoid;
import static org.transfer4j.Optimizers.rmsprop;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Two RMSprop steps follow Keras's rule exactly: v = rho v + (1 - rho) g², w -= lr g / (sqrt(v) + eps). */
class OptimizerRuleTest {

    @Test
    void rmsprop_steps_follow_kerases_rule() {
        SuffixNet net = new SuffixNet(new int[] {1, 1, 3}, List.of(), null, sigmoid(), 7);
        INDArray x = Nd4j.create(new float[] {1f, -2f, 0.5f, 0.3f, 0.1f, -1f}, new long[] {2, 1, 1, 3}, 'c');
        INDArray y = Nd4j.create(new float[] {1f, 0f}, new long[] {2, 1}, 'c');
        INDArray w = Nd4j.ones(2);
        double lr = 0.01;
        double rho = 0.9;
        double eps = 1e-7;
        float[] weights = net.variableValues().get("dense_1_W").dup().data().asFloat();
        double[] v = new double[weights.length];
        double[] expected = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            expected[i] = weights[i];
        }
        for (int step = 0; step < 2; step++) {
            float[] g = net.gradients(x, y, w).get("dense_1_W").dup().data().asFloat();
            for (int i = 0; i < g.length; i++) {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
                expected[i] -= lr * g[i] / (Math.sqrt(v[i]) + eps);
            }
            net.trainStep(x, y, w, new SplittableRandom(1), rmsprop(lr), Map.of());
        }
        float[] actual = net.variableValues().get("dense_1_W").dup().data().asFloat();
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-6));
        }
    }
}
