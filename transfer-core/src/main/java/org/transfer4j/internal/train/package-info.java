/**
 * Training machinery behind {@code TransferPipeline.fit} and {@code TransferModel.fineTune}: the epoch loop
 * ({@code Trainer}) and the batch sources it draws from (cached features, augmented images through the frozen prefix,
 * streamed shards). Not public API.
 */
package org.transfer4j.internal.train;
