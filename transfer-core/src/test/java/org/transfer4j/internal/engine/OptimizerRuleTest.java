package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.transfer4j.Heads.sigmoid;
import static org.transfer4j.Optimizers.adam;
import static org.transfer4j.Optimizers.rmsprop;
import static org.transfer4j.Optimizers.sgd;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Optimizer;

/**
 * Optimizer steps follow Keras's rules, computed here independently in double precision: RMSprop
 * {@code v = rho v + (1 - rho) g², w -= lr g / (sqrt(v) + eps)}, Adam with its bias-corrected step size, SGD with and
 * without momentum. Also the fused update on variables long enough to be split across threads.
 */
class OptimizerRuleTest {
    static final double LR = 0.01;

    @Test
    void rmsprop_steps_follow_kerases_rule() {
        Optimizer.RmsProp o = (Optimizer.RmsProp) rmsprop(LR);
        checkThreeSteps(o, (g, state, t) -> {
            state[0] = o.rho() * state[0] + (1 - o.rho()) * g * g;
            return LR * g / (Math.sqrt(state[0]) + o.epsilon());
        });
    }

    @Test
    void adam_steps_follow_kerases_bias_corrected_rule() {
        Optimizer.Adam o = (Optimizer.Adam) adam(LR);
        checkThreeSteps(o, (g, state, t) -> {
            state[0] = o.beta1() * state[0] + (1 - o.beta1()) * g;
            state[1] = o.beta2() * state[1] + (1 - o.beta2()) * g * g;
            double alpha = LR * Math.sqrt(1 - Math.pow(o.beta2(), t)) / (1 - Math.pow(o.beta1(), t));
            return alpha * state[0] / (Math.sqrt(state[1]) + o.epsilon());
        });
    }

    @Test
    void sgd_with_momentum_follows_kerases_rule() {
        checkThreeSteps(sgd(LR, 0.9), (g, state, t) -> {
            state[0] = 0.9 * state[0] - LR * g;
            return -state[0];
        });
    }

    @Test
    void plain_sgd_follows_kerases_rule() {
        checkThreeSteps(sgd(LR), (g, state, t) -> LR * g);
    }

    @Test
    void fused_updates_of_long_variables_split_across_threads_equal_the_sequential_rule() {
        int n = FusedUpdates.PARALLEL_MIN * 2 + 12_345; // two halves and a partial last chunk
        SplittableRandom r = new SplittableRandom(5);
        float[] g = new float[n];
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * 1e-3);
            p[i] = (float) r.nextGaussian();
        }
        float[] expectedP = p.clone();
        float[] expectedV = new float[n];
        float[] v = new float[n];
        for (int step = 0; step < 2; step++) {
            for (int i = 0; i < n; i++) {
                expectedV[i] = 0.9f * expectedV[i] + (1f - 0.9f) * g[i] * g[i];
                expectedP[i] -= 1e-3f * g[i] / ((float) Math.sqrt(expectedV[i]) + 1e-7f);
            }
            FusedUpdates.rmsProp(FloatBuffer.wrap(p), FloatBuffer.wrap(g), v, 1e-3f, 0.9f, 1e-7f);
        }
        assertThat(v).isEqualTo(expectedV);
        assertThat(p).isEqualTo(expectedP);
        assertThat(p).isNotEqualTo(g); // the update did something
    }

    /** One step of a rule on one weight: updates {@code state}, returns the amount subtracted from the weight. */
    interface Rule {
        double step(double gradient, double[] state, int t);
    }

    /** Three training steps of a logistic-regression head against the rule applied to its own gradients. */
    static void checkThreeSteps(Optimizer optimizer, Rule rule) {
        SuffixNet net = new SuffixNet(new int[] {1, 1, 3}, List.of(), null, sigmoid(), 7);
        INDArray x = Nd4j.create(new float[] {1f, -2f, 0.5f, 0.3f, 0.1f, -1f}, new long[] {2, 1, 1, 3}, 'c');
        INDArray y = Nd4j.create(new float[] {1f, 0f}, new long[] {2, 1}, 'c');
        INDArray w = Nd4j.ones(2);
        float[] weights = net.variableValues().get("dense_1_W").dup().data().asFloat();
        double[][] state = new double[weights.length][2];
        double[] expected = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            expected[i] = weights[i];
        }
        for (int t = 1; t <= 3; t++) {
            float[] g = net.gradients(x, y, w).get("dense_1_W").dup().data().asFloat();
            for (int i = 0; i < g.length; i++) {
                expected[i] -= rule.step(g[i], state[i], t);
            }
            net.trainStep(x, y, w, new SplittableRandom(1), optimizer, Map.of());
        }
        float[] actual = net.variableValues().get("dense_1_W").dup().data().asFloat();
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("weight %d", i).isCloseTo(expected[i], within(1e-6));
            assertThat((double) actual[i]).as("weight %d moved", i).isNotCloseTo(weights[i], within(1e-4));
        }
    }
}
