/**
 * The compute engine: libnd4j's NHWC convolution and pooling ops (oneDNN) called directly for the frozen prefix
 * ({@code FrozenPrefix}) and, with their gradient ops, BLAS and Java loops, for the trainable suffix
 * ({@code SuffixNet}). Not public API.
 */
package org.transfer4j.internal.engine;
