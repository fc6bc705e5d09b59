package org.transfer4j.features;

import java.nio.file.Path;

import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;

/**
 * Updates a feature cache in its own JVM, for the cross-process locking test: {@code FeatureCacheMain DATA CACHE}.
 * Prints {@code extracting} on the first progress report (the cache lock is then held) and pauses there a moment, so
 * the other process's update is sure to arrive while the lock is held; prints {@code extracted=N reused=M} at the end.
 */
public final class FeatureCacheMain {
    private FeatureCacheMain() {
    }

    public static void main(String[] args) throws Exception {
        ConvBase base = Vgg16.random(32, 32, FeatureCacheProcessTest.SEED);
        boolean[] announced = {false};
        FeatureCache.Update u = FeatureCache.at(Path.of(args[1])).batchSize(3).update(
                ImageFolder.of(Path.of(args[0])).classMode(ClassMode.BINARY), base, base.loadWeights(),
                "block5_pool", (done, total, rate, eta) -> {
                    if (!announced[0]) {
                        announced[0] = true;
                        System.out.println("extracting");
                        System.out.flush();
                        try {
                            Thread.sleep(1500);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        System.out.println("extracted=" + u.extracted() + " reused=" + u.reused());
    }
}
