/** JMH benchmarks, one concern per class; run with {@code java -jar benchmarks/target/benchmarks.jar}. */
package org.transfer4j.benchmarks;
