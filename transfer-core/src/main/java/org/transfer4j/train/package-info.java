/**
 * Training of the trainable suffix (unfrozen conv layers + head): the loop, batch sources, callbacks (progress,
 * early stopping, best-model checkpoint, learning-rate schedule, NaN stop), and evaluation metrics.
 */
package org.transfer4j.train;
