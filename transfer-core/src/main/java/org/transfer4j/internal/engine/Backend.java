package org.transfer4j.internal.engine;

import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which ND4J backend and native build run here; logged once at start-up. */
public final class Backend {
    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    private static volatile String description;

    private Backend() {
    }

    /** Initialises ND4J (once) and logs the backend, native build and threads. */
    public static String describe() {
        String d = description;
        if (d == null) {
            synchronized (Backend.class) {
                d = description;
                if (d == null) {
                    d = compute();
                    description = d;
                    LOG.info("ND4J backend: {}", d);
                    if (System.getenv("OMP_WAIT_POLICY") == null && d.startsWith("CPU")) {
                        LOG.info("OMP_WAIT_POLICY is not set: OpenMP threads spin between ops, which slows training "
                                + "when other work shares the CPU; set OMP_WAIT_POLICY=PASSIVE before starting the "
                                + "JVM (the transfer4j launcher does)");
                    }
                }
            }
        }
        return d;
    }

    private static String compute() {
        Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = String.valueOf(env.getOrDefault("backend", "unknown"));
        String build = "unknown build";
        for (String path : Loader.getLoadedLibraries().values()) {
            int i = path.indexOf("nd4jcpu");
            if (i >= 0 || path.contains("nd4jcuda")) {
                Path p = Path.of(path);
                build = p.getParent() == null ? path : p.getParent().getFileName().toString();
                break;
            }
        }
        boolean onednn = Nd4j.getExecutioner().getClass().getName().contains("Native")
                && build.contains("onednn");
        return backend + " (" + Nd4j.getBackend().getClass().getSimpleName() + "), native build " + build
                + (onednn ? ", oneDNN on" : "") + ", " + env.getOrDefault("omp.threads", "?") + " threads, "
                + Loader.getPlatform();
    }
}
