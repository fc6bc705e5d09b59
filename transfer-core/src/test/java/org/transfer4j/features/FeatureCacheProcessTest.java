package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.internal.io.FileLocks;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.testing.ChildJvm;
import org.transfer4j.testing.TestImages;

/** Two processes updating one feature cache: the file lock makes one extract and the other find its work done. */
class FeatureCacheProcessTest {
    static final long SEED = 11;

    @TempDir
    Path tmp;

    @Test
    void an_update_in_another_process_is_waited_for_and_reused() throws Exception {
        TestImages.Tree tree = TestImages.tree(tmp.resolve("data"));
        for (int i = 0; i < 5; i++) {
            tree.file("cats/cat." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, i)));
            tree.file("dogs/dog." + i + ".png", TestImages.png(TestImages.random(40, 30, 3, 100 + i)));
        }
        Path data = tree.write();
        Path cacheDir = tmp.resolve("cache");
        ConvBase base = Vgg16.random(32, 32, SEED);
        Weights weights = base.loadWeights();
        ImageFolder folder = ImageFolder.of(data).classMode(ClassMode.BINARY);

        FeatureCache.Update mine;
        String output;
        try (ChildJvm other = ChildJvm.start(FeatureCacheMain.class, "extracting", data.toString(),
                cacheDir.toString())) {
            // the other process holds the cache lock from here until its manifest is committed
            assertThat(other.awaitMarker(60)).as("the other process started extracting: %s", other.output())
                    .isTrue();
            FeatureCache cache = FeatureCache.at(cacheDir).batchSize(3);
            CompletableFuture<FeatureCache.Update> update = CompletableFuture.supplyAsync(() -> {
                try {
                    return cache.update(folder, base, weights, "block5_pool", ExtractionListener.none());
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            // once this update waits for the lock, the other process may go on and commit
            assertThat(FileLocks.awaitWaiting(cache.lockFile(), 1, Duration.ofSeconds(60)))
                    .as("this process's update waits for the other's lock").isTrue();
            try (Writer go = new OutputStreamWriter(other.process().getOutputStream(), StandardCharsets.UTF_8)) {
                go.write("go\n");
            }
            mine = update.get(120, TimeUnit.SECONDS);
            assertThat(other.awaitExit(60)).isTrue();
            output = other.output();
            assertThat(other.process().exitValue()).as(output).isZero();
        }
        assertThat(output).contains("extracted=10 reused=0");
        assertThat(mine.extracted()).isZero();
        assertThat(mine.reused()).isEqualTo(10);

        FeatureSet shared = FeatureCache.at(cacheDir).load();
        FeatureSet fresh = FeatureCache.at(tmp.resolve("fresh")).extract(folder, base, weights, "block5_pool",
                ExtractionListener.none());
        assertThat(shared.filenames()).isEqualTo(fresh.filenames());
        assertThat(shared.classes()).isEqualTo(fresh.classes());
        assertThat(shared.featureShape()).isEqualTo(fresh.featureShape());
        assertThat(shared.features()).hasSameSizeAs(fresh.features());
        for (int i = 0; i < fresh.features().length; i++) {
            float expected = fresh.features()[i];
            assertThat(shared.features()[i]).as("feature %d", i)
                    .isCloseTo(expected, within(1e-5f * (1 + Math.abs(expected))));
        }
        try (var files = Files.list(cacheDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")))
                    .hasSize(3).contains(FeatureCache.MANIFEST);
        }
    }
}
