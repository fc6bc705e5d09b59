package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ClassMode;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.CacheManifest;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureCache;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.ImagenetWeights;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsUnavailableException;
import org.transfer4j.testing.TestImages;
import org.transfer4j.testing.Tmpfs;
import org.transfer4j.testing.TwoClassTree;

/**
 * A full disk (a small tmpfs; skipped where it cannot be mounted) under the feature cache, the weights cache and a
 * saved model: the error names the path, and what was there before is unchanged, with nothing half-written left.
 */
class DiskFullTest {
    @TempDir
    Path tmp;

    static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void a_feature_cache_update_that_fills_the_disk_fails_naming_the_file_and_keeps_the_old_cache() throws Exception {
        // block1_pool at 32x32 is 16x16x64 floats: 64 KiB a row, so a few images fill 512 KiB
        ConvBase base = Vgg16.random(32, 32, 3);
        Weights weights = base.loadWeights();
        TestImages.Tree tree = TestImages.tree(tmp.resolve("data"));
        tree.file("cats/cat.0.png", TestImages.png(TestImages.random(32, 32, 3, 1)));
        tree.file("dogs/dog.0.png", TestImages.png(TestImages.random(32, 32, 3, 2)));
        Path data = tree.write();
        ImageFolder folder = ImageFolder.of(data).classMode(ClassMode.BINARY);
        try (Tmpfs disk = Tmpfs.mount(tmp.resolve("disk"), "512k")) {
            Path cacheDir = disk.dir().resolve("cache");
            FeatureCache cache = FeatureCache.at(cacheDir);
            FeatureSet before = cache.extract(folder, base, weights, "block1_pool", ExtractionListener.none());
            assertThat(before.samples()).isEqualTo(2);
            CacheManifest manifest = cache.manifest().orElseThrow();
            List<String> files = names(cacheDir);

            TestImages.Tree more = TestImages.tree(data);
            for (int i = 1; i <= 5; i++) {
                more.file("cats/cat." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, 10 + i)));
                more.file("dogs/dog." + i + ".png", TestImages.png(TestImages.random(32, 32, 3, 20 + i)));
            }
            more.write();
            assertThatThrownBy(() -> cache.update(folder, base, weights, "block1_pool", ExtractionListener.none()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(cacheDir.toString());

            assertThat(names(cacheDir)).as("no temporary or half-written files").isEqualTo(files);
            assertThat(cache.manifest().orElseThrow()).isEqualTo(manifest);
            FeatureSet after = cache.load();
            assertThat(after.filenames()).isEqualTo(before.filenames());
            assertThat(after.features()).isEqualTo(before.features());
        }
    }

    @Test
    void a_weights_download_that_fills_the_disk_fails_naming_the_file_and_leaves_nothing() throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(5).nextBytes(payload);
        String md5 = Checksum.of(Files.write(tmp.resolve("payload.bin"), payload), Checksum.Algorithm.MD5).hex();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weights.h5", exchange -> {
            exchange.sendResponseHeaders(200, payload.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(payload);
            } catch (IOException e) {
                // the client gave up when its disk ran full
            }
        });
        server.start();
        try (Tmpfs disk = Tmpfs.mount(tmp.resolve("disk"), "256k")) {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/weights.h5");
            ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(disk.dir().resolve("models"))
                    .withDownload(url, payload.length, md5);
            Path target = weights.cachedFile();
            assertThatThrownBy(() -> weights.resolve(true))
                    .isInstanceOf(WeightsUnavailableException.class)
                    .hasMessageContaining("cannot write " + target);
            assertThat(target).doesNotExist();
            assertThat(names(target.getParent())).containsExactly(target.getFileName() + ".lock");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void saving_a_model_onto_a_full_disk_fails_naming_it_and_keeps_the_previous_file() throws Exception {
        Path data = TwoClassTree.write(tmp.resolve("data"), 32, 6, 4, 0, 9);
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 4)).head(dense(8).sigmoid())
                .optimizer(rmsprop(1e-3)).epochs(1).batchSize(4).seed(1);
        Weights w = p.base().loadWeights();
        FeatureSet train = p.extractFeatures(w, ImageFolder.of(data.resolve("train")), tmp.resolve("c/train"),
                ExtractionListener.none());
        FeatureSet val = p.extractFeatures(w, ImageFolder.of(data.resolve("validation")), tmp.resolve("c/val"),
                ExtractionListener.none());
        try (TransferModel model = p.fit(train, val); Tmpfs disk = Tmpfs.mount(tmp.resolve("disk"), "512k")) {
            Path file = disk.dir().resolve("model.zip");
            model.save(file, false); // small: the trained head only
            byte[] saved = Files.readAllBytes(file);
            // with the base's 58 MB of weights it cannot fit
            assertThatThrownBy(() -> model.save(file, true))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(file.toString());
            assertThat(file).hasBinaryContent(saved);
            assertThat(names(disk.dir())).containsExactly("model.zip");
        }
    }
}
