package org.transfer4j.internal.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.transfer4j.internal.graph.Activation;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.Op;
import org.transfer4j.internal.graph.Padding;

/**
 * {@link GraphTrainer} on libnd4j's ops, fp32, node by node straight from the layer specs (no folding, no fusion):
 * what CUDA and {@code -Dtransfer4j.engine=nd4j} run, and the reference the oneDNN backend is tested against.
 *
 * <p>Per op, on NHWC c-order arrays:
 * <ul>
 * <li>{@code Conv2D}: libnd4j's {@code conv2d} / {@code conv2d_bp} (data format NHWC, weights {@code [kh, kw, in, out]}
 * as Keras's); {@code DepthwiseConv2D}: {@code depthwise_conv2d} / {@code depthwise_conv2d_bp} (Keras's
 * {@code [kh, kw, c, 1]} is libnd4j's {@code [kH, kW, iC, mC]}). Symmetric padding is passed to the op in VALID mode;
 * asymmetric padding (Keras's SAME with stride 2 pads the odd row and column at the end) is materialised as zeros
 * around the input first, and the input gradient cropped back. A fused activation is applied after the op.</li>
 * <li>{@code MaxPooling2D}: {@code maxpool2d} / {@code maxpool2d_bp} in VALID mode; a SAME pool's padding is
 * materialised as {@code -inf}, so padded cells never win (Keras's behaviour).</li>
 * <li>{@code BatchNormalization}, inference mode: {@code y = γ(x−μ)/√(σ²+ε)+β} by row-vector broadcasts over
 * {@code [n·h·w, c]}; {@code dx = dy·γ/√(σ²+ε)}, {@code dγ = Σ dy·x̂}, {@code dβ = Σ dy}.</li>
 * <li>ReLU/ReLU6 (layers and fused activations): the gradient passes where the output is strictly inside
 * {@code (0, 6)} (or above 0); ZeroPadding2D pads or crops; Add passes its gradient to both operands; global average
 * pooling spreads {@code dy / (h·w)}; Flatten reshapes.</li>
 * </ul>
 * A tensor read by several nodes of the part gets the sum of their gradients.
 *
 * <p>Only what the backward pass needs is computed and kept: a node's input gradient only when some trainable layer
 * or some tensor of {@code gradientTensors} lies upstream of it; activations only where a backward op reads them
 * (convolution and pool inputs, ReLU outputs, trainable BN inputs) or where {@link #activation} may ask for them. A part
 * with nothing to train and no gradient tensors is a plain forward pass that drops each tensor after its last reader
 * ({@link Nd4jGraph} runs frozen prefixes that way).
 *
 * <p>Not thread-safe. Arrays are ND4J-managed (freed with their last reference); {@link #close()} drops them.
 */
final class Nd4jGraphTrainer implements GraphTrainer {
    private final Graph graph;
    private final String from;
    private final String to;
    private final List<Graph.Node> part;
    private final Set<String> trainable;
    private final Set<String> gradientTensors;
    /** Tensors (node outputs or {@code from}) whose gradient backward computes. */
    private final Set<String> needsGradient = new HashSet<>();
    /** Tensors the forward pass keeps for backward or {@link #activation}. */
    private final Set<String> kept = new HashSet<>();
    /** Number of nodes of the part that read each tensor. */
    private final Map<String, Integer> readers = new HashMap<>();

    private Map<String, INDArray> values;
    private Map<String, INDArray> lastParams;
    private boolean closed;

