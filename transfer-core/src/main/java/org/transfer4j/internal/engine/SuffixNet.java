package org.transfer4j.internal.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.RmsPropUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.Activation;
import org.transfer4j.Head;
import org.transfer4j.HeadLayer;
import org.transfer4j.Optimizer;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.Weights;

/**
 * The trainable suffix of a transfer model: the unfrozen conv layers (if any), Flatten and the head. It takes the cut
 * tensor (NHWC) as input.
 *
 * <p>Forward and backward passes are written out here over ND4J arrays: dense layers are BLAS matrix products,
 * convolutions and pools call libnd4j's NHWC ops and their gradient ops directly ({@link NativeOps}, oneDNN).
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
    private final Head head;
    private final int[] inputShape;
    private final List<Layer> convLayers;
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, String> layerOfVariable = new HashMap<>();
    private final Map<String, INDArray[]> optimizerState = new HashMap<>();
    private final Map<String, INDArray> gradientBuffers = new HashMap<>();
    private final long flat;
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
        if (!head.isComplete()) {
            throw new IllegalArgumentException("The head " + head + " has no output layer; end it with sigmoid() or softmax(n)");
        }
        this.head = head;
        this.inputShape = inputShape.clone();
        this.convLayers = List.copyOf(convLayers);
        int[] shape = inputShape.clone();
        for (Layer l : convLayers) {
            if (l.type() == LayerType.CONV2D) {
                var w = baseWeights.layer(l.name());
                addParam(l.name() + "_kernel", l.name(), Nd4j.create(w.kernel(), w.kernelShape(), 'c'));
                addParam(l.name() + "_bias", l.name(), Nd4j.create(w.bias(), new long[] {w.bias().length}, 'c'));
            } else if (l.type() != LayerType.MAX_POOLING2D) {
                throw new IllegalArgumentException("Layer " + l + " cannot be trained here");
            }
            shape = l.outputShape();
        }
        this.flat = (long) shape[0] * shape[1] * shape[2];
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

    /** The loss and probabilities of a batch. */
    public record StepResult(double loss, INDArray probabilities) {
    }

    /** What the forward pass keeps for the backward pass. */
    private static final class Trace {
        final List<INDArray> convInputs = new ArrayList<>();
        final List<INDArray> convOutputs = new ArrayList<>();
        final List<INDArray> stepInputs = new ArrayList<>();
        final List<INDArray> stepOutputs = new ArrayList<>();
        INDArray logits;
    }

    private INDArray forward(INDArray x, SplittableRandom random, Trace trace) {
        INDArray a = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        for (Layer l : convLayers) {
            trace.convInputs.add(a);
            if (l.type() == LayerType.CONV2D) {
                a = Transforms.relu(NativeOps.conv2d(a, params.get(l.name() + "_kernel"),
                        params.get(l.name() + "_bias")), false);
            } else {
                a = NativeOps.maxPool(a);
            }
            trace.convOutputs.add(a);
        }
        long n = a.size(0);
        a = a.reshape('c', n, flat);
        for (Step s : steps) {
            trace.stepInputs.add(a);
            if (s instanceof DropoutStep d) {
                if (random != null && d.rate() > 0) {
                    float keep = (float) (1.0 / (1.0 - d.rate()));
                    float[] m = new float[Math.toIntExact(a.length())];
                    for (int i = 0; i < m.length; i++) {
                        m[i] = random.nextDouble() >= d.rate() ? keep : 0f;
                    }
                    INDArray mask = Nd4j.create(m, a.shape(), 'c');
                    trace.stepOutputs.add(mask);
                    a = a.mul(mask);
                } else {
                    trace.stepOutputs.add(null);
                }
            } else if (s instanceof DenseStep d) {
                // Nd4j.gemm goes straight to BLAS; mmul's generic path measured 3x slower here
                INDArray z = Nd4j.gemm(a, params.get(d.name() + "_W"), false, false)
                        .addiRowVector(params.get(d.name() + "_b"));
                if (d.output()) {
                    trace.logits = z;
                    trace.stepOutputs.add(z);
                    return z;
                }
                a = activate(z, d.activation());
                trace.stepOutputs.add(a);
            }
        }
        throw new IllegalStateException("head without output layer");
    }

    private static INDArray activate(INDArray z, Activation a) {
        return switch (a) {
            case RELU -> Transforms.relu(z, true);
            case SIGMOID -> Transforms.sigmoid(z, true);
            case TANH -> Transforms.tanh(z, true);
            case LINEAR -> z;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only supported as the output layer");
        };
    }

    /** d(activation)/dz expressed through the activation's output {@code a}. */
    private static INDArray activationGradient(INDArray a, Activation act, INDArray dA) {
        return switch (act) {
            case RELU -> dA.mul(a.gt(0).castTo(DataType.FLOAT));
            case SIGMOID -> dA.mul(a.mul(a.rsub(1.0)));
            case TANH -> dA.mul(a.mul(a).rsubi(1.0));
            case LINEAR -> dA;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is only supported as the output layer");
        };
    }

    /**
     * Output probabilities, loss per example and the gradient of the mean weighted loss w.r.t. the logits.
     *
     * @return {@code [probabilities (n*k), dLogits (n*k)]} as flat arrays, and the mean loss in {@code loss[0]}
     */
    private float[][] lossAndGradient(INDArray logits, INDArray y, INDArray sampleWeight, double[] loss) {
        int n = (int) logits.size(0);
        int k = (int) logits.size(1);
        float[] z = logits.dup('c').data().asFloat();
        float[] t = y.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] w = sampleWeight.castTo(DataType.FLOAT).dup('c').data().asFloat();
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
        Trace trace = new Trace();
        INDArray logits = forward(x, random, trace);
        double[] loss = new double[1];
        float[][] pd = lossAndGradient(logits, y, sampleWeight, loss);
        INDArray probabilities = Nd4j.create(pd[0], logits.shape(), 'c');
        if (!Double.isFinite(loss[0])) {
            return new StepResult(loss[0], probabilities);
        }
        Map<String, INDArray> grads = backward(trace, Nd4j.create(pd[1], logits.shape(), 'c'));
        iterations++;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            double lr = optimizer.learningRate() * lrMultiplier.getOrDefault(layerOfVariable.get(e.getKey()), 1.0);
            update(e.getKey(), e.getValue(), grads.get(e.getKey()), optimizer, lr);
        }
        return new StepResult(loss[0], probabilities);
    }

    private Map<String, INDArray> backward(Trace trace, INDArray dLogits) {
        Map<String, INDArray> grads = new HashMap<>();
        INDArray d = dLogits;
        long n = d.size(0);
        INDArray ones = Nd4j.ones(DataType.FLOAT, 1, n);
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            INDArray in = trace.stepInputs.get(i);
            if (s instanceof DropoutStep) {
                INDArray mask = trace.stepOutputs.get(i);
                if (mask != null) {
                    d = d.mul(mask);
                }
            } else if (s instanceof DenseStep ds) {
                if (!ds.output()) {
                    d = activationGradient(trace.stepOutputs.get(i), ds.activation(), d);
                }
                INDArray w = params.get(ds.name() + "_W");
                INDArray gW = buffer(ds.name() + "_W", w.shape());
                Nd4j.gemm(in, d, gW, true, false, 1.0, 0.0);
                grads.put(ds.name() + "_W", gW);
                // sum over the batch as a matrix product: reductions over a size-1 batch fail in libnd4j M2.1
                grads.put(ds.name() + "_b", ones.mmul(d));
                if (i > 0 || !convLayers.isEmpty()) {
                    d = Nd4j.gemm(d, w, false, true);
                }
            }
        }
        if (convLayers.isEmpty()) {
            return grads;
        }
        int[] last = convLayers.get(convLayers.size() - 1).outputShape();
        d = d.reshape('c', n, last[0], last[1], last[2]);
        for (int i = convLayers.size() - 1; i >= 0; i--) {
            Layer l = convLayers.get(i);
            INDArray in = trace.convInputs.get(i);
            if (l.type() == LayerType.MAX_POOLING2D) {
                d = NativeOps.maxPoolBackward(in, d);
            } else {
                INDArray out = trace.convOutputs.get(i);
                INDArray dPre = d.mul(out.gt(0).castTo(DataType.FLOAT));
                INDArray[] g = NativeOps.conv2dBackward(in, params.get(l.name() + "_kernel"),
                        params.get(l.name() + "_bias"), dPre);
                grads.put(l.name() + "_kernel", g[1]);
                grads.put(l.name() + "_bias", g[2]);
                d = g[0];
            }
        }
        return grads;
    }

    /** Gradients of the mean weighted loss for one batch, without updating (for tests and checks). */
    public Map<String, INDArray> gradients(INDArray x, INDArray y, INDArray sampleWeight) {
        Trace trace = new Trace();
        INDArray logits = forward(x, null, trace);
        float[][] pd = lossAndGradient(logits, y, sampleWeight, new double[1]);
        Map<String, INDArray> copies = new LinkedHashMap<>();
        backward(trace, Nd4j.create(pd[1], logits.shape(), 'c')).forEach((k, v) -> copies.put(k, v.dup()));
        return copies;
    }

    /** Probabilities for {@code x}, dropout off. */
    public INDArray predict(INDArray x) {
        INDArray logits = forward(x, null, new Trace());
        int k = (int) logits.size(1);
        INDArray dummy = Nd4j.zeros(DataType.FLOAT, logits.size(0), k);
        float[][] pd = lossAndGradient(logits, dummy, Nd4j.ones(DataType.FLOAT, logits.size(0)), new double[1]);
        return Nd4j.create(pd[0], logits.shape(), 'c');
    }

    /** Mean weighted loss and probabilities, dropout off. */
    public StepResult evaluate(INDArray x, INDArray y, INDArray sampleWeight) {
        INDArray logits = forward(x, null, new Trace());
        double[] loss = new double[1];
        float[][] pd = lossAndGradient(logits, y, sampleWeight, loss);
        return new StepResult(loss[0], Nd4j.create(pd[0], logits.shape(), 'c'));
    }

    private void update(String name, INDArray param, INDArray grad, Optimizer optimizer, double lr) {
        if (optimizer instanceof Optimizer.RmsProp rms) {
            // libnd4j's fused rms_prop_updater: v = rho v + (1 - rho) g^2; update = lr g / (sqrt(v) + eps), Keras's rule
            INDArray[] s = state(name, 2, param);
            INDArray v = s[0];
            INDArray step = s[1];
            Nd4j.exec(new RmsPropUpdater(grad, v, step, v, lr, rms.rho(), rms.epsilon()));
            param.subi(step);
        } else if (optimizer instanceof Optimizer.Adam adam) {
            INDArray[] s = state(name, 2, param);
            s[0].muli(adam.beta1()).addi(grad.mul(1 - adam.beta1()));
            s[1].muli(adam.beta2()).addi(grad.mul(grad).muli(1 - adam.beta2()));
            double t = iterations;
            double alpha = lr * Math.sqrt(1 - Math.pow(adam.beta2(), t)) / (1 - Math.pow(adam.beta1(), t));
            param.subi(s[0].mul(alpha).divi(Transforms.sqrt(s[1], true).addi(adam.epsilon())));
        } else if (optimizer instanceof Optimizer.Sgd sgd) {
            if (sgd.momentum() == 0) {
                param.subi(grad.mul(lr));
            } else {
                INDArray m = state(name, 1, param)[0];
                m.muli(sgd.momentum()).subi(grad.mul(lr));
                param.addi(m);
            }
        }
    }

    private INDArray[] state(String name, int count, INDArray like) {
        return optimizerState.computeIfAbsent(name, k -> {
            INDArray[] s = new INDArray[count];
            for (int i = 0; i < count; i++) {
                s[i] = Nd4j.zeros(like.dataType(), like.shape());
            }
            return s;
        });
    }

    /**
     * A reusable gradient buffer for a dense kernel: allocating (and zeroing) megabytes per step showed up in the
     * profile. Only the returned map of one step refers to it, and every caller is done with it before the next.
     */
    private INDArray buffer(String name, long[] shape) {
        INDArray b = gradientBuffers.get(name);
        if (b == null || !java.util.Arrays.equals(b.shape(), shape)) {
            b = Nd4j.createUninitialized(DataType.FLOAT, shape);
            gradientBuffers.put(name, b);
        }
        return b;
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
