package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.transfer4j.Activation;
import org.transfer4j.Head;
import org.transfer4j.Heads;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * {@link SuffixNet}'s hand-written backward pass against central finite differences of its own loss, on a tiny conv
 * suffix (conv 4x4x3 -> 5, conv -> 6, 2x2 pool) with dense heads, sample weights other than 1, and dropout off at
 * inference.
 */
class SuffixNetGradientTest {
    static final int[] INPUT = {4, 4, 3};
    static final int BATCH = 4;
    static final float[] SAMPLE_WEIGHTS = {0.5f, 2f, 1f, 3f};

    static final Layer C1 = new Layer("c1", LayerType.CONV2D, new int[] {4, 4, 3}, new int[] {4, 4, 5}, 3, 9 * 3 * 5 + 5);
    static final Layer C2 = new Layer("c2", LayerType.CONV2D, new int[] {4, 4, 5}, new int[] {4, 4, 6}, 3, 9 * 5 * 6 + 6);
    static final Layer POOL = new Layer("pool", LayerType.MAX_POOLING2D, new int[] {4, 4, 6}, new int[] {2, 2, 6}, 2, 0);
    static final List<Layer> LAYERS = List.of(C1, C2, POOL);

    @Test
    void sigmoid_head_gradients_match_finite_differences_of_the_weighted_loss() throws Exception {
        SuffixNet net = net(Heads.dense(7).sigmoid(), 21);
        INDArray x = input(BATCH, 22);
        INDArray y = Nd4j.create(new float[] {1, 0, 0, 1}, new long[] {BATCH, 1}, 'c');

        checkAgainstFiniteDifferences(net, x, y, Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c'), 23);
    }

    @Test
    void softmax_head_with_tanh_hidden_gradients_match_finite_differences_of_the_weighted_loss() throws Exception {
        SuffixNet net = net(Heads.dense(7, Activation.TANH).softmax(3), 31);
        INDArray x = input(BATCH, 32);
        INDArray y = Nd4j.create(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}, new long[] {BATCH, 3}, 'c');

        checkAgainstFiniteDifferences(net, x, y, Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c'), 33);
    }

    @Test
    void dropout_masks_before_and_between_dense_layers_enter_the_gradients() throws Exception {
        SuffixNet net = net(Heads.dropout(0.3).dense(7).dropout(0.4).dense(5, Activation.TANH).sigmoid(), 71);
        INDArray x = input(BATCH, 72);
        INDArray y = Nd4j.create(new float[] {0, 1, 1, 0}, new long[] {BATCH, 1}, 'c');
        INDArray w = Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c');
        assertThat(net.gradients(x, y, w, masks(74L)).get("c1_kernel"))
                .as("masks change the gradient").isNotEqualTo(net.gradients(x, y, w).get("c1_kernel"));

        checkAgainstFiniteDifferences(net, x, y, w, 73, 74L);
    }

    @Test
    void later_dense_layers_small_enough_for_java_and_large_enough_for_blas_get_correct_gradients() throws Exception {
        assertThat(40 * 210).as("dense_2's kernel goes through BLAS").isGreaterThan(SuffixNet.HEAP_DENSE_LIMIT);
        assertThat(210 * 3).as("dense_3's kernel is computed in Java").isLessThanOrEqualTo(SuffixNet.HEAP_DENSE_LIMIT);
        SuffixNet blas = net(Heads.dense(40, Activation.TANH).dense(210, Activation.TANH).softmax(3), 81);
        SuffixNet java = net(Heads.dense(7).dense(5, Activation.RELU).dense(4, Activation.TANH).sigmoid(), 82);
        INDArray x = input(BATCH, 32);
        INDArray w = Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c');

        checkAgainstFiniteDifferences(blas, x, Nd4j.create(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1},
                new long[] {BATCH, 3}, 'c'), w, 84, 85L);
        checkAgainstFiniteDifferences(java, x, Nd4j.create(new float[] {1, 0, 0, 1}, new long[] {BATCH, 1}, 'c'),
                w, 86);
    }

