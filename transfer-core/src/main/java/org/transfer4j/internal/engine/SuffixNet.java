package org.transfer4j.internal.engine;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.Activation;
import org.transfer4j.Head;
import org.transfer4j.HeadLayer;
import org.transfer4j.Optimizer;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Weights;

/**
 * The trainable suffix of a transfer model: the unfrozen conv layers (if any), Flatten and the head. It takes the cut
 * tensor (NHWC) as input.
 *
 * <p>Forward and backward passes are written out here. On the CPU, convolutions and pools run on oneDNN primitives
 * planned once per batch size with preallocated buffers ({@link DnnlConvStack}: no fresh memory per step); on CUDA
 * (or with {@code -Dtransfer4j.engine=nd4j}) they call libnd4j's NHWC ops and their gradient ops
 * ({@link NativeOps}). The first dense layer (the one over the flattened features, e.g.
 * 8,192 x 256) is two BLAS products into reused native buffers. Everything after its product works on small
 * {@code batch x units} arrays, so it runs as plain Java on the heap: bias, activations, dropout, the loss, small later
 * dense layers (at most {@value #HEAP_DENSE_LIMIT} weights; larger ones go through BLAS) and their gradients. A native
 * call costs tens of microseconds, more than that arithmetic; with the Java updates ({@link FusedUpdates}) a step of
 * the book's head went from 7.8 ms to about 2.5 ms.
 * SameDiff's autodiff is not used for training: in 1.0.0-M2.1 its session memory manager handed out gradient arrays
 * still in use, and reductions over a size-1 dimension failed, which made identical runs differ.
 *
 * <p>Dropout masks come from the caller's seeded random during training and are off at inference, so dropout is
 * active in training only and every step is reproducible. The loss is computed from the logits (stable), per
 * example, weighted, averaged over the batch as Keras does. Updates follow Keras's rules (see {@link Optimizer});
 * frozen layers are not in this network, so they never change, and each layer can have its own learning-rate
 * multiplier.
 *
 * <p>Not thread-safe.
 */
public final class SuffixNet {
    /** Dense layers after the first with at most this many weights are computed in Java, larger ones by BLAS. */
    static final int HEAP_DENSE_LIMIT = 8192;

    private final Head head;
    private final int[] inputShape;
    private final List<Layer> convLayers;
    /** The conv layers on oneDNN (CPU default), or null: libnd4j's ops ({@link NativeOps}). */
    private final DnnlConvStack dnnlConvs;
    /**
     * In a graph base (ResNet50, MobileNetV2): the part of the graph after the cut, forward and backward (null for a
     * VGG chain, which {@link #convLayers} describe).
     */
    private final GraphTrainer graphPart;
    /** Every weight the graph part reads; the trainable ones are the same arrays as in {@link #params}. */
    private final Map<String, INDArray> partWeights = new LinkedHashMap<>();
    /** The graph part's last tensor, and the tensor whose gradient {@link #inputGradients} returns (or null). */
    private final String partTo;
    private final String explained;
    /** Whether any weight of the graph part trains (else its backward runs only for {@link #inputGradients}). */
    private final boolean partTrains;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, String> layerOfVariable = new HashMap<>();
    private final Map<String, float[][]> optimizerState = new HashMap<>();
    private final Map<String, INDArray> nativeBuffers = new HashMap<>();
    private final int firstDense;
    private final long flat;
    /** A global average pooling runs after the conv layers ({@code [h, w, c]} → {@code [c]}), before the head. */
    private final boolean pooled;
    /** {@code [h, w, c]} after the conv layers (the input's shape if there are none), before any pooling. */
    private final int[] spatialShape;
    private long iterations;

    private sealed interface Step {
    }

    private record DenseStep(String name, int in, int units, Activation activation, boolean output) implements Step {
    }

    private record DropoutStep(double rate) implements Step {
    }

    /**
     * @param inputShape   {@code [h, w, c]} of the cut tensor
     * @param convLayers   trainable conv-base layers after the cut, in order (may be empty)
     * @param baseWeights  initial weights of those layers (may be null if there are none)
     * @param head         a complete head
     * @param seed         seeds the head's Glorot-uniform initialisation
     * @throws IllegalArgumentException if the head has no output layer
     */
    public SuffixNet(int[] inputShape, List<Layer> convLayers, Weights baseWeights, Head head, long seed) {
        this(inputShape, convLayers, baseWeights, head, seed, Precision.FP32);
    }

    /**
     * As {@link #SuffixNet(int[], List, Weights, Head, long)}, with the trainable conv layers computing in
     * {@code precision} on oneDNN ({@link DnnlConvStack}: bf16 activations and kernels, fp32 accumulation, fp32 master
     * weights and optimizer state). The head always computes in fp32. {@code AUTO} is resolved here.
     *
     * @throws IllegalStateException for {@code BF16} where the CPU or the selected backend cannot run it
     */
    public SuffixNet(int[] inputShape, List<Layer> convLayers, Weights baseWeights, Head head, long seed,
            Precision precision) {
        this(inputShape, convLayers, null, baseWeights, head, seed, precision);
    }

