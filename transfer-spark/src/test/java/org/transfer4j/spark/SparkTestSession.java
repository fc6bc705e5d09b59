package org.transfer4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The one {@code local[2]} Spark session of the test JVM, started by the first test class that needs it and shared by
 * the others (a context takes seconds to start); Spark's shutdown hook stops it when the JVM exits.
 */
final class SparkTestSession {
    private static SparkSession spark;

    private SparkTestSession() {
    }

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().config(new SparkConf().setMaster("local[2]").setAppName("transfer4j-test")
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")).getOrCreate();
        }
        return spark;
    }

    static JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(spark().sparkContext());
    }
}
