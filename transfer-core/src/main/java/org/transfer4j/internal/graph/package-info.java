/**
 * The layer graph of a convolutional base: immutable, typed layer specs ({@link org.transfer4j.internal.graph.Op})
 * wired as a DAG of named tensors ({@link org.transfer4j.internal.graph.Graph}) with Keras's layer and weight names,
 * shape inference and parameter counts per spec, and the Keras architectures built from them
 * ({@link org.transfer4j.internal.graph.Architectures}). The engines plan their work from a graph.
 */
package org.transfer4j.internal.graph;
