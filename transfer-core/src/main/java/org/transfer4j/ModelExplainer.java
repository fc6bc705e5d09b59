package org.transfer4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.ColorMode;
import org.transfer4j.data.ImageDecoder;
import org.transfer4j.data.Interpolation;
import org.transfer4j.explain.ClassScore;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;
import org.transfer4j.explain.Heatmap;
import org.transfer4j.internal.engine.GradCamEngine;
import org.transfer4j.internal.engine.PrefixEngine;
import org.transfer4j.internal.graph.BaseGraphs;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.internal.image.PillowOps;
import org.transfer4j.internal.image.RawImage;
import org.transfer4j.interop.Nd4jArrays;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.FeatureExtractor;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/**
 * Grad-CAM for a {@link TransferModel}: splits the whole network (frozen prefix, trained conv layers, head) at the
 * explained layer, runs forward to it and back from the class scores, and turns activations and gradients into
 * {@link Heatmap}s. Keeps the engine of the last layer explained until the model's weights change.
 *
 * <p>Not thread-safe (owned by one model).
 */
final class ModelExplainer {
    private final TransferModel model;
    private String engineLayer;
    private GradCamEngine engine;
    private FeatureExtractor prefixExtractor;

    ModelExplainer(TransferModel model) {
        this.model = model;
    }

    /**
     * The layers Grad-CAM can explain in {@code base}: in a VGG-style base (convolutions and max pools) every conv
     * layer; in a graph base (ResNet50, MobileNetV2) every layer with a spatial output (convolutions, depthwise
     * convolutions, BatchNormalizations, activations, Adds; not paddings or pools), by default the last one
     * ({@code conv5_block3_out}, {@code out_relu}: the last activation, as Keras's Grad-CAM example explains Xception's
     * {@code block14_sepconv2_act}).
     */
    static List<String> explainableLayers(ConvBase base) {
        List<Layer> layers = base.layers();
        int spatialEnd = layers.size();
        while (spatialEnd > 0 && layers.get(spatialEnd - 1).type() == LayerType.GLOBAL_AVERAGE_POOLING2D) {
            spatialEnd--; // the base's global average pooling (Keras's pooling='avg'), if any
        }
        if (BaseGraphs.of(base).isPlainStackBeforePooling()) {
            return layers.stream().filter(l -> l.type() == LayerType.CONV2D).map(Layer::name).toList();
        }
        return layers.subList(0, spatialEnd).stream()
                .filter(l -> l.type() != LayerType.ZERO_PADDING2D && l.type() != LayerType.MAX_POOLING2D)
                .map(Layer::name).toList();
    }

    /** The layer {@code spec} names, or the last explainable one (VGG: the last conv layer). */
    static int layerIndex(ConvBase base, GradCam spec) {
        List<String> explainable = explainableLayers(base);
        if (explainable.isEmpty()) {
            throw new IllegalArgumentException("Base " + base.name() + " has no layer with a spatial output to explain");
        }
        if (spec.layerName().isEmpty()) {
            return base.indexOf(explainable.get(explainable.size() - 1));
        }
        String name = spec.layerName().get();
        if (!explainable.contains(name)) {
            String what = !base.layerNames().contains(name) ? "Unknown layer '" + name + "' in " + base.name()
                    : "Layer '" + name + "' of " + base.name() + " cannot be explained (Grad-CAM needs a layer with a "
                            + "spatial output: a convolution" + (BaseGraphs.of(base).isPlainStackBeforePooling() ? ")"
                                    : ", normalization, activation or Add; not a padding, pool or global pooling)");
            throw new IllegalArgumentException(what + "; Grad-CAM explains " + String.join(", ", explainable));
        }
        return base.indexOf(name);
    }

