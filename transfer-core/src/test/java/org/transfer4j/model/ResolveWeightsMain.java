package org.transfer4j.model;

import java.net.URI;
import java.nio.file.Path;

/**
 * Resolves ImageNet weights in its own JVM, for the cross-process locking test:
 * {@code ResolveWeightsMain URL SIZE MD5 CACHE_DIR}; prints the resolved path.
 */
public final class ResolveWeightsMain {
    private ResolveWeightsMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = ImagenetWeights.vgg16().withCacheDirectory(Path.of(args[3]))
                .withDownload(URI.create(args[0]), Long.parseLong(args[1]), args[2]).resolve(true);
        System.out.println("resolved " + file);
    }
}
