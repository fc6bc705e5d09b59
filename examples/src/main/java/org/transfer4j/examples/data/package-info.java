/**
 * The small dataset embedded in the examples jar for the offline quickstart
 * ({@link org.transfer4j.examples.data.EmbeddedDataset}) and the program that regenerates it from Fashion-MNIST
 * ({@link org.transfer4j.examples.data.MakeFashionDataset}).
 */
package org.transfer4j.examples.data;
