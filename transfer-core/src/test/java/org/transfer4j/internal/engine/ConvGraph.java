package org.transfer4j.internal.engine;

import java.util.List;
import java.util.Map;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;

/**
 * The test oracle for {@link FrozenPrefix}: a run of conv-base layers as a SameDiff graph of ND4J ops in NHWC with
 * Keras-layout {@code [kh, kw, in, out]} (YXIO) kernels as constants (the frozen engine until direct op calls into
 * reused buffers replaced it), ReLU after every convolution.
 */
public final class ConvGraph {
    /** Name of the input placeholder of graphs built here. */
    public static final String INPUT = "input";

    private ConvGraph() {
    }

    /**
     * Appends {@code layers} to {@code sd}, starting from {@code input}, and returns the last layer's output.
     *
     * @param trainable whether the weights become trainable variables (else constants)
     */
    public static SDVariable append(SameDiff sd, SDVariable input, List<Layer> layers, Weights weights, boolean trainable) {
        SDVariable x = input;
        for (Layer layer : layers) {
            x = switch (layer.type()) {
                case CONV2D -> conv(sd, x, layer, weights.layer(layer.name()), trainable);
                case MAX_POOLING2D -> sd.cnn().maxPooling2d(layer.name(), x, Pooling2DConfig.builder()
                        .kH(layer.kernelSize()).kW(layer.kernelSize()).sH(2).sW(2)
                        .paddingMode(PaddingMode.VALID).isNHWC(true).build());
                default -> throw new IllegalArgumentException("Layer " + layer + " is not a conv-base layer");
            };
        }
        return x;
    }

    /** A graph with an NHWC float placeholder {@value #INPUT} for {@code inputShape} and {@code layers} applied. */
    public static SameDiff build(int[] inputShape, List<Layer> layers, Weights weights, boolean trainable) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder(INPUT, DataType.FLOAT, -1, inputShape[0], inputShape[1], inputShape[2]);
        append(sd, in, layers, weights, trainable);
        return sd;
    }

    private static SDVariable conv(SameDiff sd, SDVariable x, Layer layer, LayerWeights w, boolean trainable) {
        INDArray kernel = Nd4j.create(w.kernel(), w.kernelShape(), 'c');
        INDArray bias = Nd4j.create(w.bias(), new long[] {w.bias().length}, 'c');
        SDVariable k = trainable ? sd.var(layer.name() + "_kernel", kernel) : sd.constant(layer.name() + "_kernel", kernel);
        SDVariable b = trainable ? sd.var(layer.name() + "_bias", bias) : sd.constant(layer.name() + "_bias", bias);
        Conv2DConfig config = Conv2DConfig.builder().kH(layer.kernelSize()).kW(layer.kernelSize()).sH(1).sW(1)
                .paddingMode(PaddingMode.SAME).dataFormat("NHWC").weightsFormat(WeightsFormat.YXIO).build();
        SDVariable z = sd.cnn().conv2d(layer.name() + "_conv", x, k, b, config);
        return sd.nn().relu(layer.name(), z, 0.0);
    }

    /**
     * Runs {@code sd} on {@code input} and returns a copy of {@code output}: SameDiff's own arrays live in session
     * memory that a later allocation may reuse.
     */
    public static INDArray run(SameDiff sd, INDArray input, String output) {
        Map<String, INDArray> out = sd.output(Map.of(INPUT, input), output);
        return out.get(output).dup();
    }
}
