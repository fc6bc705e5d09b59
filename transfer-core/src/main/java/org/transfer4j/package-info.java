/** Public entry points: {@code TransferPipeline}, {@code History}, head and optimizer factories. */
package org.transfer4j;