    /**
     * @throws IllegalArgumentException for a part that does not close over {@code from}, or a trainable layer or
     *                                  gradient tensor outside it (named)
     */
    Nd4jGraphTrainer(Graph graph, String from, String to, Set<String> trainable, Set<String> gradientTensors) {
        this.graph = graph;
        this.from = from;
        this.to = to;
        this.part = graph.between(from, to);
        this.trainable = Set.copyOf(trainable);
        this.gradientTensors = Set.copyOf(gradientTensors);
        Set<String> inPart = new HashSet<>();
        for (Graph.Node n : part) {
            inPart.add(n.name());
            for (String t : n.inputs()) {
                readers.merge(t, 1, Integer::sum);
            }
        }
        for (String layer : this.trainable) {
            if (!inPart.contains(layer)) {
                throw new IllegalArgumentException("Trainable layer " + layer + " is not between " + from + " and "
                        + to + " in " + graph.name() + "; the part's layers are " + names(part));
            }
        }
        for (String t : this.gradientTensors) {
            if (!t.equals(from) && !inPart.contains(t)) {
                throw new IllegalArgumentException("Gradient tensor " + t + " is neither " + from + " nor a layer "
                        + "between it and " + to + " in " + graph.name() + "; the part's layers are " + names(part));
            }
        }
        // a tensor's gradient is needed when a trainable layer's output or a gradient tensor is it or lies upstream
        if (this.gradientTensors.contains(from)) {
            needsGradient.add(from);
        }
        for (Graph.Node n : part) {
            if (this.trainable.contains(n.name()) || this.gradientTensors.contains(n.name())
                    || n.inputs().stream().anyMatch(needsGradient::contains)) {
                needsGradient.add(n.name());
            }
        }
        kept.addAll(this.gradientTensors);
        kept.add(to);
        for (Graph.Node n : part) {
            if (!needsGradient.contains(n.name())) {
                continue;
            }
            Op op = n.op();
            if (op instanceof Op.Conv2D || op instanceof Op.DepthwiseConv2D || op instanceof Op.MaxPooling2D
                    || op instanceof Op.BatchNormalization && this.trainable.contains(n.name())) {
                kept.add(n.inputs().get(0));
            }
            if (op instanceof Op.Relu || activationOf(op) != Activation.NONE) {
                kept.add(n.name());
            }
        }
    }

    private static String names(List<Graph.Node> nodes) {
        return nodes.isEmpty() ? "(none)" : String.join(", ", nodes.stream().map(Graph.Node::name).toList());
    }

    @Override
    public INDArray forward(INDArray x, Map<String, INDArray> params) {
        checkOpen();
        int[] s = graph.shape(from);
        long[] want = new long[s.length + 1];
        want[0] = x.size(0);
        for (int i = 0; i < s.length; i++) {
            want[i + 1] = s[i];
        }
        if (x.dataType() != DataType.FLOAT || !Arrays.equals(x.shape(), want)) {
            throw new IllegalArgumentException("Input " + from + " of " + graph.name() + " must be FLOAT "
                    + Arrays.toString(want) + "; got " + x.dataType() + " " + Arrays.toString(x.shape()));
        }
        Map<String, INDArray> weights = checkedParams(params);
        Map<String, INDArray> t = new HashMap<>();
        t.put(from, contiguous(x));
        Map<String, Integer> left = new HashMap<>(readers);
        for (Graph.Node n : part) {
            List<INDArray> in = new ArrayList<>();
            for (String name : n.inputs()) {
                in.add(t.get(name));
            }
            t.put(n.name(), forwardNode(n, in, weights));
            for (String name : n.inputs()) {
                if (left.merge(name, -1, Integer::sum) == 0 && !kept.contains(name)) {
                    t.remove(name);
                }
            }
        }
        values = t;
        lastParams = weights;
        return t.get(to);
    }

    /** The part's weights, checked: present, FLOAT and of Keras's shape, named {@code <layer>_<weight>}. */
    private Map<String, INDArray> checkedParams(Map<String, INDArray> params) {
        Map<String, INDArray> out = new HashMap<>();
        for (Graph.Node n : part) {
            for (Map.Entry<String, int[]> e : graph.weightShapes(n).entrySet()) {
                String key = n.name() + "_" + e.getKey();
                INDArray a = params.get(key);
                long[] want = Arrays.stream(e.getValue()).asLongStream().toArray();
                if (a == null) {
                    throw new IllegalArgumentException("Missing weight " + key + " " + Arrays.toString(want)
                            + " of layer " + n.name() + " (" + n.op().type().kerasName() + ")");
                }
                if (a.dataType() != DataType.FLOAT || !Arrays.equals(a.shape(), want)) {
                    throw new IllegalArgumentException("Weight " + key + " must be FLOAT " + Arrays.toString(want)
                            + "; got " + a.dataType() + " " + Arrays.toString(a.shape()));
                }
                out.put(key, contiguous(a));
            }
        }
        return out;
    }

