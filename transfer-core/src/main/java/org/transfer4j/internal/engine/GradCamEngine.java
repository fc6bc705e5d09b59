package org.transfer4j.internal.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Head;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Weights;

/**
 * The network split at the layer Grad-CAM explains: a {@link PrefixEngine} from the input up to and including that
 * layer (its output, after the ReLU, is the activation {@code A}; oneDNN in the model's precision, or libnd4j's ops),
 * and a {@link SuffixNet} over the layers after it (max pools, VGG convolutions, a global average pooling) and the
 * head, in fp32, used only for its forward pass and its backward pass to {@code A}. Nothing is updated: the suffix here is
 * a copy made for explaining, with the model's trained values copied in.
 *
 * <p>Explaining at the last conv layer therefore costs one forward pass plus a pool's and the head's gradient; an
 * earlier layer adds the gradients of the conv layers after it (libnd4j's {@code conv2d_bp}).
 *
 * <p>Not thread-safe.
 */
public final class GradCamEngine {
    private final PrefixEngine prefix;
    private final SuffixNet tail;
    private final int[] activationShape;

    /**
     * @param layers     every conv-base layer, in order
     * @param target     index in {@code layers} of the conv layer to explain
     * @param weights    the weights every conv layer runs with (trained ones included)
     * @param head       the model's head
     * @param headValues the trained head's variables ({@code dense_1_W}, ...); conv variables in it are ignored
     * @throws IllegalArgumentException if {@code target} is not a conv layer
     */
    public GradCamEngine(List<Layer> layers, int target, Weights weights, Head head, Map<String, INDArray> headValues) {
        this(checkedPrefix(layers, target, weights), layers.get(target).outputShape(),
                layers.subList(target + 1, layers.size()), weights, head, headValues);
    }

    /**
     * @param prefix          runs the input up to and including the explained layer (any backend, any precision:
     *                        the activation it returns is fp32)
     * @param activationShape {@code [h, w, c]} of the explained layer's output
     * @param tailLayers      the base's layers after the explained one: VGG-style convolutions and max pools, and
     *                        a global average pooling at the end, which {@link SuffixNet} can run backwards
     * @param weights         the weights of the conv layers in {@code tailLayers} (trained ones included)
     * @param head            the model's head
     * @param headValues      the trained head's variables; conv variables in it are ignored
     * @throws IllegalArgumentException for a tail layer SuffixNet cannot run, naming it
     */
    public GradCamEngine(PrefixEngine prefix, int[] activationShape, List<Layer> tailLayers, Weights weights, Head head,
            Map<String, INDArray> headValues) {
        this(prefix, activationShape, new SuffixNet(spatial(activationShape), tailLayers, weights, head, 0),
                headValues);
    }

    /**
     * Explains layer {@code layer} of a graph base (ResNet50, MobileNetV2, any graph): the prefix runs up to
     * {@code entry} ({@link Graph#entryOf}{@code (layer)}: the one tensor that enters the block holding
     * {@code layer}), the rest of the graph runs forward and backward on a {@link GraphTrainer} in fp32, and the
     * activation and gradient are {@code layer}'s own.
     *
     * @throws IllegalArgumentException if {@code layer} has no {@code [h, w, c]} output
     */
    public static GradCamEngine onGraph(PrefixEngine prefix, Graph graph, String entry, String layer, Weights weights,
            Head head, Map<String, INDArray> headValues) {
        SuffixNet tail = SuffixNet.onGraph(graph, entry, Set.of(), layer, weights, head, 0, Precision.FP32);
        return new GradCamEngine(prefix, spatial(graph.shape(layer)), tail, headValues);
    }

    private static int[] spatial(int[] activationShape) {
        if (activationShape.length != 3) {
            throw new IllegalArgumentException("Grad-CAM needs a layer with [h, w, c] output; got "
                    + Arrays.toString(activationShape));
        }
        return activationShape;
    }

    private GradCamEngine(PrefixEngine prefix, int[] activationShape, SuffixNet tail, Map<String, INDArray> headValues) {
        this.prefix = prefix;
        this.activationShape = activationShape.clone();
        this.tail = tail;
        Map<String, INDArray> values = tail.variableValues();
        for (Map.Entry<String, INDArray> e : headValues.entrySet()) {
            if (values.containsKey(e.getKey()) && !e.getKey().endsWith("_kernel") && !e.getKey().endsWith("_bias")) {
                values.put(e.getKey(), e.getValue());
            }
        }
        tail.setVariableValues(values);
    }

    private static PrefixEngine checkedPrefix(List<Layer> layers, int target, Weights weights) {
        Layer t = layers.get(target);
        if (t.type() != LayerType.CONV2D) {
            throw new IllegalArgumentException("Grad-CAM explains a conv layer; " + t.name() + " is " + t.type());
        }
        return new FrozenPrefix(layers.subList(0, target + 1), weights);
    }

    /**
     * The explained layer's activations and the class scores' gradients with respect to them.
     *
     * @param probabilities {@code n * units}
     * @param units         1 for a sigmoid head
     * @param activations   {@code n * h * w * c}, NHWC
     * @param gradients     per pass, {@code n * h * w * c}
     * @param shape         {@code [h, w, c]} of one example's activation
     */
    public record Result(float[] probabilities, int units, float[] activations, List<float[]> gradients, int[] shape) {
    }

    /**
     * Runs a preprocessed NHWC batch.
     *
     * @param classes     per pass, the class of each example whose score is differentiated
     * @param probability differentiate the probability (true) or the logit (false); see
     *                    {@link SuffixNet#inputGradients}
     */
    public Result run(INDArray nhwc, List<int[]> classes, boolean probability) {
        INDArray a = prefix.forward(nhwc);
        SuffixNet.InputGradients g = tail.inputGradients(a, classes, probability);
        List<float[]> gradients = new ArrayList<>();
        for (INDArray d : g.gradients()) {
            gradients.add(SuffixNet.read(d));
        }
        return new Result(g.probabilities(), g.units(), SuffixNet.read(g.activations()), gradients,
                activationShape.clone());
    }

    /** The class scores (per example, for {@code classes}) computed from given activations, for checks. */
    double[] scores(float[] activations, int n, int[] classes, boolean probability) {
        INDArray a = Nd4j.create(activations, new long[] {n, activationShape[0], activationShape[1], activationShape[2]},
                'c');
        float[] z = tail.logits(a);
        int units = z.length / n;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int c = classes[i];
            if (units == 1) {
                double s = c == 1 ? z[i] : -z[i];
                out[i] = probability ? 1 / (1 + Math.exp(-s)) : s;
            } else {
                double norm = 0;
                for (int j = 0; j < units; j++) {
                    norm += Math.exp(z[i * units + j] - z[i * units + c]);
                }
                out[i] = probability ? 1 / norm : z[i * units + c];
            }
        }
        return out;
    }

    /** Frees the tail's native memory (its graph part's plans); the engine is unusable afterwards. */
    public void close() {
        tail.close();
    }

    /** Frees the prefix's activation buffers. */
    public void releaseBuffers() {
        prefix.releaseBuffers();
    }
}
