/** Curve smoothing, training charts and HTML reports of a Keras-shaped history. */
package org.transfer4j.plots;
