package org.transfer4j.internal.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph} the way Keras's functional API does: each call adds one layer reading the named tensors and
 * returns its output tensor's name (the layer's name). Not thread-safe; the graph it builds is immutable.
 */
public final class GraphBuilder {
    private final String name;
    private final int[] input;
    private final List<Graph.Node> nodes = new ArrayList<>();
    private final Map<String, int[]> shapes = new HashMap<>();

    public GraphBuilder(String name, int height, int width, int channels) {
        this.name = name;
        this.input = new int[] {height, width, channels};
        shapes.put(Graph.INPUT, input.clone());
    }

    /** The input tensor's name. */
    public String input() {
        return Graph.INPUT;
    }

    public String add(String layer, Op op, String... inputs) {
        Graph.Node node = new Graph.Node(layer, op, List.of(inputs));
        List<int[]> in = new ArrayList<>();
        for (String t : inputs) {
            int[] s = shapes.get(t);
            if (s == null) {
                throw new IllegalArgumentException(name + ": layer " + layer + " reads unknown tensor '" + t + "'");
            }
            in.add(s);
        }
        shapes.put(layer, op.outputShape(in));
        nodes.add(node);
        return layer;
    }

    public String conv(String layer, String from, int filters, int kernel, int stride, Padding padding,
            boolean useBias, Activation activation) {
        return add(layer, new Op.Conv2D(filters, kernel, stride, padding, useBias, activation), from);
    }

    public String depthwise(String layer, String from, int kernel, int stride, Padding padding, boolean useBias) {
        return add(layer, new Op.DepthwiseConv2D(kernel, stride, padding, useBias, Activation.NONE), from);
    }

    public String batchNorm(String layer, String from, double epsilon) {
        return add(layer, new Op.BatchNormalization(epsilon), from);
    }

    public String relu(String layer, String from, Activation activation) {
        return add(layer, new Op.Relu(activation), from);
    }

    public String maxPool(String layer, String from, int pool, int stride, Padding padding) {
        return add(layer, new Op.MaxPooling2D(pool, stride, padding), from);
    }

    public String zeroPad(String layer, String from, int top, int bottom, int left, int right) {
        return add(layer, new Op.ZeroPadding2D(top, bottom, left, right), from);
    }

    public String sum(String layer, String a, String b) {
        return add(layer, new Op.Add(), a, b);
    }

    /** The shape of a tensor built so far. */
    public int[] shape(String tensor) {
        return shapes.get(tensor).clone();
    }

    public Graph build() {
        return new Graph(name, input, nodes);
    }
}