    /**
     * The suffix of a graph base (ResNet50, MobileNetV2, or any graph): the nodes after tensor {@code from} up to the
     * base's last layer ({@link GraphTrainer}: oneDNN, or libnd4j's ops), then the head. Layers in {@code trainable}
     * train (their trainable weights are variables: kernels, biases, depthwise kernels, BatchNormalization's gamma and
     * beta); the others of the part (the layers of a residual block before the freeze point) run frozen with
     * {@code baseWeights}; BatchNormalization always uses its moving statistics.
     *
     * @param explained the tensor whose gradient and value {@link #inputGradients} returns (Grad-CAM's layer), or null
     *                  when nothing is explained (training)
     * @throws IllegalArgumentException for a part that does not close over {@code from} (see {@link Graph#between})
     * @throws IllegalStateException    for {@code BF16} where the CPU or the selected backend cannot run it
     */
    public static SuffixNet onGraph(Graph graph, String from, Set<String> trainable, String explained,
            Weights baseWeights, Head head, long seed, Precision precision) {
        return new SuffixNet(graph.shape(from), List.of(),
                new GraphPart(graph, from, Set.copyOf(trainable), explained), baseWeights,
                head, seed, precision);
    }

    private record GraphPart(Graph graph, String from, Set<String> trainable, String explained) {
    }

    private SuffixNet(int[] inputShape, List<Layer> convLayers, GraphPart part, Weights baseWeights, Head head,
            long seed, Precision precision) {
        if (!head.isComplete()) {
            throw new IllegalArgumentException("The head " + head + " has no output layer; end it with sigmoid() or softmax(n)");
        }
        this.head = head;
        this.inputShape = inputShape.clone();
        List<Layer> spatial = new ArrayList<>(convLayers);
        if (!spatial.isEmpty() && spatial.get(spatial.size() - 1).type() == LayerType.GLOBAL_AVERAGE_POOLING2D) {
            spatial.remove(spatial.size() - 1); // runs here, between the conv layers and the head (no weights)
            this.pooled = true;
        } else {
            this.pooled = false;
        }
        this.convLayers = List.copyOf(spatial);
        int[] shape = inputShape.clone();
        for (Layer l : this.convLayers) {
            if (l.type() == LayerType.CONV2D) {
                var w = baseWeights.layer(l.name());
                addParam(l.name() + "_kernel", l.name(), Nd4j.create(w.kernel(), w.kernelShape(), 'c'));
                addParam(l.name() + "_bias", l.name(), Nd4j.create(w.bias(), new long[] {w.bias().length}, 'c'));
            } else if (l.type() != LayerType.MAX_POOLING2D) {
                throw new IllegalArgumentException("Layer " + l + " cannot be trained here");
            }
            shape = l.outputShape();
        }
        Precision runs = precision.resolve();
        List<Graph.Node> nodes = part == null ? List.of()
                : part.graph().between(part.from(), part.graph().nodes().get(part.graph().nodes().size() - 1).name());
        if (!nodes.isEmpty()) {
            Graph g = part.graph();
            Set<String> trainsHere = new HashSet<>(); // the part's layers that train
            for (Graph.Node node : nodes) {
                if (part.trainable().contains(node.name())) {
                    trainsHere.add(node.name());
                }
                Set<String> frozen = node.op().nonTrainable();
                for (Map.Entry<String, int[]> e : g.weightShapes(node).entrySet()) {
                    long[] dims = Arrays.stream(e.getValue()).asLongStream().toArray();
                    INDArray value = Nd4j.create(baseWeights.layer(node.name()).values(e.getKey()).clone(), dims, 'c');
                    String name = node.name() + "_" + e.getKey();
                    partWeights.put(name, value);
                    if (trainsHere.contains(node.name()) && !frozen.contains(e.getKey())) {
                        addParam(name, node.name(), value);
                    }
                }
            }
            String to = nodes.get(nodes.size() - 1).name();
            Set<String> grads = part.explained() == null || part.explained().equals(to) ? Set.of()
                    : Set.of(part.explained());
            this.graphPart = GraphTrainer.create(g, part.from(), to, trainsHere, grads, runs);
            this.explained = part.explained();
            this.partTo = to;
            this.partTrains = params.size() > 0;
            shape = g.shape(to);
        } else {
            this.graphPart = null;
            this.explained = null;
            this.partTo = null;
            this.partTrains = false;
        }
        this.spatialShape = shape.clone();
        if (pooled) {
            if (shape.length != 3) {
                throw new IllegalArgumentException("Global average pooling needs [h, w, c] feature maps; got "
                        + Arrays.toString(shape));
            }
            shape = new int[] {shape[2]};
        }
        long product = 1;
        for (int d : shape) {
            product *= d; // [h, w, c] feature maps, or [c] after a base's global average pooling
        }
        this.flat = product;
        this.dnnlConvs = !this.convLayers.isEmpty() && Dnnl.selected() ? new DnnlConvStack(this.convLayers, runs)
                : null;
        if (runs == Precision.BF16 && dnnlConvs == null && !this.convLayers.isEmpty()) {
            throw new IllegalStateException("Precision BF16 training needs the oneDNN engine; the trainable layers from "
                    + this.convLayers.get(0).name() + " would run on " + Backend.describe());
        }
        SplittableRandom init = new SplittableRandom(seed);
        long in = flat;
        int dense = 0;
        List<HeadLayer> layers = head.layers();
        for (int i = 0; i < layers.size(); i++) {
            HeadLayer hl = layers.get(i);
            if (hl instanceof HeadLayer.Dropout d) {
                steps.add(new DropoutStep(d.rate()));
            } else if (hl instanceof HeadLayer.Dense d) {
                String name = "dense_" + (++dense);
                addParam(name + "_W", name, glorotUniform(in, d.units(), init.split()));
                addParam(name + "_b", name, Nd4j.zeros(DataType.FLOAT, 1, d.units()));
                steps.add(new DenseStep(name, (int) in, d.units(), d.activation(), i == layers.size() - 1));
                in = d.units();
            }
        }
        int first = 0;
        while (!(steps.get(first) instanceof DenseStep)) {
            first++;
        }
        this.firstDense = first;
    }

