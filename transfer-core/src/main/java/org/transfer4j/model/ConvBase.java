package org.transfer4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import org.transfer4j.Precision;
import org.transfer4j.internal.graph.BaseGraphs;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.graph.Op;

/**
 * A convolutional base (a pretrained network without its classifier, Keras's {@code include_top=False}): its layers
 * with Keras's names and shapes for one input size, where its weights come from, and the preprocessing its weights
 * expect.
 *
 * <p>Immutable and thread-safe; {@code with...} methods return new values. Nothing heavy happens until
 * {@link #loadWeights()} or {@link #extractor(String)}.
 *
 * @see Vgg16
 */
public final class ConvBase {
    static {
        BaseGraphs.register(ConvBase::graph);
    }

    private final Graph graph;
    private final Graph unpooled;
    private final Pooling pooling;
    private final Pooling defaultPooling;
    private final String name;
    private final int inputHeight;
    private final int inputWidth;
    private final int channels;
    private final List<Layer> layers;
    private final WeightsSource weights;
    private final Preprocessing preprocessing;

    ConvBase(Graph graph, WeightsSource weights, Preprocessing preprocessing, Pooling defaultPooling) {
        this(graph, Pooling.NONE, defaultPooling, weights, preprocessing);
    }

    private ConvBase(Graph unpooled, Pooling pooling, Pooling defaultPooling, WeightsSource weights,
            Preprocessing preprocessing) {
        this.unpooled = Objects.requireNonNull(unpooled, "graph");
        this.pooling = Objects.requireNonNull(pooling, "pooling");
        this.defaultPooling = Objects.requireNonNull(defaultPooling, "defaultPooling");
        Graph graph = pooling == Pooling.NONE ? unpooled : withAveragePool(unpooled);
        this.graph = graph;
        this.name = graph.name();
        int[] in = graph.inputShape();
        this.inputHeight = in[0];
        this.inputWidth = in[1];
        this.channels = in[2];
        this.layers = graph.layers();
        this.weights = Objects.requireNonNull(weights, "weights");
        this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
    }

    /** The layer graph the engines plan from (package-private: the graph type is internal; see {@link BaseGraphs}). */
    Graph graph() {
        return graph;
    }

    /** Keras's name of the pooling layer {@code pooling='avg'} adds: {@code avg_pool} in ResNet, else the default. */
    private static Graph withAveragePool(Graph g) {
        List<Graph.Node> nodes = new ArrayList<>(g.nodes());
        String last = nodes.get(nodes.size() - 1).name();
        String name = g.name().startsWith("resnet") ? "avg_pool" : "global_average_pooling2d";
        nodes.add(new Graph.Node(name, new Op.GlobalAveragePooling2D(), List.of(last)));
        return new Graph(g.name(), g.inputShape(), nodes);
    }

    /**
     * The same base with {@code pooling} after its last layer: {@link Pooling#AVG} appends Keras's
     * {@code GlobalAveragePooling2D} layer ({@code avg_pool} in ResNet50, {@code global_average_pooling2d} elsewhere),
     * as {@code pooling='avg'} does; {@link Pooling#NONE} removes it.
     */
    public ConvBase withPooling(Pooling p) {
        return p == pooling ? this : new ConvBase(unpooled, p, defaultPooling, weights, preprocessing);
    }

    /** The pooling after the last conv layer ({@link Pooling#NONE} unless {@link #withPooling} added one). */
    public Pooling pooling() {
        return pooling;
    }

    /**
     * The pooling a head on this base gets unless it says otherwise: {@link Pooling#NONE} (Flatten, the book's) for
     * VGG, {@link Pooling#AVG} for ResNet50 and MobileNetV2 (Keras's {@code pooling='avg'}).
     */
    public Pooling defaultPooling() {
        return defaultPooling;
    }

    /** The model's name, e.g. {@code vgg16}. */
    public String name() {
        return name;
    }

    public int inputHeight() {
        return inputHeight;
    }

    public int inputWidth() {
        return inputWidth;
    }

    public int channels() {
        return channels;
    }

    /** {@code [h, w, c]} of one input image. */
    public int[] inputShape() {
        return new int[] {inputHeight, inputWidth, channels};
    }

    /** The layers in order, without the input layer. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layer names in order. */
    public List<String> layerNames() {
        return layers.stream().map(Layer::name).toList();
    }

