package org.transfer4j.internal.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Precision;
import org.transfer4j.io.Provenance;
import org.transfer4j.model.ConvBase;

/**
 * Builds the one {@link Provenance} record from core's types, with the library versions read from the jars on the
 * class path: the saved model, the CLI's {@code run.json} and the feature-cache key all come from here.
 */
public final class Provenances {
    private static final Map<String, String> VERSIONS = readVersions();

    private Provenances() {
    }

    /**
     * What makes features of {@code base} cut after {@code cutLayer}: base, weights source and checksum,
     * preprocessing, input size, precision (resolved) and library versions.
     */
    public static Provenance of(ConvBase base, String weightsChecksum, String cutLayer, Precision precision) {
        return new Provenance(base.name(), base.weightsSource().describe(), weightsChecksum, cutLayer,
                base.preprocessing().id(), List.of(base.inputHeight(), base.inputWidth(), base.channels()),
                precision.resolve().cliName(), VERSIONS);
    }

    /** transfer4j, ND4J, oneDNN (JavaCPP preset) and Java versions, read once from the jars and the JVM. */
    public static Map<String, String> versions() {
        return VERSIONS;
    }

    private static Map<String, String> readVersions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("transfer4j", Provenance.version(Provenances.class, "org.transfer4j", "transfer-core"));
        v.put("nd4j", Provenance.version(Nd4j.class, "org.nd4j", "nd4j-api"));
        v.put("dnnl", Provenance.version(dnnl.class, "org.bytedeco", "dnnl"));
        v.put("java", System.getProperty("java.version"));
        return Collections.unmodifiableMap(v);
    }
}
