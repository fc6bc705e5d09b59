/**
 * The files the transfer4j modules share: the Keras-shaped training history ({@code history.json}), the provenance
 * record ({@code model.json}, {@code run.json}, cache manifests), strict JSON and atomic file writes. Jackson only; no
 * DL4J, ND4J or XChart, so transfer-core (which writes these files) and transfer-plots (which reads them) both use it.
 */
module org.transfer4j.io {
    requires transitive com.fasterxml.jackson.databind;

    exports org.transfer4j.io;
}
