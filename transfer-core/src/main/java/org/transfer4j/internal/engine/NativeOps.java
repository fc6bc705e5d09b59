package org.transfer4j.internal.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct calls of libnd4j's NHWC convolution and pooling ops and their gradients (oneDNN-backed on the onednn build),
 * with outputs allocated here or passed in: no SameDiff session, so no array recycling. Kernels are Keras's
 * {@code [kh, kw, in, out]} (libnd4j wFormat 0).
 */
public final class NativeOps {
    private NativeOps() {
    }

    private static int[] convArgs(int k) {
        // kH, kW, sH, sW, pH, pW, dH, dW, paddingMode (1 = SAME), dataFormat (1 = NHWC), wFormat (0 = YXIO)
        return new int[] {k, k, 1, 1, 0, 0, 1, 1, 1, 1, 0};
    }

    private static int[] poolArgs() {
        // kH, kW, sH, sW, pH, pW, dH, dW, isSameMode (0 = VALID), extraParam0, isNHWC (1)
        return new int[] {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 1};
    }

    /** 3×3 (or {@code k}×{@code k}) "same" convolution with bias: {@code [n, h, w, in] -> [n, h, w, out]}. */
    public static INDArray conv2d(INDArray x, INDArray kernel, INDArray bias) {
        return conv2d(x, kernel, bias,
                Nd4j.createUninitialized(DataType.FLOAT, x.size(0), x.size(1), x.size(2), kernel.size(3)));
    }

    /** {@link #conv2d(INDArray, INDArray, INDArray)} into {@code out} {@code [n, h, w, out]}, which it returns. */
    public static INDArray conv2d(INDArray x, INDArray kernel, INDArray bias, INDArray out) {
        int k = (int) kernel.size(0);
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, kernel, bias).addOutputs(out)
                .addIntegerArguments(convArgs(k)).build());
        return out;
    }

    /** Gradients of {@link #conv2d}: {@code [dx, dKernel, dBias]} for the output gradient {@code dOut}. */
    public static INDArray[] conv2dBackward(INDArray x, INDArray kernel, INDArray bias, INDArray dOut) {
        int k = (int) kernel.size(0);
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        INDArray dk = Nd4j.createUninitialized(DataType.FLOAT, kernel.shape());
        INDArray db = Nd4j.createUninitialized(DataType.FLOAT, bias.shape());
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, kernel, bias, dOut).addOutputs(dx, dk, db)
                .addIntegerArguments(convArgs(k)).build());
        return new INDArray[] {dx, dk, db};
    }

    /** 2×2 max pool, stride 2, "valid" (floor-halves). */
    public static INDArray maxPool(INDArray x) {
        return maxPool(x, Nd4j.createUninitialized(DataType.FLOAT, x.size(0), x.size(1) / 2, x.size(2) / 2,
                x.size(3)));
    }

    /** {@link #maxPool(INDArray)} into {@code out}, which it returns. */
    public static INDArray maxPool(INDArray x, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(x).addOutputs(out)
                .addIntegerArguments(poolArgs()).build());
        return out;
    }

    /** Gradient of {@link #maxPool} with respect to its input. */
    public static INDArray maxPoolBackward(INDArray x, INDArray dOut) {
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(x, dOut).addOutputs(dx)
                .addIntegerArguments(poolArgs()).build());
        return dx;
    }
}