    @Test
    void weighted_loss_is_the_batch_mean_of_weight_times_binary_crossentropy() throws Exception {
        SuffixNet net = net(Heads.dense(7).sigmoid(), 41);
        INDArray x = input(BATCH, 42);
        float[] t = {1, 0, 0, 1};
        INDArray y = Nd4j.create(t, new long[] {BATCH, 1}, 'c');

        double loss = net.evaluate(x, y, Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c')).loss();

        float[] p = net.predict(x).dup('c').data().asFloat();
        double expected = 0;
        for (int i = 0; i < BATCH; i++) {
            expected -= SAMPLE_WEIGHTS[i] * (t[i] * Math.log(p[i]) + (1 - t[i]) * Math.log(1 - p[i]));
        }
        expected /= BATCH; // Keras: sum over the batch of w * loss, divided by the batch size (not by sum(w))
        assertThat(loss).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-5 * Math.abs(expected)));
    }

    @Test
    void weighted_batch_gradient_is_the_weighted_mean_of_per_example_gradients() throws Exception {
        SuffixNet net = net(Heads.dense(7, Activation.TANH).softmax(3), 51);
        INDArray x = input(BATCH, 52);
        float[] t = {0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0};
        INDArray y = Nd4j.create(t, new long[] {BATCH, 3}, 'c');

        Map<String, INDArray> batch = net.gradients(x, y, Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c'));

        List<Map<String, INDArray>> single = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            INDArray xi = x.get(NDArrayIndex.interval(i, i + 1)).dup('c');
            INDArray yi = y.get(NDArrayIndex.interval(i, i + 1)).dup('c');
            single.add(net.gradients(xi, yi, Nd4j.ones(DataType.FLOAT, 1)));
        }
        for (String v : net.variableNames()) {
            INDArray sum = Nd4j.zeros(DataType.DOUBLE, batch.get(v).shape());
            for (int i = 0; i < BATCH; i++) {
                sum.addi(single.get(i).get(v).castTo(DataType.DOUBLE).mul(SAMPLE_WEIGHTS[i] / (double) BATCH));
            }
            double[] expected = sum.dup('c').data().asDouble();
            double[] actual = batch.get(v).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            double scale = Arrays.stream(expected).map(Math::abs).max().orElse(0);
            assertThat(scale).as("%s has a non-zero gradient", v).isPositive();
            for (int j = 0; j < expected.length; j++) {
                assertThat(Math.abs(actual[j] - expected[j])).as("%s[%d]", v, j).isLessThanOrEqualTo(1e-5 * scale);
            }
        }
    }

    @Test
    void dropout_is_off_at_inference_so_predict_is_deterministic_and_equals_the_network_without_it() throws Exception {
        SuffixNet withDropout = net(Heads.dense(16).dropout(0.5).sigmoid(), 61);
        SuffixNet without = net(Heads.dense(16).sigmoid(), 62);
        assertThat(without.variableNames()).isEqualTo(withDropout.variableNames());
        without.setVariableValues(withDropout.variableValues());
        INDArray x = input(6, 63);

        float[] first = withDropout.predict(x).dup('c').data().asFloat();
        float[] second = withDropout.predict(x).dup('c').data().asFloat();
        float[] plain = without.predict(x).dup('c').data().asFloat();

        assertThat(first).hasSize(6).isEqualTo(second).isEqualTo(plain);
        assertThat(first).as("not a constant output").doesNotHaveDuplicates();
        INDArray y = Nd4j.create(new float[] {1, 0, 1, 0, 1, 0}, new long[] {6, 1}, 'c');
        INDArray w = Nd4j.ones(DataType.FLOAT, 6);
        assertThat(withDropout.evaluate(x, y, w).loss()).isEqualTo(without.evaluate(x, y, w).loss());
    }

    // ---- the check ----

    /**
     * Compares {@code gradients} with central differences of {@code evaluate(...).loss()} on 8 seeded entries of
     * every variable (all entries of variables with at most 8). An entry counts as smooth when its difference
     * quotient at two step sizes agrees; entries where a step crosses a ReLU kink or flips a max-pool winner are
     * skipped, but 70% of all entries and a third of each variable's must be smooth, so the check cannot pass by
     * skipping. (A wrong gradient gives stable difference quotients that disagree with it.)
     */
    static void checkAgainstFiniteDifferences(SuffixNet net, INDArray x, INDArray y, INDArray w, long seed) {
        checkAgainstFiniteDifferences(net, x, y, w, seed, null);
    }

    /** As above, with the dropout masks a random seeded with {@code dropoutSeed} draws (null: dropout off). */
    static void checkAgainstFiniteDifferences(SuffixNet net, INDArray x, INDArray y, INDArray w, long seed,
            Long dropoutSeed) {
        Map<String, INDArray> grads = net.gradients(x, y, w, masks(dropoutSeed));
        assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(net.variableNames());
        Map<String, INDArray> base = net.variableValues();
        SplittableRandom pick = new SplittableRandom(seed);
        List<String> failures = new ArrayList<>();
        int smoothTotal = 0;
        int total = 0;
        for (String v : net.variableNames()) {
            INDArray value = base.get(v);
            assertThat(grads.get(v).shape()).as(v).containsExactly(value.shape());
            float[] g = grads.get(v).dup('c').data().asFloat();
            assertThat(maxAbs(g)).as("%s has a non-zero gradient", v).isGreaterThan(1e-4);
            int[] entries = value.length() <= 8 ? IntStream.range(0, (int) value.length()).toArray()
                    : pick.ints(0, (int) value.length()).distinct().limit(8).toArray();
            int smooth = 0;
            for (int i : entries) {
                double coarse = difference(net, base, v, i, 6e-3f, x, y, w, dropoutSeed);
                double fine = difference(net, base, v, i, 3e-3f, x, y, w, dropoutSeed);
                if (Math.abs(coarse - fine) > 2e-3 * Math.abs(fine) + 6e-5) {
                    continue; // a kink inside the step
                }
                smooth++;
                if (Math.abs(g[i] - fine) > 1e-2 * Math.abs(fine) + 1e-4) {
                    failures.add(v + "[" + i + "]: analytic " + g[i] + ", finite difference " + fine + " (" + coarse
                            + " at twice the step)");
                }
            }
            // A bias shifts a whole channel, so its steps cross kinks more often than a kernel entry's.
            assertThat(smooth).as("smooth entries of %s out of %d", v, entries.length)
                    .isGreaterThanOrEqualTo(Math.max(1, (entries.length + 2) / 3));
            smoothTotal += smooth;
            total += entries.length;
        }
        net.setVariableValues(base);
        assertThat(failures).isEmpty();
        assertThat(smoothTotal).as("smooth entries out of %d", total).isGreaterThanOrEqualTo(total * 7 / 10);
    }

    static SplittableRandom masks(Long dropoutSeed) {
        return dropoutSeed == null ? null : new SplittableRandom(dropoutSeed);
    }

    static double difference(SuffixNet net, Map<String, INDArray> base, String variable, int index, float eps,
            INDArray x, INDArray y, INDArray w, Long dropoutSeed) {
        float[] weights = w.dup('c').data().asFloat();
        Map<String, INDArray> values = new LinkedHashMap<>(base);
        INDArray p = base.get(variable).dup('c');
        float old = p.getFloat(index);
        float hi = old + eps;
        float lo = old - eps;
        values.put(variable, p);
        p.putScalar(index, hi);
        net.setVariableValues(values);
        double lossHi = net.evaluate(x, y, weights, masks(dropoutSeed)).loss();
        p.putScalar(index, lo);
        net.setVariableValues(values);
        double lossLo = net.evaluate(x, y, weights, masks(dropoutSeed)).loss();
        net.setVariableValues(base);
        return (lossHi - lossLo) / ((double) hi - lo);
    }

    // ---- the network ----

    /** The suffix c1 -> c2 -> pool with seeded weights and {@code head}, every variable (biases too) random. */
    static final Layer GAP = new Layer("gap", LayerType.GLOBAL_AVERAGE_POOLING2D, new int[] {2, 2, 6}, new int[] {6}, 0,
            0);

    @Test
    void a_global_average_pooling_before_the_head_gets_correct_gradients_for_training_and_for_the_input()
            throws Exception {
        SuffixNet net = net(Heads.dense(7).sigmoid(), 91, List.of(C1, C2, POOL, GAP));
        INDArray x = input(BATCH, 92);
        INDArray y = Nd4j.create(new float[] {1, 0, 0, 1}, new long[] {BATCH, 1}, 'c');
        checkAgainstFiniteDifferences(net, x, y, Nd4j.create(SAMPLE_WEIGHTS, new long[] {BATCH}, 'c'), 93);

        // the gradient of the logit with respect to the input (what Grad-CAM uses), against finite differences
        float[] g = SuffixNet.read(net.inputGradients(x, List.of(new int[] {1, 1, 1, 1}), false).gradients().get(0));
        int checked = 0;
        for (int i = 0; i < x.length(); i += 5) {
            double coarse = centralDifference(net, x, i, 6e-3);
            double fine = centralDifference(net, x, i, 3e-3);
            if (Math.abs(coarse - fine) > 2e-3 * Math.abs(fine) + 6e-5) {
                continue; // a ReLU or max-pool kink lies within the step: the difference is not a derivative here
            }
            checked++;
            assertThat((double) g[i]).as("d logit / d x[%d]", i)
                    .isCloseTo(fine, org.assertj.core.api.Assertions.within(1e-2 * Math.abs(fine) + 1e-4));
        }
        assertThat(checked).as("elements away from kinks").isGreaterThan((int) x.length() / 5 / 2);
    }

    /** Central difference of example {@code i}'s logit (sigmoid head) with respect to input element {@code i}. */
    static double centralDifference(SuffixNet net, INDArray x, int i, double eps) {
        int example = i / (INPUT[0] * INPUT[1] * INPUT[2]);
        float v = x.getFloat(i);
        x.putScalar(i, v + eps);
        double plus = net.logits(x)[example];
        x.putScalar(i, v - eps);
        double minus = net.logits(x)[example];
        x.putScalar(i, v);
        return (plus - minus) / (2 * eps);
    }

    static SuffixNet net(Head head, long seed) throws Exception {
        return net(head, seed, LAYERS);
    }

    static SuffixNet net(Head head, long seed, List<Layer> layers) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
        for (Layer l : List.of(C1, C2)) {
            long[] shape = l.kernelShape();
            double std = Math.sqrt(2.0 / (shape[0] * shape[1] * shape[2]));
            float[] kernel = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
            for (int i = 0; i < kernel.length; i++) {
                kernel[i] = (float) (r.nextGaussian() * std);
            }
            float[] bias = new float[(int) shape[3]];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) (0.05 + 0.2 * r.nextDouble());
            }
            byLayer.put(l.name(), new LayerWeights(kernel, shape, bias));
        }
        Weights weights = Weights.of(LAYERS, byLayer, "test", "test");
        SuffixNet net = new SuffixNet(INPUT, layers, weights, head, seed);
        Map<String, INDArray> values = net.variableValues();
        for (Map.Entry<String, INDArray> e : values.entrySet()) {
            if (e.getKey().startsWith("dense") && e.getKey().endsWith("_b")) {
                float[] b = new float[(int) e.getValue().length()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (r.nextDouble() * 0.4 - 0.2);
                }
                e.setValue(Nd4j.create(b, e.getValue().shape(), 'c'));
            }
        }
        net.setVariableValues(values);
        return net;
    }

    static INDArray input(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * INPUT[0] * INPUT[1] * INPUT[2]];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Nd4j.create(v, new long[] {n, INPUT[0], INPUT[1], INPUT[2]}, 'c');
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }
}
