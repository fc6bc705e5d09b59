module org.transfer4j.core {
    requires transitive org.transfer4j.augment;
    requires transitive org.transfer4j.io;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires transitive java.desktop;

    exports org.transfer4j;
    exports org.transfer4j.data;
    exports org.transfer4j.datasets;
    exports org.transfer4j.explain;
    exports org.transfer4j.features;
    exports org.transfer4j.interop;
    exports org.transfer4j.model;
    exports org.transfer4j.train;
}