    private void addParam(String name, String layer, INDArray value) {
        params.put(name, value);
        layerOfVariable.put(name, layer);
    }

    private static INDArray glorotUniform(long in, long out, SplittableRandom random) {
        double limit = Math.sqrt(6.0 / (in + out));
        float[] values = new float[Math.toIntExact(in * out)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return Nd4j.create(values, new long[] {in, out}, 'c');
    }

    /** The trainable variable names, in order. */
    public List<String> variableNames() {
        return List.copyOf(params.keySet());
    }

    /** The layer a variable belongs to (e.g. {@code block5_conv1}, {@code dense_1}). */
    public String layerOf(String variable) {
        return layerOfVariable.get(variable);
    }

    /** Copies of the current variable values, by name. */
    public Map<String, INDArray> variableValues() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /** Sets variable values (e.g. from a saved model). @throws IllegalArgumentException on a name or shape mismatch */
    public void setVariableValues(Map<String, INDArray> values) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray value = values.get(e.getKey());
            if (value == null) {
                throw new IllegalArgumentException("No value for variable '" + e.getKey() + "'; got " + values.keySet());
            }
            if (!Arrays.equals(e.getValue().shape(), value.shape())) {
                throw new IllegalArgumentException("Variable '" + e.getKey() + "' has shape "
                        + Arrays.toString(e.getValue().shape()) + "; got " + Arrays.toString(value.shape()));
            }
            e.getValue().assign(value);
        }
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        return params.values().stream().mapToLong(INDArray::length).sum();
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public Head head() {
        return head;
    }

    /** The loss and probabilities ({@code n * units}, row-major) of a batch. */
    public record StepResult(double loss, float[] probabilities, int units) {
    }

    /** What the forward pass keeps for the backward pass. */
    private static final class Trace {
        final List<INDArray> convInputs = new ArrayList<>();
        final List<INDArray> convOutputs = new ArrayList<>();
        /**
         * Arrays whose native memory a gradient buffer views. A buffer from {@code asNioFloat()} does not keep its
         * array alive: once the array is unreachable the collector may free the memory under it (a JVM crashed that
         * way when an update half ran on another thread), so they stay here until the updates are done.
         */
        final List<INDArray> gradientOwners = new ArrayList<>();
        /** Masks of the dropout steps before the first dense layer (null where off). */
        final List<INDArray> preMasks = new ArrayList<>();
        /** Input {@code [n, in]} of the first dense layer. */
        INDArray headInput;
        /** The graph part's output (graph mode). */
        INDArray partOutput;
        /** Per step from the first dense layer on: its input (row-major {@code n * in}). */
        float[][] inputs;
        /** Per step: a dense layer's output after its activation (logits for the output layer), a dropout's mask. */
        float[][] outputs;
        int n;
    }

    private float[] forward(INDArray x, SplittableRandom random, Trace trace) {
        return forward(x, random, trace, dnnlConvs != null);
    }

