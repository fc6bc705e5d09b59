/** Readers and generators of weight files, and verified downloads. Not public API. */
package org.transfer4j.internal.weights;
