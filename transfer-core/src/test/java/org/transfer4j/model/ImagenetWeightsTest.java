package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.datasets.Checksum;

/** Cache resolution and verified downloads, against a server on 127.0.0.1 only. */
class ImagenetWeightsTest {
    @TempDir
    Path cache;
    HttpServer server;
    byte[] payload = "pretend these are 58 MB of VGG16 weights".getBytes();
    AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weights.h5", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, payload.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(payload);
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

    String md5Of(byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(cache, "x", ".bin");
        Files.write(tmp, bytes);
        String md5 = Checksum.of(tmp, Checksum.Algorithm.MD5).hex();
        Files.delete(tmp);
        return md5;
    }

    @Test
    void downloads_once_verified_then_uses_the_cache() throws Exception {
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(url(), payload.length, md5Of(payload));
        Path file = weights.resolve(true);
        assertThat(file).isEqualTo(cache.resolve("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"));
        assertThat(Files.readAllBytes(file)).isEqualTo(payload);
        assertThat(weights.resolve(false)).isEqualTo(file);
        assertThat(weights.resolve(true)).isEqualTo(file);
        assertThat(requests.get()).isEqualTo(1);
        try (var listing = Files.list(cache)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    file.getFileName().toString(), file.getFileName() + ".lock");
        }
        assertThat(cache.resolve(file.getFileName() + ".lock")).isEmptyFile();
    }

    @Test
    void a_download_with_the_wrong_checksum_is_never_cached() throws Exception {
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(url(), payload.length, "00000000000000000000000000000000");
        assertThatThrownBy(() -> weights.resolve(true))
                .isInstanceOf(WeightsUnavailableException.class)
                .hasMessageContaining("failed verification")
                .hasMessageContaining("MD5");
        try (var listing = Files.list(cache)) {
            // only the (empty) lock file of the inter-process lock stays
            assertThat(listing.map(p -> p.getFileName().toString()))
                    .containsExactly("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5.lock");
        }
    }

    @Test
    void offline_the_message_names_url_checksum_and_cache_path() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort + "/vgg16.h5");
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(dead, 58_889_256L, "6d6bbae143d832006294945121d1f1fc");
        assertThatThrownBy(() -> weights.resolve(true))
                .isInstanceOf(WeightsUnavailableException.class)
                .hasMessageContaining(dead.toString())
                .hasMessageContaining("6d6bbae143d832006294945121d1f1fc")
                .hasMessageContaining("58,889,256 bytes")
                .hasMessageContaining(cache.resolve("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
                        .toAbsolutePath().toString());
        assertThatThrownBy(() -> weights.resolve(false))
                .isInstanceOf(WeightsUnavailableException.class)
                .hasMessageContaining("not in the cache");
    }

    @Test
    void a_corrupt_cached_file_is_moved_aside_and_not_trusted() throws Exception {
        ImagenetWeights weights = ImagenetWeights.vgg16().withCacheDirectory(cache)
                .withDownload(url(), payload.length, md5Of(payload));
        byte[] corrupt = payload.clone();
        corrupt[3] ^= 1;
        Files.write(weights.cachedFile(), corrupt);
        assertThatThrownBy(() -> weights.resolve(false))
                .isInstanceOf(WeightsUnavailableException.class).hasMessageContaining("corrupt");
        assertThat(weights.resolve(true)).hasBinaryContent(payload);
    }

    @Test
    void the_default_is_keras_notop_file_and_cache_dir_is_configurable() {
        ImagenetWeights vgg = ImagenetWeights.vgg16();
        assertThat(vgg.url().toString()).endsWith("/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5");
        assertThat(vgg.size()).isEqualTo(58_889_256L);
        assertThat(vgg.md5()).isEqualTo("6d6bbae143d832006294945121d1f1fc");
        String old = System.getProperty(ImagenetWeights.CACHE_PROPERTY);
        try {
            System.setProperty(ImagenetWeights.CACHE_PROPERTY, cache.toString());
            assertThat(ImagenetWeights.defaultCacheDirectory()).isEqualTo(cache);
        } finally {
            if (old == null) {
                System.clearProperty(ImagenetWeights.CACHE_PROPERTY);
            } else {
                System.setProperty(ImagenetWeights.CACHE_PROPERTY, old);
            }
        }
    }
}