    /**
     * The layer called {@code layerName}.
     *
     * @throws IllegalArgumentException naming the bad name and listing the valid ones
     */
    public Layer layer(String layerName) {
        return layers.get(indexOf(layerName));
    }

    /**
     * Position of {@code layerName} in {@link #layers()}.
     *
     * @throws IllegalArgumentException naming the bad name and listing the valid ones
     */
    public int indexOf(String layerName) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layerName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("Unknown layer '" + layerName + "' in " + name + "; layers are "
                + String.join(", ", layerNames()));
    }

    /** The last layer. */
    public Layer lastLayer() {
        return layers.get(layers.size() - 1);
    }

    /** {@code [h, w, c]} of the base's output for one image, e.g. {@code [4, 4, 512]} for VGG16 at 150×150. */
    public int[] outputShape() {
        return lastLayer().outputShape();
    }

    /** Total number of parameters (with BatchNormalization's moving statistics, as Keras counts them). */
    public long parameterCount() {
        return layers.stream().mapToLong(Layer::parameters).sum();
    }

    /** Parameters that never train: BatchNormalization's moving mean and variance (Keras's "Non-trainable params"). */
    public long nonTrainableParameterCount() {
        return layers.stream().mapToLong(Layer::nonTrainableParameters).sum();
    }

    public WeightsSource weightsSource() {
        return weights;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** The same base with other weights. */
    public ConvBase withWeights(WeightsSource source) {
        return new ConvBase(unpooled, pooling, defaultPooling, source, preprocessing);
    }

    /** The same base with another preprocessing (e.g. the book's {@link Preprocessing#RESCALE}). */
    public ConvBase withPreprocessing(Preprocessing p) {
        return new ConvBase(unpooled, pooling, defaultPooling, weights, p);
    }

    /**
     * Reads and checks the weights.
     *
     * @throws WeightsException (or {@link WeightsUnavailableException}) if they cannot be had
     */
    public Weights loadWeights() throws WeightsException {
        return weights.load(name, layers);
    }

    /**
     * Loads the weights and opens an extractor that runs the base up to and including {@code cutLayer}.
     *
     * @throws IllegalArgumentException for an unknown layer
     * @throws WeightsException         if the weights cannot be had
     */
    public FeatureExtractor extractor(String cutLayer) throws WeightsException {
        indexOf(cutLayer);
        return new FeatureExtractor(this, loadWeights(), cutLayer, Precision.FP32);
    }

    /** Opens an extractor over the whole base with already loaded weights. */
    public FeatureExtractor extractor(Weights loaded) {
        return new FeatureExtractor(this, loaded, lastLayer().name(), Precision.FP32);
    }

    /** Opens an fp32 extractor up to {@code cutLayer} with already loaded weights. */
    public FeatureExtractor extractor(Weights loaded, String cutLayer) {
        return extractor(loaded, cutLayer, Precision.FP32);
    }

    /**
     * Opens an extractor up to {@code cutLayer} with already loaded weights, computing in {@code precision}.
     *
     * @throws IllegalArgumentException for an unknown layer
     * @throws IllegalStateException    for {@link Precision#BF16} where it cannot run (see {@link Precision#resolve()})
     */
    public FeatureExtractor extractor(Weights loaded, String cutLayer, Precision precision) {
        indexOf(cutLayer);
        return new FeatureExtractor(this, loaded, cutLayer, precision.resolve());
    }

    /** Keras's {@code conv_base.summary()}: every layer trainable but BatchNormalization's moving statistics. */
    public Summary summary() {
        List<Summary.Row> rows = new ArrayList<>();
        rows.add(Summary.Row.of("input_1", LayerType.INPUT.kerasName(), Shapes.keras(inputShape()), 0, true));
        for (Layer l : layers) {
            rows.add(new Summary.Row(l.name(), l.type().kerasName(), l.kerasOutputShape(), l.parameters(),
                    l.parameters() - l.nonTrainableParameters()));
        }
        return new Summary(name, rows);
    }

    /** Parameters of the layers from index {@code first} (inclusive) on. */
    public long parameterCountFrom(int first) {
        return layers.subList(first, layers.size()).stream().mapToLong(Layer::parameters).sum();
    }

    @Override
    public String toString() {
        return name + layers.stream().map(Layer::name).collect(Collectors.joining(",", "[", "]")) + " "
                + inputHeight + "x" + inputWidth + "x" + channels + ", weights " + weights.describe() + ", preprocessing "
                + preprocessing.id();
    }
}
