package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.datasets.ArchiveLayout;
import org.transfer4j.datasets.Pet;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.datasets.SyntheticPetArchive;
import org.transfer4j.datasets.SyntheticPetArchive.Damage;
import picocli.CommandLine;

class DatasetsCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Transfer4j.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private Path archive() throws IOException {
        return SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 10)
                .withDamage(Pet.CAT, 2, Damage.TRUNCATED)
                .withDamage(Pet.DOG, 5, Damage.EMPTY)
                .withHostileEntries()
                .writeTo(dir.resolve("train.zip"));
    }

    @Test
    void missing_source_says_where_to_get_the_archive_and_how_to_pass_it() {
        int code = run("datasets", "cats-and-dogs", "--out", dir.resolve("o").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("missing --source").contains("dogs-vs-cats").contains("train.zip")
                .contains("PetImages").contains("--source ~/Downloads/train.zip");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void builds_from_a_local_archive_and_prints_counts_and_the_skipped_files() throws IOException {
        Path outDir = dir.resolve("cats_and_dogs_small");
        int code = run("datasets", "cats-and-dogs", "--source", archive().toString(), "--out", outDir.toString(),
                "--train", "3", "--validation", "2", "--test", "2");
        assertThat(code).as(err.toString()).isZero();
        String o = out.toString();
        assertThat(o).contains("Built " + outDir).contains("Kaggle");
        assertThat(o).containsPattern("train:\\s+3 cats\\s+3 dogs").containsPattern("validation:\\s+2 cats\\s+2 dogs")
                .containsPattern("test:\\s+2 cats\\s+2 dogs");
        assertThat(o).contains("Skipped files (2").contains("train/cat.2.jpg: truncated")
                .contains("train/dog.5.jpg: empty file (0 bytes)");
        assertThat(o).contains("Rejected archive entries (3").contains("../train/cat.10.jpg");
        assertThat(err.toString()).contains("Checking images");
        assertThat(outDir.resolve("train/cats/cat.0.jpg")).exists();
        assertThat(outDir.resolve("test/dogs/dog.6.jpg")).hasBinaryContent(SyntheticPetArchive.image(Pet.DOG, 7));

        out.getBuffer().setLength(0);
        assertThat(run("datasets", "cats-and-dogs", "--source", dir.resolve("train.zip").toString(), "--out",
                outDir.toString(), "--train", "3", "--validation", "2", "--test", "2")).isZero();
        assertThat(out.toString()).startsWith("Already complete: " + outDir);
    }

    @Test
    void downloads_a_url_source_into_the_download_directory() throws IOException {
        byte[] zip = Files.readAllBytes(archive());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/dogs-vs-cats/train.zip", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, zip.length);
                ex.getResponseBody().write(zip);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/dogs-vs-cats/train.zip";
            Path downloads = dir.resolve("downloads");
            int code = run("datasets", "cats-and-dogs", "--source", url, "--sha256", Checksum.of(zip, Checksum.Algorithm.SHA256).hex(),
                    "--download-dir", downloads.toString(), "--out", dir.resolve("small").toString(),
                    "--train", "2", "--validation", "1", "--test", "1");
            assertThat(code).as(err.toString()).isZero();
            assertThat(downloads.resolve("train.zip")).hasBinaryContent(zip);
            assertThat(err.toString()).contains("Downloading train.zip").contains("MB/s");
            assertThat(out.toString()).containsPattern("train:\\s+2 cats\\s+2 dogs");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void bad_sources_and_counts_fail_with_one_line_reasons() throws IOException {
        assertThat(run("datasets", "cats-and-dogs", "--source", dir.resolve("nope.zip").toString(), "--out",
                dir.resolve("o").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("nope.zip is neither an http(s) URL nor an existing file");

        err.getBuffer().setLength(0);
        String wrong = Checksum.of(new byte[] {1}, Checksum.Algorithm.SHA256).hex();
        assertThat(run("datasets", "cats-and-dogs", "--source", archive().toString(), "--sha256", wrong, "--out",
                dir.resolve("o").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("--sha256 says " + wrong);

        err.getBuffer().setLength(0);
        assertThat(run("datasets", "cats-and-dogs", "--source", dir.resolve("train.zip").toString(), "--out",
                dir.resolve("o").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("has only 9 usable cat images").contains("2000 are needed");

        err.getBuffer().setLength(0);
        assertThat(run("datasets", "cats-and-dogs", "--source", dir.resolve("train.zip").toString(), "--out",
                dir.resolve("o").toString(), "--train", "0")).isEqualTo(1);
        assertThat(err.toString()).contains("train >= 1");
        assertThat(dir.resolve("o")).doesNotExist();
    }
}
