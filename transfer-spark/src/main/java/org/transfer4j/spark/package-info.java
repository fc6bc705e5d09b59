/**
 * Feature extraction on Apache Spark 3.5 ({@link org.transfer4j.spark.SparkExtraction}): one task per shard of a
 * {@link org.transfer4j.features.ShardedFeatureCache}, one engine per executor JVM, the driver committing the set.
 * Spark and Hadoop are {@code provided}: the cluster's, or the launcher's when built with {@code -Pspark}. On Java 17
 * the JVMs need Spark's {@code --add-opens} flags (see the README's "Spark" section).
 */
package org.transfer4j.spark;
