package org.transfer4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.internal.io.FileLocks;

class DownloaderTest {

    @TempDir
    Path dir;

    private static final byte[] BODY = new byte[300_000];

    static {
        new Random(42).nextBytes(BODY);
    }

    private final Downloader downloader = Downloader.defaults().withRetryDelay(Duration.ZERO)
            .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10));

    @Test
    void downloads_verifies_and_renames_into_place() throws IOException {
        List<Long> progress = new ArrayList<>();
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            Path target = dir.resolve("train.zip");
            downloader.withProgress((f, done, total) -> {
                assertThat(f).isEqualTo("train.zip");
                assertThat(total).hasValue(BODY.length);
                progress.add(done);
            }).download(server.uri("/train.zip"), target, Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)));
            assertThat(target).hasBinaryContent(BODY);
            assertThat(dir.resolve("train.zip.part")).doesNotExist();
            assertThat(progress).isSorted().endsWith((long) BODY.length);
            assertThat(server.rangeHeaders()).containsExactly("");
        }
    }

    @Test
    void a_dropped_connection_is_resumed_with_a_range_request() throws IOException {
        try (TestHttpServer server = new TestHttpServer(BODY).dropConnections(2, 100_000)) {
            Path target = dir.resolve("train.zip");
            downloader.download(server.uri("/train.zip"), target, Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)));
            assertThat(target).hasBinaryContent(BODY);
            assertThat(server.rangeHeaders()).containsExactly("", "dropped at 100000", "bytes=100000-",
                    "dropped at 200000", "bytes=200000-");
        }
    }

    @Test
    void a_part_file_from_an_earlier_run_is_resumed() throws IOException {
        Files.write(dir.resolve("train.zip.part"), Arrays.copyOf(BODY, 123_456));
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            downloader.download(server.uri("/train.zip"), dir.resolve("train.zip"));
            assertThat(dir.resolve("train.zip")).hasBinaryContent(BODY);
            assertThat(server.rangeHeaders()).containsExactly("bytes=123456-");
        }
    }

    @Test
    void a_complete_part_file_is_finished_without_downloading_again() throws IOException {
        Files.write(dir.resolve("train.zip.part"), BODY);
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            downloader.download(server.uri("/train.zip"), dir.resolve("train.zip"), Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)));
            assertThat(dir.resolve("train.zip")).hasBinaryContent(BODY);
            assertThat(server.rangeHeaders()).containsExactly("bytes=300000-");
        }
    }

    @Test
    void a_server_ignoring_ranges_makes_the_download_start_over() throws IOException {
        Files.write(dir.resolve("train.zip.part"), new byte[] {9, 9, 9, 9});
        try (TestHttpServer server = new TestHttpServer(BODY).ignoreRange()) {
            downloader.download(server.uri("/train.zip"), dir.resolve("train.zip"));
            assertThat(dir.resolve("train.zip")).hasBinaryContent(BODY);
        }
    }

    @Test
    void a_checksum_mismatch_deletes_the_download_and_names_both_digests() throws IOException {
        Checksum wrong = Checksum.of(new byte[] {1}, Checksum.Algorithm.SHA256);
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            assertThatThrownBy(() -> downloader.download(server.uri("/train.zip"), dir.resolve("train.zip"),
                    Optional.of(wrong))).isInstanceOf(DownloadException.class)
                    .hasMessageContaining(wrong.hex()).hasMessageContaining(Checksum.of(BODY, Checksum.Algorithm.SHA256).hex());
        }
        assertThat(dir.resolve("train.zip")).doesNotExist();
        assertThat(dir.resolve("train.zip.part")).doesNotExist();
    }

    @Test
    void http_errors_are_reported_with_url_and_status() throws IOException {
        try (TestHttpServer server = new TestHttpServer(BODY).status(404)) {
            assertThatThrownBy(() -> downloader.download(server.uri("/nope.zip"), dir.resolve("nope.zip")))
                    .isInstanceOf(DownloadException.class).hasMessageContaining("/nope.zip")
                    .hasMessageContaining("HTTP 404");
            assertThat(server.requests()).isEqualTo(1);
        }
        try (TestHttpServer server = new TestHttpServer(BODY).status(403)) {
            assertThatThrownBy(() -> downloader.download(server.uri("/x.zip"), dir.resolve("x.zip")))
                    .hasMessageContaining("HTTP 403").hasMessageContaining("login");
        }
        assertThat(dir.resolve("nope.zip")).doesNotExist();
    }

    @Test
    void repeated_failures_give_up_but_keep_the_partial_file_for_the_next_run() throws IOException {
        try (TestHttpServer server = new TestHttpServer(BODY).status(503)) {
            assertThatThrownBy(() -> downloader.withMaxAttempts(3).download(server.uri("/t.zip"), dir.resolve("t.zip")))
                    .isInstanceOf(DownloadException.class).hasMessageContaining("failed 3 times")
                    .hasMessageContaining("HTTP 503");
            assertThat(server.requests()).isEqualTo(3);
        }
        try (TestHttpServer server = new TestHttpServer(BODY).dropConnections(1, 50_000)) {
            assertThatThrownBy(() -> downloader.withMaxAttempts(1).download(server.uri("/t.zip"), dir.resolve("t.zip")))
                    .isInstanceOf(DownloadException.class).hasMessageContaining("50000 bytes are kept")
                    .hasMessageContaining("next run resumes");
        }
        assertThat(dir.resolve("t.zip.part")).hasSize(50_000);
        assertThat(dir.resolve("t.zip")).doesNotExist();
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            downloader.download(server.uri("/t.zip"), dir.resolve("t.zip"));
            assertThat(server.rangeHeaders()).containsExactly("bytes=50000-");
        }
        assertThat(dir.resolve("t.zip")).hasBinaryContent(BODY);
    }

    @Test
    void a_request_that_made_progress_does_not_count_against_the_attempt_limit() throws IOException {
        try (TestHttpServer server = new TestHttpServer(BODY).dropConnections(100, 50_000)) {
            downloader.withMaxAttempts(2).download(server.uri("/t.zip"), dir.resolve("t.zip"));
            assertThat(server.requests()).isEqualTo(6);
        }
        assertThat(dir.resolve("t.zip")).hasBinaryContent(BODY);
    }

    @Test
    void concurrent_downloads_of_one_target_fetch_it_once() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        Path target = dir.resolve("train.zip");
        // the first download holds its answer until the two others wait for its lock
        try (TestHttpServer server = new TestHttpServer(BODY).holdFirstAnswerUntil(
                () -> FileLocks.awaitWaiting(Downloader.lockFile(target), 2, Duration.ofSeconds(60)))) {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(pool.submit(() -> downloader.download(server.uri("/train.zip"), target,
                        Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)))));
            }
            for (Future<Path> f : results) {
                assertThat(f.get()).isEqualTo(target);
            }
            assertThat(server.gateTimedOut()).as("the other two downloads waited for the lock").isFalse();
            assertThat(target).hasBinaryContent(BODY);
            assertThat(server.requests()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_download_running_in_another_process_is_waited_for_not_repeated() throws Exception {
        Path target = dir.resolve("train.zip");
        // the other process's download holds its answer until this process waits for the lock it holds
        try (TestHttpServer server = new TestHttpServer(BODY).holdFirstAnswerUntil(
                () -> FileLocks.awaitWaiting(Downloader.lockFile(target), 1, Duration.ofSeconds(60)))) {
            Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
            Process other = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                    DownloadMain.class.getName(), server.uri("/train.zip").toString(), target.toString())
                    .redirectErrorStream(true).start();
            try {
                // The other process holds the lock from before its request until the file is in place.
                assertThat(server.awaitFirstRequest(Duration.ofSeconds(60))).isTrue();
                downloader.download(server.uri("/train.zip"), target, Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)));
                String output = new String(other.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(other.waitFor()).as(output).isZero();
            } finally {
                other.destroyForcibly();
            }
            assertThat(server.gateTimedOut()).as("this process waited for the other's lock").isFalse();
            assertThat(target).hasBinaryContent(BODY);
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void an_existing_target_is_verified_not_downloaded() throws IOException {
        Path target = Files.write(dir.resolve("train.zip"), BODY);
        try (TestHttpServer server = new TestHttpServer(BODY)) {
            downloader.download(server.uri("/train.zip"), target, Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)));
            assertThat(server.requests()).isZero();
            Files.write(target, new byte[] {1, 2});
            assertThatThrownBy(() -> downloader.download(server.uri("/train.zip"), target,
                    Optional.of(Checksum.of(BODY, Checksum.Algorithm.SHA256)))).isInstanceOf(DownloadException.class)
                    .hasMessageContaining("Existing file").hasMessageContaining("delete it");
        }
    }

    @Test
    void only_http_urls_and_valid_settings_are_accepted() {
        assertThatThrownBy(() -> downloader.download(java.net.URI.create("ftp://x/y.zip"), dir.resolve("y.zip")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://x/y.zip");
        assertThatThrownBy(() -> downloader.withMaxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts must be >= 1; got 0");
        assertThatThrownBy(() -> Checksum.sha256("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64 hex digits; got 'abc'");
    }
}
