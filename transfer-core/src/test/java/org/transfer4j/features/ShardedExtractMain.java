package org.transfer4j.features;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;

/**
 * Extracts a sharded cache in its own JVM, to be killed mid-way: {@code ShardedExtractMain DATA CACHE SHARDS}. After
 * {@code SHARDS} shards are committed and one batch of the next is done, it prints {@code blocked} and waits forever,
 * so the test can {@code kill -9} it in the middle of a shard.
 */
public final class ShardedExtractMain {
    private ShardedExtractMain() {
    }

    public static void main(String[] args) throws Exception {
        ConvBase base = Vgg16.random(32, 32, ShardedCacheKillTest.SEED);
        int stopAfter = Integer.parseInt(args[2]);
        AtomicInteger committed = new AtomicInteger();
        ShardedFeatureCache.at(Path.of(args[1])).batchSize(1).shardSize(ShardedCacheKillTest.SHARD_SIZE)
                .onShardCommitted(m -> committed.incrementAndGet())
                .update(ImageFolder.of(Path.of(args[0])).classMode(ClassMode.BINARY), base, base.loadWeights(),
                        "block5_pool", (done, total, rate, eta) -> {
                            if (committed.get() == stopAfter) {
                                System.out.println("blocked");
                                System.out.flush();
                                try {
                                    new CountDownLatch(1).await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        });
        System.out.println("finished");
    }
}