    /** Explains decoded images; {@code originals} are the images at their own size, {@code inputs} at the input size. */
    List<Explanation> explain(List<Path> files, List<HwcImage> originals, List<HwcImage> inputs, GradCam spec)
            throws WeightsException {
        TransferPipeline pipeline = model.pipeline();
        ConvBase base = pipeline.base();
        int target = layerIndex(base, spec);
        List<String> names = model.classNames();
        int[] classes = requestedClasses(spec, names);
        GradCamEngine e = engine(base, target);
        String layer = base.layers().get(target).name();
        int per = base.inputHeight() * base.inputWidth() * 3;
        int batch = pipeline.trainingOptions().batchSize();
        List<Explanation> out = new ArrayList<>();
        for (int from = 0; from < inputs.size(); from += batch) {
            int n = Math.min(batch, inputs.size() - from);
            float[] nhwc = new float[per * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(inputs.get(from + i).pixels(), 0, nhwc, i * per, per);
            }
            base.preprocessing().applyRgb(nhwc, 0, nhwc.length / 3);
            INDArray x = Nd4j.create(nhwc, new long[] {n, base.inputHeight(), base.inputWidth(), 3}, 'c');
            List<int[]> passes = new ArrayList<>();
            for (int c : classes) {
                int[] pass = new int[n];
                Arrays.fill(pass, c);
                passes.add(pass);
            }
            GradCamEngine.Result r = e.run(x, passes, spec.score() == ClassScore.PROBABILITY);
            int[] s = r.shape();
            int size = s[0] * s[1] * s[2];
            for (int i = 0; i < n; i++) {
                Map<String, Double> probabilities = new LinkedHashMap<>();
                int predicted = probabilities(r.probabilities(), r.units(), i, names, probabilities);
                float[] a = Arrays.copyOfRange(r.activations(), i * size, (i + 1) * size);
                List<Heatmap> maps = new ArrayList<>();
                for (int p = 0; p < classes.length; p++) {
                    int c = classes[p] < 0 ? predicted : classes[p];
                    float[] g = Arrays.copyOfRange(r.gradients().get(p), i * size, (i + 1) * size);
                    maps.add(Heatmap.of(names.get(c), c, layer, a, g, s[0], s[1], s[2]));
                }
                out.add(new Explanation(files.get(from + i), originals.get(from + i), probabilities,
                        names.get(predicted), maps, spec.score()));
            }
        }
        e.releaseBuffers();
        return out;
    }

    /** Fills {@code out} with example {@code i}'s probabilities by class name; returns the predicted class index. */
    private static int probabilities(float[] p, int units, int i, List<String> names, Map<String, Double> out) {
        if (units == 1) {
            double q = p[i];
            out.put(names.get(0), 1 - q);
            out.put(names.get(1), q);
            return q > 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int j = 0; j < units; j++) {
            out.put(names.get(j), (double) p[i * units + j]);
            if (p[i * units + j] > p[i * units + best]) {
                best = j;
            }
        }
        return best;
    }

    /** Class indices to explain; -1 stands for the predicted class. */
    private static int[] requestedClasses(GradCam spec, List<String> names) {
        if (spec.classNames().isEmpty()) {
            return new int[] {-1};
        }
        if (spec.classNames().equals(GradCam.ALL_CLASSES)) {
            return IntStream.range(0, names.size()).toArray();
        }
        int[] out = new int[spec.classNames().size()];
        for (int i = 0; i < out.length; i++) {
            String c = spec.classNames().get(i);
            out[i] = names.indexOf(c);
            if (out[i] < 0) {
                throw new IllegalArgumentException("Unknown class '" + c + "'; the model's classes are "
                        + String.join(", ", names));
            }
        }
        return out;
    }

