package org.transfer4j.internal.engine;

import java.util.Map;
import java.util.Set;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;

/**
 * Forward and backward through a part of a base's layer graph: what fine-tuning trains inside ResNet50 or MobileNetV2
 * (convolutions, BatchNormalization in inference mode, depthwise convolutions, ReLU/ReLU6, Add, ZeroPadding2D, max
 * pools, global average pooling), and what Grad-CAM differentiates through. Two backends implement it:
 * {@code DnnlGraphTrainer} (oneDNN primitives, the CPU default) and {@code Nd4jGraphTrainer} (libnd4j's ops: what
 * CUDA and {@code -Dtransfer4j.engine=nd4j} run, and the reference the other is tested against). Both pass the same
 * op tests ({@code GraphTrainerOpTest}).
 *
 * <h2>The part</h2>
 * It runs from one tensor {@code from} (the cut tensor a frozen prefix hands over, or {@link Graph#INPUT}) to one tensor
 * {@code to}: every node that descends from {@code from} and is an ancestor of {@code to} (or {@code to} itself), as
 * {@link Graph#between} lists them; a part that reads a tensor from before {@code from} is refused naming the node and
 * the tensor (a caller cutting inside a residual block starts at {@link Graph#entryOf}, the block's input).
 *
 * <h2>What trains</h2>
 * The layers named in {@code trainable} get the gradients of their trainable weights: Conv2D {@code kernel} and
 * {@code bias}, DepthwiseConv2D {@code depthwise_kernel} and {@code bias}, BatchNormalization {@code gamma} and
 * {@code beta}. BatchNormalization always normalises with its moving statistics (Keras's inference mode, as its
 * fine-tuning guide requires); {@code moving_mean} and {@code moving_variance} never train. The other layers of the
 * part are frozen: they run forward, and backward only where a gradient passes through them on its way to a trainable
 * layer or to a tensor in {@code gradientTensors}. Nothing is updated here: the caller owns the weights and its
 * optimizer changes them between steps.
 *
 * <h2>Weights</h2>
 * {@code params} maps {@code <layer>_<weight>} (Keras's short weight names: {@code block_1_depthwise_depthwise_kernel},
 * {@code conv1_bn_moving_variance}) to fp32 c-order arrays in Keras's shapes, for every weighted layer of the part,
 * frozen or not. The trainable ones change between steps, so an implementation reads them on every {@link #forward}.
 *
 * <p>Implementations are not thread-safe. Arrays they return belong to the engine and are overwritten by the next call
 * for the same batch size.
 */
public interface GraphTrainer extends AutoCloseable {

    /**
     * Forward pass, keeping what {@link #backward} needs.
     *
     * @param x      {@code from} for {@code n} examples: NHWC fp32 {@code [n, h, w, c]}
     * @param params the part's weights, as described above
     * @return {@code to}: NHWC fp32 {@code [n, h, w, c]} ({@code [n, 1, 1, c]} after a global average pooling)
     * @throws IllegalArgumentException naming the weight for a missing or misshapen weight, or for an input that does
     *                                  not match {@code from}'s shape
     */
    INDArray forward(INDArray x, Map<String, INDArray> params);

    /**
     * Backward through the last {@link #forward}. It may run more than once per forward, each time from that forward's
     * values (Grad-CAM runs one backward per requested class); each call returns its own gradients, nothing accumulates.
     *
     * @param dOut the gradient of the loss with respect to {@code to}, the shape of the last forward's output
     * @return the gradient of every trainable weight under {@code <layer>_<weight>} in Keras's shape, and of every
     *         tensor in {@code gradientTensors} under the tensor's name (NHWC, the tensor's shape)
     * @throws IllegalStateException before any forward
     */
    Map<String, INDArray> backward(INDArray dOut);

    /** The value a tensor of {@code gradientTensors} had in the last forward (NHWC fp32; what Grad-CAM weights). */
    INDArray activation(String tensor);

    /** Backend and precision, e.g. {@code oneDNN fp32}, for logs. */
    String description();

    /** Frees native memory held for the plans; the engine is unusable afterwards. */
    @Override
    void close();

    /**
     * The engine for this machine: oneDNN on the CPU backend, libnd4j's ops on CUDA or with
     * {@code -D}{@value PrefixEngine#BACKEND_PROPERTY}{@code =nd4j}.
     *
     * @param gradientTensors tensors of the part (or {@code from}) whose gradients {@link #backward} returns
     * @param precision       {@code FP32} or {@code BF16} (resolved): bf16 activations and convolution inputs, fp32
     *                        accumulation and fp32 gradients of the weights
     * @throws IllegalStateException    for BF16 where the chosen backend or the CPU cannot run it
     * @throws IllegalArgumentException for a part that does not close over {@code from}, or a trainable layer or
     *                                  gradient tensor outside it
     */
    static GraphTrainer create(Graph graph, String from, String to, Set<String> trainable,
            Set<String> gradientTensors, Precision precision) {
        if (Dnnl.selected()) {
            return new DnnlGraphTrainer(graph, from, to, trainable, gradientTensors, precision);
        }
        if (precision != Precision.FP32) {
            throw new IllegalStateException("Precision " + precision + " needs the oneDNN engine; the libnd4j engine "
                    + "runs FP32 only");
        }
        return new Nd4jGraphTrainer(graph, from, to, trainable, gradientTensors);
    }
}
