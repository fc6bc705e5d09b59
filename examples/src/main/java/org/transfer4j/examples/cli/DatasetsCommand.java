package org.transfer4j.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.transfer4j.datasets.CatsAndDogsReport;
import org.transfer4j.datasets.CatsAndDogsSmall;
import org.transfer4j.datasets.Downloader;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.datasets.SkippedFile;
import org.transfer4j.datasets.SplitCounts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code transfer4j datasets ...}: builds the book's datasets. Subcommand {@code cats-and-dogs} makes
 * {@code cats_and_dogs_small} (listing 5.4) from Kaggle's or Microsoft's archive, see {@link CatsAndDogsSmall}.
 */
@Command(name = "datasets",
        description = "Build the book's datasets.",
        mixinStandardHelpOptions = true,
        subcommands = {DatasetsCommand.CatsAndDogs.class})
public final class DatasetsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Text shown when {@code --source} is missing: where to get an archive and how to pass it. */
    static final String WHERE_TO_GET_IT = String.join(System.lineSeparator(),
            "There is no default download for the cats-and-dogs images (Kaggle's needs a login), so pass an "
                    + "archive with --source.",
            "Get one of these:",
            "  * Kaggle \"Dogs vs. Cats\" competition, file train.zip (25,000 images, 543 MB):",
            "      https://www.kaggle.com/c/dogs-vs-cats/data  (sign in, accept the rules, download train.zip)",
            "  * Microsoft \"Kaggle Cats and Dogs Dataset\" (PetImages, 787 MB; has a few corrupt files, which are"
                    + " skipped):",
            "      https://www.microsoft.com/en-us/download/details.aspx?id=54765",
            "Then run, with a local file or a URL you can download from:",
            "  transfer4j datasets cats-and-dogs --source ~/Downloads/train.zip --out data/cats_and_dogs_small",
            "  transfer4j datasets cats-and-dogs --out data/cats_and_dogs_small --source "
                    + "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
                    + "kagglecatsanddogs_5340.zip");

    /** {@code transfer4j datasets cats-and-dogs --out DIR --source URL|FILE}. */
    @Command(name = "cats-and-dogs",
            mixinStandardHelpOptions = true,
            description = {
                "Build the book's cats_and_dogs_small tree (listing 5.4): train/validation/test, each with cats/ and "
                        + "dogs/, files cat.N.jpg and dog.N.jpg; 1000/500/500 images per class by default.",
                "Source: Kaggle's dogs-vs-cats train.zip or Microsoft's PetImages zip, as a file or an http(s) URL "
                        + "(downloaded resumably next to --out, or into --download-dir).",
                "Corrupt images are skipped and reported; the next good image takes the slot."})
    static final class CatsAndDogs implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Output directory, e.g. data/cats_and_dogs_small (must not exist, be empty, or hold "
                        + "a complete tree from an earlier run).")
        Path out;

        @Option(names = "--source", paramLabel = "URL|FILE",
                description = "The source zip: a local file or an http(s) URL.")
        String source;

        @Option(names = "--sha256", paramLabel = "HEX",
                description = "Expected SHA-256 of the source archive; checked before use.")
        String sha256;

        @Option(names = "--download-dir", paramLabel = "DIR",
                description = "Where a URL source is downloaded (default: the parent of --out).")
        Path downloadDir;

        @Option(names = "--train", defaultValue = "1000", paramLabel = "N",
                description = "Training images per class (default: ${DEFAULT-VALUE}).")
        int train;

        @Option(names = "--validation", defaultValue = "500", paramLabel = "N",
                description = "Validation images per class (default: ${DEFAULT-VALUE}).")
        int validation;

        @Option(names = "--test", defaultValue = "500", paramLabel = "N",
                description = "Test images per class (default: ${DEFAULT-VALUE}).")
        int test;

        @Option(names = "--threads", paramLabel = "N",
                description = "Threads decoding images (default: one per core, at most 8).")
        Integer threads;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter outw = spec.commandLine().getOut();
            if (source == null || source.isBlank()) {
                err.println("transfer4j datasets cats-and-dogs: missing --source.");
                err.println(WHERE_TO_GET_IT);
                err.flush();
                return 2;
            }
            try {
                SplitCounts counts = new SplitCounts(train, validation, test);
                Optional<Checksum> expected = sha256 == null ? Optional.empty() : Optional.of(Checksum.sha256(sha256));
                boolean interactive = System.console() != null;
                Path archive = resolveSource(expected, err, interactive);
                CatsAndDogsSmall builder = CatsAndDogsSmall.book().withCounts(counts);
                if (threads != null) {
                    builder = builder.withThreads(threads);
                }
                ProgressLine line = new ProgressLine(err, "Checking images", "img", 1, interactive);
                builder = builder.withProgress((accepted, needed, skips) ->
                        line.update(accepted, needed, skips == 0 ? "" : "(" + skips + " skipped)"));
                CatsAndDogsReport report = builder.build(archive, out);
                print(report, archive, outw);
                outw.flush();
                return 0;
            } catch (IllegalArgumentException | IOException e) {
                err.println("transfer4j datasets cats-and-dogs: " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        private Path resolveSource(Optional<Checksum> expected, PrintWriter err, boolean interactive)
                throws IOException {
            String lower = source.toLowerCase(Locale.ROOT);
            if (lower.startsWith("http://") || lower.startsWith("https://")) {
                URI uri = URI.create(source);
                String path = uri.getPath() == null ? "" : uri.getPath();
                String name = path.substring(path.lastIndexOf('/') + 1);
                if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                    name = "download.zip";
                }
                Path dir = downloadDir != null ? downloadDir : out.toAbsolutePath().normalize().getParent();
                Path target = dir.resolve(name);
                ProgressLine line = new ProgressLine(err, "Downloading " + name, "MB", 1e6, interactive);
                Downloader d = Downloader.defaults().withProgress(
                        (file, done, total) -> line.update(done, total.orElse(-1), ""));
                err.println("Downloading " + uri + " to " + target);
                err.flush();
                return d.download(uri, target, expected);
            }
            Path file = Path.of(source);
            if (!Files.isRegularFile(file)) {
                throw new IOException("--source " + source + " is neither an http(s) URL nor an existing file");
            }
            if (expected.isPresent()) {
                Checksum actual = Checksum.of(file, Checksum.Algorithm.SHA256);
                if (!actual.equals(expected.get())) {
                    throw new IOException(file + " has " + actual + " but --sha256 says " + expected.get().hex());
                }
            }
            return file;
        }

        private static void print(CatsAndDogsReport r, Path archive, PrintWriter out) {
            out.println((r.reused() ? "Already complete: " : "Built ") + r.directory() + " from " + archive + " ("
                    + r.layout().description() + ")");
            Map<String, Integer> c = r.folderCounts();
            for (String split : CatsAndDogsSmall.SPLITS) {
                out.printf("  %-11s %5d cats  %5d dogs%n", split + ":", c.get(split + "/cats"), c.get(split + "/dogs"));
            }
            if (r.skipped().isEmpty()) {
                out.println("Skipped files: none");
            } else {
                out.println("Skipped files (" + r.skipped().size() + ", not usable as images):");
                for (SkippedFile s : r.skipped()) {
                    out.println("  " + s);
                }
            }
            if (!r.rejected().isEmpty()) {
                out.println("Rejected archive entries (" + r.rejected().size() + ", never extracted):");
                for (SkippedFile s : r.rejected()) {
                    out.println("  " + s);
                }
            }
        }
    }


}
