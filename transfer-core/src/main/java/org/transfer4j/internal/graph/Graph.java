package org.transfer4j.internal.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.transfer4j.model.Layer;

/**
 * A convolutional base as a DAG of typed layer specs over named tensors: each node is one Keras layer (its name is
 * Keras's layer name and the name of the tensor it outputs), reading the tensors its {@code inputs} name; the graph's
 * input tensor is {@value #INPUT}. Nodes are in Keras's {@code model.layers} order, which is a topological order.
 * Shapes are inferred once, here.
 *
 * <p>Immutable and thread-safe.
 */
public final class Graph {
    /** The name of the input tensor (Keras's first {@code InputLayer}). */
    public static final String INPUT = "input_1";

    /**
     * One layer.
     *
     * @param name    Keras's layer name, also the name of its output tensor
     * @param op      what it computes
     * @param inputs  the tensors it reads, in order
     */
    public record Node(String name, Op op, List<String> inputs) {
        public Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(op, "op");
            inputs = List.copyOf(inputs);
            if (inputs.size() != op.arity()) {
                throw new IllegalArgumentException("Layer " + name + " (" + op.type().kerasName() + ") takes "
                        + op.arity() + " input(s); got " + inputs);
            }
        }
    }

    private final String name;
    private final int[] inputShape;
    private final List<Node> nodes;
    private final Map<String, Node> byName = new HashMap<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final Map<String, List<String>> consumers = new HashMap<>();

    /**
     * @throws IllegalArgumentException for a duplicate name, an input that is not yet defined, or shapes that do not fit
     */
    public Graph(String name, int[] inputShape, List<Node> nodes) {
        this.name = Objects.requireNonNull(name, "name");
        this.inputShape = inputShape.clone();
        this.nodes = List.copyOf(nodes);
        if (this.nodes.isEmpty()) {
            throw new IllegalArgumentException("Graph " + name + " has no layers");
        }
        shapes.put(INPUT, this.inputShape);
        consumers.put(INPUT, new ArrayList<>());
        for (Node n : this.nodes) {
            if (shapes.containsKey(n.name())) {
                throw new IllegalArgumentException("Graph " + name + ": duplicate layer name " + n.name());
            }
            List<int[]> in = new ArrayList<>();
            for (String t : n.inputs()) {
                int[] s = shapes.get(t);
                if (s == null) {
                    throw new IllegalArgumentException("Graph " + name + ": layer " + n.name() + " reads '" + t
                            + "', which no earlier layer outputs");
                }
                in.add(s);
                consumers.get(t).add(n.name());
            }
            int[] out;
            try {
                out = n.op().outputShape(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Graph " + name + ": layer " + n.name() + ": " + e.getMessage(), e);
            }
            shapes.put(n.name(), out);
            byName.put(n.name(), n);
            consumers.put(n.name(), new ArrayList<>());
        }
    }

    public String name() {
        return name;
    }

    /** {@code [h, w, c]} of one input example. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The layers in Keras's order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The layer names in order. */
    public List<String> names() {
        return nodes.stream().map(Node::name).toList();
    }

    /** Whether a layer of that name exists. */
    public boolean has(String layer) {
        return byName.containsKey(layer);
    }

    /** The layer called {@code layer}. @throws IllegalArgumentException listing the valid names */
    public Node node(String layer) {
        Node n = byName.get(layer);
        if (n == null) {
            throw new IllegalArgumentException("Unknown layer '" + layer + "' in " + name + "; layers are "
                    + String.join(", ", names()));
        }
        return n;
    }

    /** Position of the layer in {@link #nodes()}. */
    public int indexOf(String layer) {
        return nodes.indexOf(node(layer));
    }

    /** Shape of one example of tensor {@code tensor} (a layer name or {@value #INPUT}). */
    public int[] shape(String tensor) {
        int[] s = shapes.get(tensor);
        if (s == null) {
            throw new IllegalArgumentException("Unknown tensor '" + tensor + "' in " + name);
        }
        return s.clone();
    }

    /** The layers that read {@code tensor}, in order. */
    public List<String> consumers(String tensor) {
        return Collections.unmodifiableList(consumers.getOrDefault(tensor, List.of()));
    }

    /** Weight short name → shape of a layer, in Keras's order. */
    public Map<String, int[]> weightShapes(Node n) {
        return n.op().weightShapes(shapes.get(n.inputs().get(0)));
    }

    /** Number of parameters of a layer (all its weights). */
    public long parameters(Node n) {
        long p = 0;
        for (int[] s : weightShapes(n).values()) {
            p += product(s);
        }
        return p;
    }

    /** The nodes a cut at {@code cut} must run: its ancestors and itself, in order. */
    public List<Node> ancestorsOf(String cut) {
        node(cut);
        Set<String> needed = new HashSet<>();
        needed.add(cut);
        List<Node> out = new ArrayList<>();
        for (int i = indexOf(cut); i >= 0; i--) {
            Node n = nodes.get(i);
            if (needed.contains(n.name())) {
                out.add(n);
                needed.addAll(n.inputs());
            }
        }
        Collections.reverse(out);
        return out;
    }

    /**
     * The nodes from tensor {@code from} to tensor {@code to}: every ancestor of {@code to} (and {@code to} itself) that
     * descends from {@code from}, in order. Every tensor they read is {@code from} or one of their outputs.
     *
     * @throws IllegalArgumentException for an unknown tensor, a {@code to} that does not descend from {@code from}, or
     *                                  a node of the part reading a tensor from before {@code from} (named)
     */
    public List<Node> between(String from, String to) {
        shape(from);
        shape(to);
        if (from.equals(to)) {
            return List.of();
        }
        Set<String> inside = new HashSet<>();
        List<Node> out = new ArrayList<>();
        for (Node n : ancestorsOf(to)) {
            if (n.inputs().stream().anyMatch(t -> t.equals(from) || inside.contains(t))) {
                inside.add(n.name());
                out.add(n);
            }
        }
        if (!inside.contains(to)) {
            throw new IllegalArgumentException("Layer " + to + " does not depend on " + from + " in " + name);
        }
        for (Node n : out) {
            for (String t : n.inputs()) {
                if (!t.equals(from) && !inside.contains(t)) {
                    throw new IllegalArgumentException("Layer " + n.name() + " reads " + t + ", which is computed "
                            + "before " + from + " in " + name + "; start the part earlier (see entryOf)");
                }
            }
        }
        return List.copyOf(out);
    }

    /** Whether the layers after {@code layer} read nothing computed before it: a prefix cut at it hands over all. */
    public boolean isEntry(String layer) {
        int i = indexOf(layer);
        return i == nodes.size() - 1 || entryOf(nodes.get(i + 1).name()).equals(layer);
    }

    /**
     * The last tensor before layer {@code layer} that alone carries everything the layers from {@code layer} on read:
     * {@code layer}'s input in a chain; inside a residual block, the block's input (the layers between it and
     * {@code layer} then run frozen in front of the part). A frozen prefix cut there hands one tensor over.
     */
    public String entryOf(String layer) {
        int k = indexOf(layer);
        Set<String> produced = new HashSet<>();
        for (int i = k; i < nodes.size(); i++) {
            produced.add(nodes.get(i).name());
        }
        Set<String> open = new HashSet<>();
        for (int i = k; i < nodes.size(); i++) {
            for (String t : nodes.get(i).inputs()) {
                if (!produced.contains(t)) {
                    open.add(t);
                }
            }
        }
        for (int j = k - 1; j >= 0 && open.size() > 1; j--) {
            Node n = nodes.get(j);
            if (open.remove(n.name())) {
                open.addAll(n.inputs());
            }
        }
        if (open.size() != 1) {
            throw new IllegalStateException("No single tensor enters " + name + " before " + layer + ": " + open);
        }
        return open.iterator().next();
    }

    /**
     * Whether this is a VGG-style stack: a chain of 3×3 "same" stride-1 convolutions with bias and ReLU and 2×2
     * stride-2 "valid" max pools, which the sequential engines run.
     */
    public boolean isPlainStack() {
        String previous = INPUT;
        for (Node n : nodes) {
            if (!n.inputs().equals(List.of(previous))) {
                return false;
            }
            boolean ok = n.op() instanceof Op.Conv2D c && c.kernel() == 3 && c.stride() == 1
                    && c.padding() == Padding.SAME && c.useBias() && c.activation() == Activation.RELU
                    || n.op() instanceof Op.MaxPooling2D p && p.pool() == 2 && p.stride() == 2
                    && p.padding() == Padding.VALID;
            if (!ok) {
                return false;
            }
            previous = n.name();
        }
        return true;
    }

    /** {@link #isPlainStack()} but for a global average pooling at the end (a VGG base under a pooled head). */
    public boolean isPlainStackBeforePooling() {
        Node last = nodes.get(nodes.size() - 1);
        if (nodes.size() > 1 && last.op() instanceof Op.GlobalAveragePooling2D) {
            return new Graph(name, inputShape, nodes.subList(0, nodes.size() - 1)).isPlainStack();
        }
        return isPlainStack();
    }

    /** The public view: one {@link Layer} per node. */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        for (Node n : nodes) {
            List<Layer.Weight> ws = new ArrayList<>();
            Set<String> frozen = n.op().nonTrainable();
            for (Map.Entry<String, int[]> e : weightShapes(n).entrySet()) {
                ws.add(new Layer.Weight(e.getKey(), e.getValue(), !frozen.contains(e.getKey())));
            }
            out.add(new Layer(n.name(), n.op().type(), shapes.get(n.inputs().get(0)), shapes.get(n.name()),
                    n.op().kernelSize(), parameters(n), ws, n.inputs()));
        }
        return out;
    }

    /**
     * Multiply-adds of one example's forward pass through the convolutions (depthwise ones included): the usual
     * measure of a base's cost (VGG16 at 224 px: 15.35 G; twice that in FLOP).
     */
    public long multiplyAdds() {
        long total = 0;
        for (Node n : nodes) {
            int[] in = shapes.get(n.inputs().get(0));
            int[] out = shapes.get(n.name());
            if (n.op() instanceof Op.Conv2D c) {
                total += (long) out[0] * out[1] * out[2] * c.kernel() * c.kernel() * in[2];
            } else if (n.op() instanceof Op.DepthwiseConv2D d) {
                total += (long) out[0] * out[1] * out[2] * d.kernel() * d.kernel();
            }
        }
        return total;
    }

    /** Total parameters. */
    public long parameters() {
        return nodes.stream().mapToLong(this::parameters).sum();
    }

    static long product(int[] s) {
        long p = 1;
        for (int d : s) {
            p *= d;
        }
        return p;
    }

    /** Graphs are equal when name, input shape and nodes are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && name.equals(g.name) && Arrays.equals(inputShape, g.inputShape)
                && nodes.equals(g.nodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(inputShape), nodes);
    }

    @Override
    public String toString() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Node n : nodes) {
            m.put(n.name(), Arrays.toString(shapes.get(n.name())));
        }
        return name + Arrays.toString(inputShape) + m;
    }
}
