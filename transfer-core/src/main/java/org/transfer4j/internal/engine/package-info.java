/**
 * The compute engine. On the CPU: oneDNN primitives called directly, planned once per batch size with preallocated
 * buffers, for the frozen prefix ({@code DnnlPrefix}, fp32 or bf16) and the trainable conv layers
 * ({@code DnnlConvStack}); on CUDA (or with {@code -Dtransfer4j.engine=nd4j}): libnd4j's NHWC convolution and
 * pooling ops and their gradient ops ({@code FrozenPrefix}, {@code NativeOps}). Both sit behind
 * {@code PrefixEngine} and {@code SuffixNet}; BLAS and Java loops run the head. Not public API.
 */
package org.transfer4j.internal.engine;
