/**
 * Training curves as Deep Learning with Python draws them: Keras's {@code history.json}, exponential smoothing,
 * accuracy and loss charts (PNG, SVG) and a self-contained HTML report. The history type is transfer-io's
 * ({@code org.transfer4j.io.History}); no dependency on DL4J, ND4J or transfer-core;
 * no XChart type in its public signatures.
 */
module org.transfer4j.plots {
    requires transitive org.transfer4j.io;
    requires java.desktop;
    requires com.fasterxml.jackson.databind;
    requires org.knowm.xchart;
    requires org.slf4j;

    exports org.transfer4j.plots;
}