    /**
     * @param onDnnl run the conv layers on oneDNN's training primitives (their backward pass keeps its own state);
     *               false runs libnd4j's ops and records every layer's input and output in {@code trace}, which the
     *               backward pass to the input ({@link #inputGradients}) needs
     */
    private float[] forward(INDArray x, SplittableRandom random, Trace trace, boolean onDnnl) {
        INDArray a = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        if (graphPart != null) {
            a = graphPart.forward(a, partWeights);
            trace.partOutput = a;
        }
        if (onDnnl) {
            a = dnnlConvs.forward(a, params);
        }
        for (Layer l : onDnnl ? List.<Layer>of() : convLayers) {
            trace.convInputs.add(a);
            if (l.type() == LayerType.CONV2D) {
                a = Transforms.relu(NativeOps.conv2d(a, params.get(l.name() + "_kernel"),
                        params.get(l.name() + "_bias")), false);
            } else {
                a = NativeOps.maxPool(a);
            }
            trace.convOutputs.add(a);
        }
        int n = Math.toIntExact(a.size(0));
        trace.n = n;
        if (pooled) {
            a = a.mean(1, 2); // Keras's GlobalAveragePooling2D: [n, h, w, c] -> [n, c]
        }
        a = a.reshape('c', n, flat);
        for (int i = 0; i < firstDense; i++) {
            double rate = ((DropoutStep) steps.get(i)).rate();
            INDArray mask = random != null && rate > 0
                    ? Nd4j.create(mask(random, rate, Math.toIntExact(a.length())), a.shape(), 'c') : null;
            trace.preMasks.add(mask);
            if (mask != null) {
                a = a.mul(mask);
            }
        }
        trace.headInput = a;
        trace.inputs = new float[steps.size()][];
        trace.outputs = new float[steps.size()][];
        DenseStep first = (DenseStep) steps.get(firstDense);
        // Nd4j.gemm goes straight to BLAS (mmul's generic path measured 3x slower here), into a reused buffer
        INDArray z = buffer(first.name() + "_z", n, first.units());
        Nd4j.gemm(a, params.get(first.name() + "_W"), z, false, false, 1.0, 0.0);
        float[] h = read(z);
        biasAndActivation(first, h, n);
        trace.outputs[firstDense] = h;
        if (first.output()) {
            return h;
        }
        for (int i = firstDense + 1; i < steps.size(); i++) {
            Step s = steps.get(i);
            trace.inputs[i] = h;
            if (s instanceof DropoutStep d) {
                if (random != null && d.rate() > 0) {
                    float[] m = mask(random, d.rate(), h.length);
                    float[] dropped = new float[h.length];
                    for (int j = 0; j < h.length; j++) {
                        dropped[j] = h[j] * m[j];
                    }
                    trace.outputs[i] = m;
                    h = dropped;
                }
            } else if (s instanceof DenseStep d) {
                h = matmul(h, n, d, false);
                biasAndActivation(d, h, n);
                trace.outputs[i] = h;
                if (d.output()) {
                    return h;
                }
            }
        }
        throw new IllegalStateException("head without output layer");
    }

    /** A dropout mask: each entry kept (scaled by {@code 1 / (1 - rate)}) with probability {@code 1 - rate}. */
    private static float[] mask(SplittableRandom random, double rate, int length) {
        float keep = (float) (1.0 / (1.0 - rate));
        float[] m = new float[length];
        for (int i = 0; i < length; i++) {
            m[i] = random.nextDouble() >= rate ? keep : 0f;
        }
        return m;
    }

