package org.transfer4j.internal.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer.Type;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/**
 * Reads the convolution weights of a DL4J zoo model zip ({@code vgg16_dl4j_inference.zip}, a
 * {@link ComputationGraph} written by {@link ModelSerializer}). DL4J keeps kernels as {@code [out, in, kh, kw]}; they
 * are permuted to Keras's {@code [kh, kw, in, out]}.
 */
public final class Dl4jZooReader {
    private Dl4jZooReader() {
    }

    /** True if the file starts with a zip local-file header. */
    public static boolean looksLikeZip(Path file) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, 4) == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads every layer of {@code layers} that has weights. @throws WeightsException naming the file and problem */
    public static Weights read(Path file, List<Layer> layers) throws WeightsException {
        String checksum;
        ComputationGraph graph;
        try {
            checksum = "md5:" + Checksum.of(file, Checksum.Algorithm.MD5).hex();
            graph = ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new WeightsException("Weights file " + file + " is not a readable DL4J model zip: " + e.getMessage(), e);
        }
        try {
            Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
            for (Layer layer : layers) {
                if (!layer.hasWeights()) {
                    continue;
                }
                // getVertex, not getLayer: DL4J's getLayer(name) throws IllegalStateException for an unknown name
                GraphVertex vertex = graph.getVertex(layer.name());
                org.deeplearning4j.nn.api.Layer l = vertex == null || !vertex.hasLayer() ? null : vertex.getLayer();
                if (l == null || l.type() != Type.CONVOLUTIONAL) {
                    throw new WeightsException("DL4J model " + file + " has no convolution layer '" + layer.name()
                            + "'; its layers are " + Arrays.stream(graph.getLayers()).map(x -> x.conf().getLayer()
                            .getLayerName()).toList());
                }
                INDArray w = l.getParam("W");
                INDArray b = l.getParam("b");
                if (w == null || b == null || w.rank() != 4) {
                    throw new WeightsException("DL4J model " + file + ": layer '" + layer.name() + "' lacks W/b params");
                }
                INDArray keras = w.permute(2, 3, 1, 0).castTo(DataType.FLOAT).dup('c');
                float[] kernel = keras.data().asFloat();
                float[] bias = b.castTo(DataType.FLOAT).dup('c').data().asFloat();
                try {
                    byLayer.put(layer.name(), new LayerWeights(kernel, keras.shape(), bias));
                } catch (IllegalArgumentException e) {
                    throw new WeightsException("DL4J model " + file + ": layer '" + layer.name() + "': " + e.getMessage(), e);
                }
            }
            return Weights.of(layers, byLayer, checksum, file.toString());
        } finally {
            graph.close();
        }
    }
}
