/** SameDiff graphs of ND4J ops (NHWC, oneDNN) that run convolutional bases and heads. Not public API. */
package org.transfer4j.internal.engine;
