/**
 * Cached conv-base features: {@code FeatureCache}, its manifest, and the NumPy {@code .npy} reader and writer
 * ({@link org.transfer4j.features.Npy}, {@link org.transfer4j.features.NpyFloatWriter},
 * {@link org.transfer4j.features.NpyReader}) that store features and labels in a form NumPy loads directly.
 */
package org.transfer4j.features;