    private GradCamEngine engine(ConvBase base, int target) throws WeightsException {
        String layer = base.layers().get(target).name();
        if (engine == null || !layer.equals(engineLayer)) {
            close();
            Map<String, INDArray> trained = model.suffix().variableValues();
            Weights weights = withTrained(base, model.baseWeightsForSaving(true), trained);
            // the prefix runs as features are extracted (oneDNN, the model's precision), the tail in fp32. A chain (VGG)
            // is cut at the layer itself and its tail runs on SuffixNet's chain path; in a graph the prefix ends where
            // the layer's block is entered (the layer itself when nothing after it reads an earlier tensor), and the
            // tail runs on the graph engine unless only a global average pooling follows the layer
            Graph graph = BaseGraphs.of(base);
            String entry = graph.isPlainStackBeforePooling() || graph.isEntry(layer) ? layer : graph.entryOf(layer);
            List<Layer> tail = base.layers().subList(target + 1, base.layers().size());
            boolean chain = graph.isPlainStackBeforePooling()
                    || entry.equals(layer) && tail.stream().allMatch(l -> l.type() == LayerType.GLOBAL_AVERAGE_POOLING2D);
            FeatureExtractor extractor = base.extractor(weights, entry, model.pipeline().precision());
            prefixExtractor = extractor;
            PrefixEngine prefix = new PrefixEngine() {
                @Override
                public INDArray forward(INDArray nhwc) {
                    return Nd4jArrays.forward(extractor, nhwc);
                }

                @Override
                public void releaseBuffers() {
                    // the extractor keeps its plan for the next batch; close() frees it
                }

                @Override
                public String description() {
                    return extractor.toString();
                }
            };
            Head head = TrainingRun.requireHead(model.pipeline());
            engine = chain
                    ? new GradCamEngine(prefix, base.layers().get(target).outputShape(), tail, weights, head, trained)
                    : GradCamEngine.onGraph(prefix, graph, entry, layer, weights, head, trained);
            engineLayer = layer;
        }
        return engine;
    }

    /** Frees the explaining engine (the next explanation builds it again). */
    void close() {
        if (engine != null) {
            engine.close();
        }
        engine = null;
        engineLayer = null;
        if (prefixExtractor != null) {
            prefixExtractor.close();
            prefixExtractor = null;
        }
    }

    /** The base weights with the trained layers' current values ({@code <layer>_<weight>}) in place of their starting ones. */
    private static Weights withTrained(ConvBase base, Weights weights, Map<String, INDArray> trained)
            throws WeightsException {
        Map<String, LayerWeights> byLayer = new LinkedHashMap<>(weights.layers());
        boolean changed = false;
        for (Layer l : base.layers()) {
            if (l.weights().stream().noneMatch(w -> trained.containsKey(l.name() + "_" + w.name()))) {
                continue;
            }
            LayerWeights current = weights.layer(l.name());
            LayerWeights.Builder b = LayerWeights.builder();
            for (Layer.Weight w : l.weights()) {
                INDArray t = trained.get(l.name() + "_" + w.name());
                b.put(w.name(), current.shape(w.name()), t == null ? current.values(w.name())
                        : t.dup('c').data().asFloat());
            }
            byLayer.put(l.name(), b.build());
            changed = true;
        }
        return changed ? Weights.of(base.layers(), byLayer, weights.checksum() + "+trained",
                weights.description() + " with trained layers") : weights;
    }

    /** Decodes files for {@link #explain}: each at its own size and at the model's input size. */
    static void decode(List<Path> files, int height, int width, List<HwcImage> originals, List<HwcImage> inputs)
            throws BadImageException {
        ImageDecoder nativeSize = ImageDecoder.create().colorMode(ColorMode.RGB);
        ImageDecoder input = nativeSize.targetSize(height, width);
        for (Path f : files) {
            originals.add(nativeSize.decode(f));
            inputs.add(input.decode(f));
        }
    }

    /** An in-memory RGB image (0..255) at the model's input size, resized as the decoder does when it is not. */
    static HwcImage resizedForInput(HwcImage image, int height, int width) {
        if (image.channels() != 3) {
            throw new IllegalArgumentException("Expected an RGB image (3 channels); got " + image.channels());
        }
        if (image.height() == height && image.width() == width) {
            return image;
        }
        float[] px = image.pixels();
        byte[] bytes = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            bytes[i] = (byte) Math.round(Math.min(255f, Math.max(0f, px[i])));
        }
        RawImage r = PillowOps.resize(new RawImage(image.height(), image.width(), 3, bytes), height, width,
                Interpolation.NEAREST);
        float[] out = new float[r.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.data()[i] & 0xFF;
        }
        return new HwcImage(height, width, 3, out);
    }
}
