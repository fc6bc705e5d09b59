package org.transfer4j.features;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;

/**
 * Updates a feature cache in its own JVM, for the cross-process locking test: {@code FeatureCacheMain DATA CACHE}.
 * Prints {@code extracting} on the first progress report (the cache lock is then held) and waits there for a line on
 * standard input, which the test sends once its own update waits for the lock; prints {@code extracted=N reused=M} at
 * the end.
 */
public final class FeatureCacheMain {
    private FeatureCacheMain() {
    }

    public static void main(String[] args) throws Exception {
        ConvBase base = Vgg16.random(32, 32, FeatureCacheProcessTest.SEED);
        boolean[] announced = {false};
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        FeatureCache.Update u = FeatureCache.at(Path.of(args[1])).batchSize(3).update(
                ImageFolder.of(Path.of(args[0])).classMode(ClassMode.BINARY), base, base.loadWeights(),
                "block5_pool", (done, total, rate, eta) -> {
                    if (!announced[0]) {
                        announced[0] = true;
                        System.out.println("extracting");
                        System.out.flush();
                        try {
                            if (in.readLine() == null) {
                                throw new IllegalStateException("standard input closed before the go-ahead");
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
        System.out.println("extracted=" + u.extracted() + " reused=" + u.reused());
    }
}
