package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.datasets.Downloader;
import org.transfer4j.internal.io.FileLocks;

/** Concurrent resolution of one weights file, by threads and by another process: one download, a verified file. */
class ImagenetWeightsConcurrencyTest {
    private static final byte[] PAYLOAD = new byte[400_000];

    static {
        new Random(7).nextBytes(PAYLOAD);
    }

    @TempDir
    Path tmp;
    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final CountDownLatch firstRequest = new CountDownLatch(1);
    /** Rivals the first answer waits for: threads of this JVM queued behind the download's lock. */
    volatile int rivals;
    volatile Path lockFile;
    volatile boolean rivalsWaited;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/weights.h5", exchange -> {
            if (requests.incrementAndGet() == 1) {
                firstRequest.countDown();
                try { // a slow download: the answer waits until the rivals are queued behind its lock
                    rivalsWaited = FileLocks.awaitWaiting(lockFile, rivals, Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, PAYLOAD.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(PAYLOAD);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/weights.h5");
    }

    String md5() throws IOException {
        Path f = Files.write(tmp.resolve("payload.bin"), PAYLOAD);
        return Checksum.of(f, Checksum.Algorithm.MD5).hex();
    }

    @Test
    void threads_resolving_at_once_download_the_file_once() throws Exception {
        Path cache = tmp.resolve("cache");
        String md5 = md5();
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(url(), PAYLOAD.length, md5);
        lockFile = Downloader.lockFile(weights.cachedFile());
        rivals = 2;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return weights.resolve(true);
                }));
            }
            start.countDown();
            for (Future<Path> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(weights.cachedFile());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(rivalsWaited).as("two threads waited for the first one's lock").isTrue();
        assertThat(requests.get()).isEqualTo(1);
        assertThat(Checksum.of(weights.cachedFile(), Checksum.Algorithm.MD5).hex()).isEqualTo(md5);
        assertNoTemporaryFiles(cache);
    }

    @Test
    void a_download_running_in_another_process_is_waited_for_not_repeated() throws Exception {
        Path cache = tmp.resolve("cache");
        String md5 = md5();
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(url(), PAYLOAD.length, md5);
        lockFile = Downloader.lockFile(weights.cachedFile());
        rivals = 1; // this test's thread, waiting for the other process's lock
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process other = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                ResolveWeightsMain.class.getName(), url().toString(), Integer.toString(PAYLOAD.length), md5,
                cache.toString()).redirectErrorStream(true).start();
        try {
            // the other process takes the lock before its request and keeps it until the file is in place
            assertThat(firstRequest.await(60, TimeUnit.SECONDS)).as("the other process's request").isTrue();
            assertThat(weights.resolve(true)).isEqualTo(weights.cachedFile());
            String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(other.waitFor()).as(output).isZero();
            assertThat(output).contains("resolved " + weights.cachedFile());
        } finally {
            other.destroyForcibly();
        }
        assertThat(rivalsWaited).as("this process waited for the other's lock").isTrue();
        assertThat(requests.get()).isEqualTo(1);
        assertThat(Checksum.of(weights.cachedFile(), Checksum.Algorithm.MD5).hex()).isEqualTo(md5);
        assertNoTemporaryFiles(cache);
    }

    static void assertNoTemporaryFiles(Path cache) throws IOException {
        try (var files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    ImagenetWeights.VGG16_FILE, ImagenetWeights.VGG16_FILE + ".lock");
        }
    }
}
