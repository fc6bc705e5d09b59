/**
 * Public entry points: {@code TransferPipeline} (the spec), {@code TransferModel} (the trained result), head and
 * optimizer factories. The training history and the provenance record are {@code org.transfer4j.io}'s.
 */
package org.transfer4j;