    @Override
    public Map<String, INDArray> backward(INDArray dOut) {
        checkOpen();
        if (values == null) {
            throw new IllegalStateException("backward before any forward of " + graph.name() + " (" + from + " to "
                    + to + ")");
        }
        INDArray out = values.get(to);
        if (!Arrays.equals(dOut.shape(), out.shape())) {
            throw new IllegalArgumentException("Gradient of " + to + " must be " + Arrays.toString(out.shape())
                    + "; got " + Arrays.toString(dOut.shape()));
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(to, contiguous(dOut.castTo(DataType.FLOAT)));
        for (int i = part.size() - 1; i >= 0; i--) {
            Graph.Node n = part.get(i);
            if (!needsGradient.contains(n.name())) {
                continue;
            }
            INDArray g = grads.remove(n.name());
            if (gradientTensors.contains(n.name())) {
                result.put(n.name(), g);
            }
            backwardNode(n, g, grads, result);
        }
        if (gradientTensors.contains(from)) {
            INDArray g = grads.get(from);
            result.put(from, g != null ? g : Nd4j.zeros(DataType.FLOAT, values.get(from).shape()));
        }
        return result;
    }

    @Override
    public INDArray activation(String tensor) {
        checkOpen();
        if (!gradientTensors.contains(tensor)) {
            throw new IllegalArgumentException("Tensor " + tensor + " is not one of the gradient tensors "
                    + gradientTensors + " of this part of " + graph.name());
        }
        if (values == null) {
            throw new IllegalStateException("activation(" + tensor + ") before any forward");
        }
        return values.get(tensor);
    }

    @Override
    public String description() {
        return "libnd4j ops fp32";
    }

    @Override
    public void close() {
        closed = true;
        values = null;
        lastParams = null;
    }

    /** Drops what the last forward kept (the next forward computes everything again). */
    void release() {
        values = null;
        lastParams = null;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The libnd4j graph trainer of " + graph.name() + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward per op

    private INDArray forwardNode(Graph.Node n, List<INDArray> in, Map<String, INDArray> w) {
        Op op = n.op();
        INDArray x = in.get(0);
        String name = n.name();
        if (op instanceof Op.Conv2D c) {
            INDArray y = conv(x, w.get(name + "_kernel"), c.useBias() ? w.get(name + "_bias") : null, c.kernel(),
                    c.stride(), c.padding(), false, outputShape(n, x));
            return activate(y, c.activation());
        }
        if (op instanceof Op.DepthwiseConv2D d) {
            INDArray y = conv(x, w.get(name + "_depthwise_kernel"), d.useBias() ? w.get(name + "_bias") : null,
                    d.kernel(), d.stride(), d.padding(), true, outputShape(n, x));
            return activate(y, d.activation());
        }
        if (op instanceof Op.BatchNormalization bn) {
            INDArray[] ss = bnScaleShift(w, name, bn.epsilon());
            long c = x.size(3);
            return x.reshape('c', x.length() / c, c).mulRowVector(ss[0]).addiRowVector(ss[1]).reshape('c', x.shape());
        }
        if (op instanceof Op.Relu r) {
            return activate(x.dup('c'), r.activation());
        }
        if (op instanceof Op.MaxPooling2D p) {
            int[] pad = pads(x, p.pool(), p.stride(), p.padding());
            INDArray xp = padded(x, pad, Float.NEGATIVE_INFINITY);
            INDArray y = Nd4j.createUninitialized(DataType.FLOAT, outputShape(n, x));
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(xp).addOutputs(y)
                    .addIntegerArguments(poolArgs(p)).build());
            return y;
        }
        if (op instanceof Op.ZeroPadding2D z) {
            return padded(x, new int[] {z.top(), z.bottom(), z.left(), z.right()}, 0f);
        }
        if (op instanceof Op.Add) {
            return x.add(in.get(1));
        }
        if (op instanceof Op.GlobalAveragePooling2D) {
            return x.mean(1, 2).reshape('c', x.size(0), 1, 1, x.size(3));
        }
        if (op instanceof Op.Flatten) {
            return x.reshape('c', x.size(0), x.length() / x.size(0));
        }
        throw new IllegalArgumentException("The libnd4j engine cannot run layer " + name + " ("
                + op.type().kerasName() + ") of " + graph.name());
    }

    private long[] outputShape(Graph.Node n, INDArray x) {
        int[] o = graph.shape(n.name());
        return new long[] {x.size(0), o[0], o[1], o[2]};
    }

    /** A convolution (depthwise or not) with its padding, into a new array of shape {@code out}. */
    private static INDArray conv(INDArray x, INDArray kernel, INDArray bias, int k, int stride, Padding padding,
            boolean depthwise, long[] out) {
        int[] pad = pads(x, k, stride, padding);
        boolean symmetric = pad[0] == pad[1] && pad[2] == pad[3];
        INDArray xp = symmetric ? x : padded(x, pad, 0f);
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, out);
        INDArray[] inputs = bias != null ? new INDArray[] {xp, kernel, bias} : new INDArray[] {xp, kernel};
        Nd4j.exec(DynamicCustomOp.builder(depthwise ? "depthwise_conv2d" : "conv2d").addInputs(inputs).addOutputs(y)
                .addIntegerArguments(convArgs(k, stride, symmetric ? pad : null)).build());
        return y;
    }