    /** Adds the bias and, except on the output layer (whose logits go to the loss), applies the activation. */
    private void biasAndActivation(DenseStep d, float[] z, int n) {
        float[] b = read(params.get(d.name() + "_b"));
        int u = d.units();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < u; j++) {
                z[r * u + j] += b[j];
            }
        }
        if (d.output()) {
            return;
        }
        switch (d.activation()) {
            case RELU -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = Math.max(z[i], 0f);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = (float) (1.0 / (1.0 + Math.exp(-z[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < z.length; i++) {
                    z[i] = (float) Math.tanh(z[i]);
                }
            }
            case LINEAR -> {
            }
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only supported as the output layer");
        }
    }

    /** {@code dA} times d(activation)/dz, expressed through the activation's output {@code a}; in place. */
    private static float[] activationGradient(float[] a, Activation act, float[] dA) {
        switch (act) {
            case RELU -> {
                for (int i = 0; i < a.length; i++) {
                    dA[i] = a[i] > 0 ? dA[i] : 0f;
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < a.length; i++) {
                    dA[i] *= a[i] * (1f - a[i]);
                }
            }
            case TANH -> {
                for (int i = 0; i < a.length; i++) {
                    dA[i] *= 1f - a[i] * a[i];
                }
            }
            case LINEAR -> {
            }
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only supported as the output layer");
        }
        return dA;
    }

    /**
     * A product with the kernel of a dense layer after the first: {@code a W} ({@code n * in -> n * units}) or, with
     * {@code transposed}, {@code a W^T} ({@code n * units -> n * in}). Small kernels in plain Java (a native call
     * costs tens of microseconds, more than the arithmetic); large ones through BLAS.
     */
    private float[] matmul(float[] a, int n, DenseStep d, boolean transposed) {
        INDArray kernel = params.get(d.name() + "_W");
        int in = d.in();
        int units = d.units();
        if ((long) in * units > HEAP_DENSE_LIMIT) {
            INDArray x = Nd4j.create(a, new long[] {n, transposed ? units : in}, 'c');
            return read(Nd4j.gemm(x, kernel, false, transposed));
        }
        float[] w = read(kernel);
        if (!transposed) {
            float[] out = new float[n * units];
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < in; k++) {
                    float ark = a[r * in + k];
                    for (int j = 0; j < units; j++) {
                        out[r * units + j] += ark * w[k * units + j];
                    }
                }
            }
            return out;
        }
        float[] out = new float[n * in];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < in; k++) {
                float sum = 0;
                for (int j = 0; j < units; j++) {
                    sum += a[r * units + j] * w[k * units + j];
                }
                out[r * in + k] = sum;
            }
        }
        return out;
    }

    /** {@code a^T d}: the kernel gradient of a dense layer after the first ({@code in * units}). */
    private static float[] kernelGradient(float[] a, float[] d, int n, DenseStep step) {
        int in = step.in();
        int units = step.units();
        if ((long) in * units > HEAP_DENSE_LIMIT) {
            return read(Nd4j.gemm(Nd4j.create(a, new long[] {n, in}, 'c'), Nd4j.create(d, new long[] {n, units}, 'c'),
                    true, false));
        }
        float[] g = new float[in * units];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < in; k++) {
                float ark = a[r * in + k];
                for (int j = 0; j < units; j++) {
                    g[k * units + j] += ark * d[r * units + j];
                }
            }
        }
        return g;
    }

    /** The batch sum of {@code d} per unit: a dense layer's bias gradient. */
    private static float[] biasGradient(float[] d, int n, int units) {
        float[] g = new float[units];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < units; j++) {
                g[j] += d[r * units + j];
            }
        }
        return g;
    }

    /**
     * Output probabilities, loss per example and the gradient of the mean weighted loss w.r.t. the logits.
     *
     * @return {@code [probabilities (n*k), dLogits (n*k)]} as flat arrays, and the mean loss in {@code loss[0]}
     */
    private float[][] lossAndGradient(float[] z, int n, float[] t, float[] w, double[] loss) {
        int k = z.length / n;
        float[] p = new float[n * k];
        float[] dz = new float[n * k];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (head.loss() == Head.Loss.BINARY_CROSSENTROPY) {
                double zi = z[i];
                double pi = 1.0 / (1.0 + Math.exp(-zi));
                p[i] = (float) pi;
                sum += w[i] * (Math.max(zi, 0) - zi * t[i] + Math.log1p(Math.exp(-Math.abs(zi))));
                dz[i] = (float) ((pi - t[i]) * w[i] / n);
            } else {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, z[i * k + j]);
                }
                double norm = 0;
                for (int j = 0; j < k; j++) {
                    norm += Math.exp(z[i * k + j] - max);
                }
                double logNorm = Math.log(norm) + max;
                double li = 0;
                for (int j = 0; j < k; j++) {
                    double pj = Math.exp(z[i * k + j] - logNorm);
                    p[i * k + j] = (float) pj;
                    li -= t[i * k + j] * (z[i * k + j] - logNorm);
                    dz[i * k + j] = (float) ((pj - t[i * k + j]) * w[i] / n);
                }
                sum += w[i] * li;
            }
        }
        loss[0] = sum / n;
        return new float[][] {p, dz};
    }

    /**
     * One training step: forward with random dropout masks, gradients, and an update of every variable.
     *
     * @param x            cut tensors {@code [n, h, w, c]}
     * @param y            targets {@code [n, units]}
     * @param sampleWeight per-example loss weights {@code [n]} (class weights; ones for none)
     * @param random       fills the dropout masks
     * @param optimizer    update rule and base learning rate
     * @param lrMultiplier learning-rate multiplier per layer name (missing layers: 1)
     */
    public StepResult trainStep(INDArray x, INDArray y, INDArray sampleWeight, SplittableRandom random,
            Optimizer optimizer, Map<String, Double> lrMultiplier) {
        return trainStep(x, y, read(sampleWeight), random, optimizer, lrMultiplier);
    }

    /** {@link #trainStep(INDArray, INDArray, INDArray, SplittableRandom, Optimizer, Map)} with heap sample weights. */
    public StepResult trainStep(INDArray x, INDArray y, float[] sampleWeight, SplittableRandom random,
            Optimizer optimizer, Map<String, Double> lrMultiplier) {
        Trace trace = new Trace();
        float[] logits = forward(x, random, trace);
        double[] loss = new double[1];
        float[][] pd = lossAndGradient(logits, trace.n, read(y), sampleWeight, loss);
        int units = logits.length / trace.n;
        if (!Double.isFinite(loss[0])) {
            return new StepResult(loss[0], pd[0], units);
        }
        Map<String, FloatBuffer> grads = backward(trace, pd[1]);
        iterations++;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            double lr = optimizer.learningRate() * lrMultiplier.getOrDefault(layerOfVariable.get(e.getKey()), 1.0);
            update(e.getKey(), e.getValue(), grads.get(e.getKey()), optimizer, lr);
        }
        Reference.reachabilityFence(trace.gradientOwners);
        return new StepResult(loss[0], pd[0], units);
    }

    /** Gradients of every variable; the first dense kernel's (and conv layers') stay in native buffers. */
    private Map<String, FloatBuffer> backward(Trace trace, float[] dLogits) {
        Map<String, FloatBuffer> grads = new HashMap<>();
        int n = trace.n;
        float[] d = dLogits;
        for (int i = steps.size() - 1; i > firstDense; i--) {
            Step s = steps.get(i);
            if (s instanceof DropoutStep) {
                float[] m = trace.outputs[i];
                if (m != null) {
                    for (int j = 0; j < d.length; j++) {
                        d[j] *= m[j];
                    }
                }
            } else if (s instanceof DenseStep ds) {
                if (!ds.output()) {
                    activationGradient(trace.outputs[i], ds.activation(), d);
                }
                grads.put(ds.name() + "_W", FloatBuffer.wrap(kernelGradient(trace.inputs[i], d, n, ds)));
                grads.put(ds.name() + "_b", FloatBuffer.wrap(biasGradient(d, n, ds.units())));
                d = matmul(d, n, ds, true);
            }
        }
        DenseStep first = (DenseStep) steps.get(firstDense);
        if (!first.output()) {
            activationGradient(trace.outputs[firstDense], first.activation(), d);
        }
        grads.put(first.name() + "_b", FloatBuffer.wrap(biasGradient(d, n, first.units())));
        INDArray dz = buffer(first.name() + "_dz", n, first.units());
        nio(dz).put(0, d, 0, d.length);
        INDArray gW = buffer(first.name() + "_gW", first.in(), first.units());
        Nd4j.gemm(trace.headInput, dz, gW, true, false, 1.0, 0.0);
        grads.put(first.name() + "_W", nio(gW));
        if (convLayers.isEmpty() && !partTrains) {
            return grads;
        }
        INDArray da = Nd4j.gemm(dz, params.get(first.name() + "_W"), false, true);
        for (int i = firstDense - 1; i >= 0; i--) {
            INDArray mask = trace.preMasks.get(i);
            if (mask != null) {
                da = da.mul(mask);
            }
        }
        da = unpool(da, n);
        if (graphPart != null) {
            for (Map.Entry<String, INDArray> e : graphPart.backward(da).entrySet()) {
                if (params.containsKey(e.getKey())) {
                    trace.gradientOwners.add(e.getValue());
                    grads.put(e.getKey(), contiguous(e.getValue()));
                }
            }
            return grads;
        }
        if (dnnlConvs != null) {
            for (Map.Entry<String, INDArray> e : dnnlConvs.backward(da).entrySet()) {
                grads.put(e.getKey(), nio(e.getValue()));
            }
            return grads;
        }
        for (int i = convLayers.size() - 1; i >= 0; i--) {
            Layer l = convLayers.get(i);
            INDArray in = trace.convInputs.get(i);
            if (l.type() == LayerType.MAX_POOLING2D) {
                da = NativeOps.maxPoolBackward(in, da);
            } else {
                INDArray out = trace.convOutputs.get(i);
                INDArray dPre = da.mul(out.gt(0).castTo(DataType.FLOAT));
                INDArray[] g = NativeOps.conv2dBackward(in, params.get(l.name() + "_kernel"),
                        params.get(l.name() + "_bias"), dPre);
                trace.gradientOwners.add(g[1]);
                trace.gradientOwners.add(g[2]);
                grads.put(l.name() + "_kernel", contiguous(g[1]));
                grads.put(l.name() + "_bias", contiguous(g[2]));
                da = g[0];
            }
        }
        return grads;
    }

    /** Gradients of the mean weighted loss for one batch, without updating (for tests and checks). */
    public Map<String, INDArray> gradients(INDArray x, INDArray y, INDArray sampleWeight) {
        return gradients(x, y, sampleWeight, null);
    }

    /** {@link #gradients(INDArray, INDArray, INDArray)} with the dropout masks {@code random} draws (null: none). */
    Map<String, INDArray> gradients(INDArray x, INDArray y, INDArray sampleWeight, SplittableRandom random) {
        Trace trace = new Trace();
        float[] logits = forward(x, random, trace);
        float[][] pd = lossAndGradient(logits, trace.n, read(y), read(sampleWeight), new double[1]);
        Map<String, FloatBuffer> grads = backward(trace, pd[1]);
        Map<String, INDArray> copies = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            FloatBuffer g = grads.get(e.getKey());
            float[] values = new float[Math.toIntExact(e.getValue().length())];
            g.get(0, values, 0, values.length);
            copies.put(e.getKey(), Nd4j.create(values, e.getValue().shape(), 'c'));
        }
        Reference.reachabilityFence(trace.gradientOwners);
        return copies;
    }

    /** Probabilities {@code [n, units]} for {@code x}, dropout off. */
    public INDArray predict(INDArray x) {
        Trace trace = new Trace();
        float[] logits = forward(x, null, trace);
        int n = trace.n;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] p = lossAndGradient(logits, n, new float[logits.length], ones, new double[1])[0];
        return Nd4j.create(p, new long[] {n, logits.length / n}, 'c');
    }

    /**
     * Probabilities and the gradients of class scores with respect to the input, for Grad-CAM.
     *
     * @param probabilities {@code n * units}, row-major
     * @param units         1 for a sigmoid head, else the softmax width
     * @param gradients     per requested pass, {@code d score / d x}, the shape of {@code x}
     */
    public record InputGradients(float[] probabilities, int units, List<INDArray> gradients, INDArray activations) {
    }

    /**
     * One forward pass (dropout off) and, per entry of {@code classes}, a backward pass of each example's class score
     * to the input {@code x}. Nothing is updated; the examples of a batch do not mix, so one backward pass of the summed
     * scores gives every example its own gradient.
     *
     * @param classes     per pass, the class index of each example ({@code 0} or {@code 1} for a sigmoid head); a
     *                    negative index stands for the example's predicted class
     * @param probability when true the score is the class's probability (Keras's model output, as in the book's 5.4.3);
     *                    otherwise its logit (for a sigmoid head, class 1's logit is {@code z} and class 0's {@code -z})
     * @throws IllegalArgumentException for a class index outside the head
     */
    public InputGradients inputGradients(INDArray x, List<int[]> classes, boolean probability) {
        Trace trace = new Trace();
        float[] logits = forward(x, null, trace, false);
        int n = trace.n;
        int units = logits.length / n;
        int k = units == 1 ? 2 : units;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        float[] p = lossAndGradient(logits, n, new float[logits.length], ones, new double[1])[0];
        List<INDArray> gradients = new ArrayList<>();
        for (int[] pass : classes) {
            if (pass.length != n) {
                throw new IllegalArgumentException("Expected a class for each of " + n + " examples; got " + pass.length);
            }
            float[] d = new float[logits.length];
            for (int i = 0; i < n; i++) {
                int c = pass[i] < 0 ? predictedClass(p, i, units) : pass[i];
                if (c >= k) {
                    throw new IllegalArgumentException("Class index " + c + " outside 0.." + (k - 1));
                }
                if (units == 1) {
                    double sign = c == 1 ? 1 : -1;
                    double q = 1.0 / (1.0 + Math.exp(-logits[i]));
                    d[i] = (float) (probability ? sign * q * (1 - q) : sign);
                } else if (!probability) {
                    d[i * units + c] = 1f;
                } else {
                    double pc = p[i * units + c];
                    for (int j = 0; j < units; j++) {
                        d[i * units + j] = (float) (pc * ((j == c ? 1 : 0) - p[i * units + j]));
                    }
                }
            }
            gradients.add(backwardToInput(trace, d));
        }
        INDArray activations = graphPart == null ? x
                : explainedIsOutput() ? trace.partOutput.dup() : graphPart.activation(explained).dup();
        return new InputGradients(p, units, gradients, activations);
    }

    /** Whether Grad-CAM's tensor is the graph part's output (its gradient is the head's). */
    private boolean explainedIsOutput() {
        return graphPart != null && partTo.equals(explained);
    }

    /** The output layer's pre-activations ({@code n * units}), dropout off: for checks of the score gradients. */
    float[] logits(INDArray x) {
        return forward(x, null, new Trace());
    }

    /** The most probable class of example {@code i} (binary: 1 when its probability is above 0.5). */
    private static int predictedClass(float[] p, int i, int units) {
        if (units == 1) {
            return p[i] > 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < units; j++) {
            if (p[i * units + j] > p[i * units + best]) {
                best = j;
            }
        }
        return best;
    }

    /** The gradient of {@code sum(dLogits * logits)} with respect to the input, dropout off; updates nothing. */
    private INDArray backwardToInput(Trace trace, float[] dLogits) {
        int n = trace.n;
        float[] d = dLogits;
        for (int i = steps.size() - 1; i > firstDense; i--) {
            if (steps.get(i) instanceof DenseStep ds) {
                if (!ds.output()) {
                    activationGradient(trace.outputs[i], ds.activation(), d);
                }
                d = matmul(d, n, ds, true);
            }
        }
        DenseStep first = (DenseStep) steps.get(firstDense);
        if (!first.output()) {
            activationGradient(trace.outputs[firstDense], first.activation(), d);
        }
        INDArray dz = Nd4j.create(d, new long[] {n, first.units()}, 'c');
        INDArray da = Nd4j.gemm(dz, params.get(first.name() + "_W"), false, true);
        da = unpool(da, n);
        if (graphPart != null) {
            if (explained == null) {
                throw new IllegalStateException("This suffix was built without a tensor to explain");
            }
            return explainedIsOutput() ? da : graphPart.backward(da).get(explained).dup();
        }
        for (int i = convLayers.size() - 1; i >= 0; i--) {
            Layer l = convLayers.get(i);
            INDArray in = trace.convInputs.get(i);
            if (l.type() == LayerType.MAX_POOLING2D) {
                da = NativeOps.maxPoolBackward(in, da);
            } else {
                INDArray dPre = da.mul(trace.convOutputs.get(i).gt(0).castTo(DataType.FLOAT));
                da = NativeOps.conv2dBackward(in, params.get(l.name() + "_kernel"), params.get(l.name() + "_bias"),
                        dPre)[0];
            }
        }
        return da;
    }

    /**
     * The gradient with respect to the conv layers' output ({@code [n, h, w, c]}) from the one with respect to the
     * head's input: a reshape, or, after global average pooling, each channel's gradient spread evenly over the cells.
     */
    private INDArray unpool(INDArray da, int n) {
        int[] s = spatialShape;
        if (!pooled) {
            return da.reshape('c', n, s[0], s[1], s[2]);
        }
        INDArray spread = Nd4j.createUninitialized(DataType.FLOAT, n, s[0], s[1], s[2]);
        spread.assign(da.reshape('c', n, 1, 1, s[2]).div(s[0] * s[1]).broadcast(n, s[0], s[1], s[2]));
        return spread;
    }

    /** Mean weighted loss and probabilities, dropout off. */
    public StepResult evaluate(INDArray x, INDArray y, INDArray sampleWeight) {
        return evaluate(x, y, read(sampleWeight));
    }

    /** {@link #evaluate(INDArray, INDArray, INDArray)} with heap sample weights. */
    public StepResult evaluate(INDArray x, INDArray y, float[] sampleWeight) {
        return evaluate(x, y, sampleWeight, null);
    }

    /** {@link #evaluate(INDArray, INDArray, float[])} with the dropout masks {@code random} draws (null: none). */
    StepResult evaluate(INDArray x, INDArray y, float[] sampleWeight, SplittableRandom random) {
        Trace trace = new Trace();
        float[] logits = forward(x, random, trace);
        double[] loss = new double[1];
        float[][] pd = lossAndGradient(logits, trace.n, read(y), sampleWeight, loss);
        return new StepResult(loss[0], pd[0], logits.length / trace.n);
    }

    private void update(String name, INDArray param, FloatBuffer grad, Optimizer optimizer, double lr) {
        FloatBuffer p = nio(param);
        int length = Math.toIntExact(param.length());
        if (optimizer instanceof Optimizer.RmsProp rms) {
            FusedUpdates.rmsProp(p, grad, state(name, 1, length)[0], (float) lr, (float) rms.rho(), (float) rms.epsilon());
        } else if (optimizer instanceof Optimizer.Adam adam) {
            float[][] s = state(name, 2, length);
            double t = iterations;
            double alpha = lr * Math.sqrt(1 - Math.pow(adam.beta2(), t)) / (1 - Math.pow(adam.beta1(), t));
            FusedUpdates.adam(p, grad, s[0], s[1], (float) alpha, (float) adam.beta1(), (float) adam.beta2(),
                    (float) adam.epsilon());
        } else if (optimizer instanceof Optimizer.Sgd sgd) {
            float[] m = sgd.momentum() == 0 ? null : state(name, 1, length)[0];
            FusedUpdates.sgd(p, grad, m, length, (float) lr, (float) sgd.momentum());
        } else {
            throw new IllegalArgumentException("Unsupported optimizer " + optimizer);
        }
    }

    private float[][] state(String name, int count, int length) {
        return optimizerState.computeIfAbsent(name, k -> new float[count][length]);
    }

    /**
     * A reusable native buffer (the first dense layer's pre-activations, output gradient and kernel gradient):
     * allocating and zeroing megabytes per step showed up in the profile. Each is filled and consumed within one
     * step.
     */
    private INDArray buffer(String name, long rows, long columns) {
        INDArray b = nativeBuffers.get(name);
        if (b == null || b.size(0) != rows || b.size(1) != columns) {
            b = Nd4j.createUninitialized(DataType.FLOAT, rows, columns);
            nativeBuffers.put(name, b);
        }
        return b;
    }

    /** The values of a float array in row-major order, on the heap: a bulk copy when it is plainly laid out. */
    static float[] read(INDArray a) {
        if (isPlain(a)) {
            float[] out = new float[Math.toIntExact(a.length())];
            nio(a).get(0, out, 0, out.length);
            Reference.reachabilityFence(a); // the buffer does not keep a's memory alive during the copy
            return out;
        }
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private static boolean isPlain(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.offset() != 0 || a.data().length() < a.length()) {
            return false;
        }
        long expected = 1;
        long[] shape = a.shape();
        long[] stride = a.stride();
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false; // dimensions of size 1 may carry any stride
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The memory of a plainly laid-out float array as a buffer (writes go to the array). The buffer does not keep the
     * array reachable: the caller must, for as long as it uses the buffer.
     */
    private static FloatBuffer nio(INDArray a) {
        if (!isPlain(a)) {
            throw new IllegalStateException("not a plain row-major float array: " + a.shapeInfoToString());
        }
        return a.data().asNioFloat().slice();
    }

    private static FloatBuffer contiguous(INDArray a) {
        return isPlain(a) ? nio(a) : FloatBuffer.wrap(read(a));
    }

    /**
     * Frees the native memory of the graph part's plans now rather than when the collector gets to it (a graph base's
     * suffix only; for a Grad-CAM tail that is dropped). The suffix is unusable afterwards.
     */
    public void close() {
        if (graphPart != null) {
            graphPart.close();
        }
    }

    /** Forgets optimizer state (moments), as Keras does when a new training phase compiles a new optimizer. */
    public void resetOptimizer() {
        optimizerState.clear();
        iterations = 0;
    }

    /** Variable names of {@code layers}. */
    public List<String> variablesOf(Collection<String> layers) {
        return params.keySet().stream().filter(v -> layers.contains(layerOfVariable.get(v))).toList();
    }
}
