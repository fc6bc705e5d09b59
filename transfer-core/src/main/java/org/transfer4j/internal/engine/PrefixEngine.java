package org.transfer4j.internal.engine;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.Precision;
import org.transfer4j.internal.graph.Graph;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Weights;

/**
 * Forward pass of a frozen run of conv-base layers, for inference: what a {@code FeatureExtractor} runs. Two
 * backends implement it: {@link DnnlPrefix} (oneDNN called directly, the CPU default) and {@link FrozenPrefix}
 * (libnd4j's ops; what the CUDA backend runs, and the reference the other is tested against).
 *
 * <p>Implementations are not thread-safe.
 */
public interface PrefixEngine {

    /**
     * The last layer's output for an NHWC float batch {@code [n, h, w, c]} matching the first layer's input.
     *
     * @return a new fp32 array {@code [n, h', w', c']} the caller owns (later passes do not touch it)
     */
    INDArray forward(INDArray nhwc);

    /** Frees the per-batch-size buffers (the next pass sets them up again); weights stay. */
    void releaseBuffers();

    /** Backend and precision, e.g. {@code oneDNN fp32 (nChw16c)}, for logs and provenance. */
    String description();

    /** System property choosing the backend: {@code onednn} or {@code nd4j}; unset means the default. */
    String BACKEND_PROPERTY = "transfer4j.engine";

    /**
     * The engine for the graph {@code graph} up to {@code cut}. A VGG-style chain runs on the sequential engines
     * ({@link #create(List, Weights, Precision)}: the same primitives and layouts as before graphs existed); any other
     * graph runs on {@link DnnlGraph} where oneDNN is selected, else on {@link Nd4jGraph} (libnd4j's ops, fp32 only).
     *
     * @param precision a resolved precision, {@code FP32} or {@code BF16}
     * @throws IllegalStateException for BF16 on the libnd4j backend, or an unknown backend name
     */
    static PrefixEngine create(Graph graph, String cut, List<Layer> run, Weights weights, Precision precision) {
        if (graph.isPlainStack()) {
            return create(run, weights, precision);
        }
        if (Dnnl.selected()) {
            return new DnnlGraph(graph, cut, weights, precision);
        }
        requireFp32OnNd4j(precision);
        return new Nd4jGraph(graph, cut, weights);
    }

    /**
     * The default engine for these layers: oneDNN on the CPU backend, libnd4j's ops on CUDA (or where oneDNN does not
     * load). {@code -Dtransfer4j.engine=nd4j} picks libnd4j's ops on the CPU too (for comparison), {@code onednn}
     * insists on oneDNN.
     *
     * @param precision a resolved precision, {@code FP32} or {@code BF16}
     * @throws IllegalStateException    for BF16 on the libnd4j backend, or an unknown backend name
     */
    static PrefixEngine create(List<Layer> layers, Weights weights, Precision precision) {
        boolean dnnl = Dnnl.selected();
        if (dnnl) {
            return new DnnlPrefix(layers, weights, precision);
        }
        requireFp32OnNd4j(precision);
        return new FrozenPrefix(layers, weights);
    }

    private static void requireFp32OnNd4j(Precision precision) {
        if (precision != Precision.FP32) {
            throw new IllegalStateException("Precision " + precision + " needs the oneDNN engine; the libnd4j engine "
                    + "runs FP32 only");
        }
    }
}