    /** {@code [top, bottom, left, right]} of Keras's padding rule for a window over {@code x}'s height and width. */
    private static int[] pads(INDArray x, int k, int stride, Padding padding) {
        int h = (int) x.size(1);
        int w = (int) x.size(2);
        return new int[] {padding.before(h, k, stride), padding.after(h, k, stride), padding.before(w, k, stride),
                padding.after(w, k, stride)};
    }

    /** {@code x} with {@code pad} ({@code [top, bottom, left, right]}) rows and columns of {@code value} around it. */
    private static INDArray padded(INDArray x, int[] pad, float value) {
        if (pad[0] == 0 && pad[1] == 0 && pad[2] == 0 && pad[3] == 0) {
            return x;
        }
        long[] s = x.shape();
        INDArray out = Nd4j.valueArrayOf(new long[] {s[0], s[1] + pad[0] + pad[1], s[2] + pad[2] + pad[3], s[3]},
                value, DataType.FLOAT);
        out.get(inner(s, pad)).assign(x);
        return out;
    }

    /** The region of a padded array that holds the unpadded one. */
    private static INDArrayIndex[] inner(long[] unpadded, int[] pad) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(pad[0], pad[0] + unpadded[1]),
            NDArrayIndex.interval(pad[2], pad[2] + unpadded[2]), NDArrayIndex.all()};
    }

    /** The gradient of {@code x} from that of {@code padded(x, pad, ·)}: the inner region. */
    private static INDArray cropped(INDArray gradPadded, long[] unpadded, int[] pad) {
        if (pad[0] == 0 && pad[1] == 0 && pad[2] == 0 && pad[3] == 0) {
            return gradPadded;
        }
        return gradPadded.get(inner(unpadded, pad)).dup('c');
    }

    private static int[] convArgs(int k, int stride, int[] symmetricPad) {
        int ph = symmetricPad == null ? 0 : symmetricPad[0];
        int pw = symmetricPad == null ? 0 : symmetricPad[2];
        // kH, kW, sH, sW, pH, pW, dH, dW, paddingMode (0 = VALID: explicit pH/pW), dataFormat (1 = NHWC),
        // wFormat (0 = [kH, kW, iC, oC], depthwise [kH, kW, iC, mC])
        return new int[] {k, k, stride, stride, ph, pw, 1, 1, 0, 1, 0};
    }

    private static int[] poolArgs(Op.MaxPooling2D p) {
        // kH, kW, sH, sW, pH, pW, dH, dW, isSameMode (0 = VALID: the padding is already there), extraParam0, isNHWC
        return new int[] {p.pool(), p.pool(), p.stride(), p.stride(), 0, 0, 1, 1, 0, 0, 1};
    }

    private static Activation activationOf(Op op) {
        if (op instanceof Op.Conv2D c) {
            return c.activation();
        }
        if (op instanceof Op.DepthwiseConv2D d) {
            return d.activation();
        }
        return Activation.NONE;
    }

    /** Applies {@code a} to {@code y} in place and returns it. */
    private static INDArray activate(INDArray y, Activation a) {
        return switch (a) {
            case NONE -> y;
            case RELU -> Transforms.relu(y, false);
            case RELU6 -> Transforms.relu6(y, false);
        };
    }

    /** {@code dy} where the activation's output {@code y} lets the gradient through (0 &lt; y, and y &lt; 6). */
    private static INDArray activationGradient(INDArray y, INDArray dy, Activation a) {
        return switch (a) {
            case NONE -> dy;
            case RELU -> dy.mul(y.gt(0).castTo(DataType.FLOAT));
            case RELU6 -> dy.mul(y.gt(0).castTo(DataType.FLOAT)).muli(y.lt(6).castTo(DataType.FLOAT));
        };
    }

    /** BatchNormalization's per-channel {@code [scale, shift, 1/√(σ²+ε)]}. */
    private static INDArray[] bnScaleShift(Map<String, INDArray> w, String name, double epsilon) {
        INDArray inv = Transforms.pow(w.get(name + "_moving_variance").add(epsilon), -0.5, false);
        INDArray scale = w.get(name + "_gamma").mul(inv);
        INDArray shift = w.get(name + "_beta").sub(w.get(name + "_moving_mean").mul(scale));
        return new INDArray[] {scale, shift, inv};
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Backward per op

    private void backwardNode(Graph.Node n, INDArray g, Map<String, INDArray> grads, Map<String, INDArray> result) {
        Op op = n.op();
        String name = n.name();
        String input = n.inputs().get(0);
        boolean wantInput = n.inputs().stream().anyMatch(needsGradient::contains);
        boolean train = trainable.contains(name);
        if (!wantInput && !train) {
            return;
        }
        INDArray x = values.get(input);
        Map<String, INDArray> w = lastParams;
        if (op instanceof Op.Conv2D || op instanceof Op.DepthwiseConv2D) {
            boolean depthwise = op instanceof Op.DepthwiseConv2D;
            Op.Conv2D c = depthwise ? null : (Op.Conv2D) op;
            Op.DepthwiseConv2D d = depthwise ? (Op.DepthwiseConv2D) op : null;
            String kernelName = depthwise ? "depthwise_kernel" : "kernel";
            boolean useBias = depthwise ? d.useBias() : c.useBias();
            int k = depthwise ? d.kernel() : c.kernel();
            int stride = depthwise ? d.stride() : c.stride();
            Padding padding = depthwise ? d.padding() : c.padding();
            INDArray dy = contiguous(activationGradient(values.get(name), g, activationOf(op)));
            INDArray kernel = w.get(name + "_" + kernelName);
            INDArray bias = useBias ? w.get(name + "_bias") : null;
            int[] pad = pads(x, k, stride, padding);
            boolean symmetric = pad[0] == pad[1] && pad[2] == pad[3];
            INDArray xp = symmetric ? x : padded(x, pad, 0f);
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, xp.shape());
            INDArray dk = Nd4j.createUninitialized(DataType.FLOAT, kernel.shape());
            // inputs (x, kernel, [bias,] dOut), outputs (dx, dKernel[, dBias]): libnd4j tells them apart by count
            INDArray db = bias != null ? Nd4j.createUninitialized(DataType.FLOAT, bias.shape()) : null;
            INDArray[] inputs = bias != null ? new INDArray[] {xp, kernel, bias, dy} : new INDArray[] {xp, kernel, dy};
            INDArray[] outputs = bias != null ? new INDArray[] {dx, dk, db} : new INDArray[] {dx, dk};
            Nd4j.exec(DynamicCustomOp.builder(depthwise ? "depthwise_conv2d_bp" : "conv2d_bp").addInputs(inputs)
                    .addOutputs(outputs).addIntegerArguments(convArgs(k, stride, symmetric ? pad : null)).build());
            if (train) {
                result.put(name + "_" + kernelName, dk);
                if (db != null) {
                    result.put(name + "_bias", db);
                }
            }
            if (wantInput) {
                accumulate(grads, input, symmetric ? dx : cropped(dx, x.shape(), pad));
            }
        } else if (op instanceof Op.BatchNormalization bn) {
            INDArray[] ss = bnScaleShift(w, name, bn.epsilon());
            long c = g.size(3);
            INDArray g2 = contiguous(g).reshape('c', g.length() / c, c);
            if (train) {
                INDArray xhat = x.reshape('c', x.length() / c, c).subRowVector(w.get(name + "_moving_mean"))
                        .muliRowVector(ss[2]);
                result.put(name + "_gamma", xhat.muli(g2).sum(0).reshape(c));
                result.put(name + "_beta", g2.sum(0).reshape(c));
            }
            if (wantInput) {
                accumulate(grads, input, g2.mulRowVector(ss[0]).reshape('c', g.shape()));
            }
        } else if (op instanceof Op.Relu r) {
            accumulate(grads, input, activationGradient(values.get(name), g, r.activation()));
        } else if (op instanceof Op.MaxPooling2D p) {
            int[] pad = pads(x, p.pool(), p.stride(), p.padding());
            INDArray xp = padded(x, pad, Float.NEGATIVE_INFINITY);
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, xp.shape());
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(xp, contiguous(g)).addOutputs(dx)
                    .addIntegerArguments(poolArgs(p)).build());
            accumulate(grads, input, cropped(dx, x.shape(), pad));
        } else if (op instanceof Op.ZeroPadding2D z) {
            int[] s = graph.shape(input);
            accumulate(grads, input, cropped(g, new long[] {g.size(0), s[0], s[1], s[2]},
                    new int[] {z.top(), z.bottom(), z.left(), z.right()}));
        } else if (op instanceof Op.Add) {
            for (String t : n.inputs()) {
                if (needsGradient.contains(t)) {
                    accumulate(grads, t, g);
                }
            }
        } else if (op instanceof Op.GlobalAveragePooling2D) {
            int[] s = graph.shape(input);
            INDArray dx = g.reshape('c', g.size(0), 1, 1, s[2]).broadcast(g.size(0), s[0], s[1], s[2])
                    .div(s[0] * s[1]);
            accumulate(grads, input, contiguous(dx));
        } else if (op instanceof Op.Flatten) {
            int[] s = graph.shape(input);
            accumulate(grads, input, contiguous(g).reshape('c', g.size(0), s[0], s[1], s[2]));
        } else {
            throw new IllegalArgumentException("The libnd4j engine cannot differentiate layer " + name + " ("
                    + op.type().kerasName() + ") of " + graph.name());
        }
    }

    /** Adds {@code g} to the gradient of {@code tensor} (a tensor read by several nodes gets the sum). */
    private static void accumulate(Map<String, INDArray> grads, String tensor, INDArray g) {
        grads.merge(tensor, g, INDArray::add);
    }

    private static INDArray contiguous(INDArray a) {
        return a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
    }
}
