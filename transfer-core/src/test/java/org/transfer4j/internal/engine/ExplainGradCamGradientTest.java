package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Activation;
import org.transfer4j.Head;
import org.transfer4j.Heads;
import org.transfer4j.Precision;
import org.transfer4j.explain.Heatmap;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.testing.GraphReference;

/**
 * Grad-CAM's channel weights (the spatial mean of {@code ∂score/∂A} per channel) against central finite differences of
 * the class score, on a small random network c1 → pool → c2 → c3 → pool → head, explained at each conv layer (so the
 * backward pass runs through 0 to 2 convolutions, pools and the head), for logit and probability scores, sigmoid and
 * softmax heads. Adding {@code ε} to a whole channel changes the score by {@code ε · h · w · α_k}.
 */
class ExplainGradCamGradientTest {
    static final int[] INPUT = {8, 8, 3};
    static final Layer C1 = new Layer("c1", LayerType.CONV2D, new int[] {8, 8, 3}, new int[] {8, 8, 4}, 3, 9 * 3 * 4 + 4);
    static final Layer P1 = new Layer("p1", LayerType.MAX_POOLING2D, new int[] {8, 8, 4}, new int[] {4, 4, 4}, 2, 0);
    static final Layer C2 = new Layer("c2", LayerType.CONV2D, new int[] {4, 4, 4}, new int[] {4, 4, 6}, 3, 9 * 4 * 6 + 6);
    static final Layer C3 = new Layer("c3", LayerType.CONV2D, new int[] {4, 4, 6}, new int[] {4, 4, 5}, 3, 9 * 6 * 5 + 5);
    static final Layer P2 = new Layer("p2", LayerType.MAX_POOLING2D, new int[] {4, 4, 5}, new int[] {2, 2, 5}, 2, 0);
    static final List<Layer> LAYERS = List.of(C1, P1, C2, C3, P2);
    static final int BATCH = 3;

    @ParameterizedTest(name = "layer {0}, {1} head, probability score {2}")
    @CsvSource({"0,sigmoid,false", "2,sigmoid,false", "3,sigmoid,false", "3,sigmoid,true", "0,softmax,false",
            "2,softmax,true", "3,softmax,false", "3,softmax,true"})
    void channel_weights_equal_finite_differences_of_the_class_score(int target, String headKind, boolean probability)
            throws Exception {
        Head head = headKind.equals("sigmoid") ? Heads.dense(7).sigmoid() : Heads.dense(7, Activation.TANH).softmax(3);
        int[] classes = headKind.equals("sigmoid") ? new int[] {1, 0, 1} : new int[] {2, 0, 1};
        GradCamEngine engine = new GradCamEngine(LAYERS, target, weights(11 + target), head, Map.of());
        GradCamEngine.Result r = engine.run(input(BATCH, 5), List.of(classes), probability);
        assertChannelWeights(engine, r, LAYERS.get(target).name(), classes, probability);
    }

    /**
     * The same check through the graph engine: a ResNet-style projection block (BatchNormalization, strided 1×1
     * convolutions, an Add) and a global average pooling after the explained tensor, sigmoid and softmax heads.
     */
    @ParameterizedTest(name = "{0} head, probability score {1}")
    @CsvSource({"sigmoid,false", "sigmoid,true", "softmax,false", "softmax,true"})
    void channel_weights_through_a_residual_block_equal_finite_differences(String headKind, boolean probability)
            throws Exception {
        Graph g = withAveragePool(GraphTrainerOpTest.projectionBlock());
        Weights w = WeightsSource.ofKerasArrays("grad-cam", GraphReference.randomKerasArrays(g.layers(), 21))
                .load(g.name(), g.layers());
        Head head = headKind.equals("sigmoid") ? Heads.dense(7).sigmoid() : Heads.dense(7, Activation.TANH).softmax(3);
        int[] classes = headKind.equals("sigmoid") ? new int[] {1, 0, 1} : new int[] {2, 0, 1};
        String layer = "stem_relu";
        assertThat(g.isEntry(layer)).isTrue();
        PrefixEngine prefix = PrefixEngine.create(g, layer, g.layers().subList(0, g.indexOf(layer) + 1), w,
                Precision.FP32);
        GradCamEngine engine = GradCamEngine.onGraph(prefix, g, layer, layer, w, head, Map.of());
        int[] in = g.inputShape();
        SplittableRandom random = new SplittableRandom(8);
        float[] x = new float[BATCH * in[0] * in[1] * in[2]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        GradCamEngine.Result r = engine.run(Nd4j.create(x, new long[] {BATCH, in[0], in[1], in[2]}, 'c'),
                List.of(classes), probability);
        assertChannelWeights(engine, r, layer, classes, probability);
    }

    private static void assertChannelWeights(GradCamEngine engine, GradCamEngine.Result r, String layer, int[] classes,
            boolean probability) {
        int[] s = r.shape();
        int cells = s[0] * s[1];
        int size = cells * s[2];
        float[] a = r.activations();
        double eps = 1e-2;
        int checked = 0;
        for (int i = 0; i < BATCH; i++) {
            Heatmap h = Heatmap.of("c", classes[i], layer, Arrays.copyOfRange(a, i * size, (i + 1) * size),
                    Arrays.copyOfRange(r.gradients().get(0), i * size, (i + 1) * size), s[0], s[1], s[2]);
            float[] alpha = h.channelWeights();
            for (int k = 0; k < s[2]; k++) {
                float[] plus = a.clone();
                float[] minus = a.clone();
                for (int cell = 0; cell < cells; cell++) {
                    plus[i * size + cell * s[2] + k] += (float) eps;
                    minus[i * size + cell * s[2] + k] -= (float) eps;
                }
                double fd = (engine.scores(plus, BATCH, classes, probability)[i]
                        - engine.scores(minus, BATCH, classes, probability)[i]) / (2 * eps) / cells;
                assertThat((double) alpha[k]).as("example %d channel %d", i, k)
                        .isCloseTo(fd, within(2e-3 + 2e-2 * Math.abs(fd)));
                checked += fd != 0 ? 1 : 0;
            }
        }
        assertThat(checked).as("channels with a non-zero gradient").isGreaterThan(BATCH * s[2] / 2);
    }

    private static Graph withAveragePool(Graph g) {
        List<Graph.Node> nodes = new ArrayList<>(g.nodes());
        nodes.add(new Graph.Node("avg_pool", new Op.GlobalAveragePooling2D(), List.of(nodes.get(nodes.size() - 1).name())));
        return new Graph(g.name(), g.inputShape(), nodes);
    }

    static Weights weights(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
        for (Layer l : List.of(C1, C2, C3)) {
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
        return Weights.of(LAYERS, byLayer, "test", "test");
    }

    static INDArray input(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * INPUT[0] * INPUT[1] * INPUT[2]];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Nd4j.create(v, new long[] {n, INPUT[0], INPUT[1], INPUT[2]}, 'c');
    }
}
