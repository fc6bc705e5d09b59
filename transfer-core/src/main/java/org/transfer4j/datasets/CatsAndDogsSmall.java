package org.transfer4j.datasets;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.io.AtomicFiles;

/**
 * Builds the book's {@code cats_and_dogs_small} tree (Deep Learning with Python, section 5.2, listing 5.4)
 * from Kaggle's dogs-vs-cats {@code train.zip} or Microsoft's PetImages zip:
 * <pre>
 * DIR/train/cats/cat.0.jpg … cat.999.jpg          DIR/train/dogs/dog.0.jpg … dog.999.jpg
 * DIR/validation/cats/cat.1000.jpg … cat.1499.jpg DIR/validation/dogs/…
 * DIR/test/cats/cat.1500.jpg … cat.1999.jpg       DIR/test/dogs/…
 * DIR/dataset.json                                 (what was built from what; its presence marks completion)
 * </pre>
 * Images of each class are taken in numeric order of their source ids (cat.2 before cat.10). Every image is
 * checked by the {@link ImageVerifier} before it is used; a corrupt one is skipped and reported, and the
 * next good image takes its slot, so output {@code cat.N.jpg} is the N-th <em>good</em> cat image (for
 * Kaggle's archive, which has no corrupt files, it is exactly the book's {@code cat.N.jpg}). Files are copied
 * byte for byte, never re-encoded. Entries with absolute paths, {@code ..} segments or symbolic links are
 * rejected and never read.
 *
 * <p>The tree is built in a temp directory beside {@code DIR} and renamed into place when complete, so an
 * interrupted build never leaves a tree at {@code DIR}. A later build finding a complete tree (with
 * {@code dataset.json} and the same counts) reuses it.
 *
 * <p>Immutable and thread-safe; {@code with…} methods return new instances.
 *
 * @param perClass images per class in each split
 * @param verifier decides which images are usable
 * @param threads  threads decoding images, ≥ 1
 * @param progress progress receiver
 */
public record CatsAndDogsSmall(SplitCounts perClass, ImageVerifier verifier, int threads, BuildProgress progress) {

    /** Name of the completion marker and manifest written last into the tree. */
    public static final String MARKER = "dataset.json";
    /** Book order of the split folders. */
    public static final List<String> SPLITS = List.of("train", "validation", "test");

    private static final Logger LOG = LoggerFactory.getLogger(CatsAndDogsSmall.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a value is null or {@code threads < 1}
     */
    public CatsAndDogsSmall {
        if (perClass == null || verifier == null || progress == null) {
            throw new IllegalArgumentException("perClass, verifier and progress must not be null");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1; got " + threads);
        }
    }

    /** The book's settings: 1,000 / 500 / 500 per class, JPEG verification, one thread per core (max 8). */
    public static CatsAndDogsSmall book() {
        return new CatsAndDogsSmall(SplitCounts.BOOK, ImageVerifier.jpeg(),
                Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors())), BuildProgress.NONE);
    }

    /** A copy with other per-class split counts. */
    public CatsAndDogsSmall withCounts(SplitCounts counts) {
        return new CatsAndDogsSmall(counts, verifier, threads, progress);
    }

    /** A copy with another image verifier. */
    public CatsAndDogsSmall withVerifier(ImageVerifier v) {
        return new CatsAndDogsSmall(perClass, v, threads, progress);
    }

    /** A copy with another number of decoding threads. */
    public CatsAndDogsSmall withThreads(int n) {
        return new CatsAndDogsSmall(perClass, verifier, n, progress);
    }

    /** A copy reporting progress to {@code receiver}. */
    public CatsAndDogsSmall withProgress(BuildProgress receiver) {
        return new CatsAndDogsSmall(perClass, verifier, threads, receiver);
    }

    /**
     * Builds the tree at {@code dir} from a local archive, or reuses a complete tree already there.
     *
     * @param archive the source zip (Kaggle {@code train.zip} or Microsoft PetImages zip)
     * @param dir     the output directory; must not exist, be empty, or hold a complete tree of the same counts
     * @return what was built, skipped and rejected
     * @throws IOException if the archive cannot be read or has no known layout, if a class has fewer good images
     *                     than {@code perClass.total()} (nothing is left at {@code dir} then), or if {@code dir}
     *                     holds something else
     */
    public CatsAndDogsReport build(Path archive, Path dir) throws IOException {
        Path out = dir.toAbsolutePath().normalize();
        Optional<CatsAndDogsReport> existing = existing(out);
        if (existing.isPresent()) {
            return existing.get();
        }
        if (!Files.isRegularFile(archive)) {
            throw new IOException("Archive " + archive + " does not exist or is not a file");
        }
        Path stage = AtomicFiles.tempBeside(out, true);
        try (PetArchive zip = PetArchive.open(archive)) {
            LOG.info("Building {} from {} ({}) into {}", perClass, archive, zip.layout().description(), out);
            List<SkippedFile> skipped = new ArrayList<>();
            Map<String, String> sources = new LinkedHashMap<>();
            int[] accepted = {0};
            for (Pet pet : Pet.values()) {
                select(zip, pet, stage, skipped, sources, accepted);
            }
            writeMarker(stage, archive, zip, skipped, sources);
            CatsAndDogsReport report = new CatsAndDogsReport(out, zip.layout(), countFolders(stage), skipped,
                    zip.rejected(), zip.ignoredEntries(), false);
            publish(stage, out);
            return report;
        } catch (ConcurrentlyBuilt done) {
            AtomicFiles.deleteTree(stage, done);
            return existing(out).orElseThrow(() -> new IOException("Another build finished " + out
                    + " concurrently but its tree is not complete"));
        } catch (IOException | RuntimeException | Error e) {
            AtomicFiles.deleteTree(stage, e);
            throw e;
        }
    }

    /** Checks the archive's images of one class in id order and copies the first good ones into their slots. */
    private void select(PetArchive zip, Pet pet, Path stage, List<SkippedFile> skipped, Map<String, String> sources,
                        int[] accepted) throws IOException {
        int needed = perClass.total();
        int total = needed * Pet.values().length;
        for (String split : SPLITS) {
            Files.createDirectories(stage.resolve(split).resolve(pet.folder()));
        }
        Iterator<ZipArchiveEntry> candidates = zip.images(pet).values().iterator();
        int examined = 0;
        int good = 0;
        int skippedHere = 0;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cats-and-dogs-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<Checked>> window = new ArrayDeque<>();
            while (good < needed) {
                while (window.size() < threads * 2 && candidates.hasNext()) {
                    ZipArchiveEntry e = candidates.next();
                    byte[] bytes;
                    try {
                        bytes = zip.read(e);
                    } catch (IOException ex) {
                        String reason = "cannot be read from the archive: " + ex.getMessage();
                        window.add(CompletableFuture.completedFuture(
                                new Checked(e.getName(), null, Optional.of(reason))));
                        continue;
                    }
                    window.add(pool.submit(() -> new Checked(e.getName(), bytes,
                            verifier.problem(e.getName(), bytes))));
                }
                if (window.isEmpty()) {
                    break;
                }
                Checked c = await(window.poll());
                examined++;
                if (c.problem.isPresent()) {
                    skipped.add(new SkippedFile(c.entry, c.problem.get()));
                    skippedHere++;
                    LOG.debug("Skipping {}: {}", c.entry, c.problem.get());
                } else {
                    String rel = perClass.splitOf(good) + "/" + pet.folder() + "/" + pet.prefix() + "." + good + ".jpg";
                    Files.write(stage.resolve(rel), c.bytes);
                    sources.put(rel, c.entry);
                    good++;
                    accepted[0]++;
                }
                progress.update(accepted[0], total, skipped.size());
            }
        } finally {
            pool.shutdownNow();
        }
        if (good < needed) {
            throw new IOException("Archive " + zip.file() + " has only " + good + " usable " + pet.prefix()
                    + " images (" + zip.images(pet).size() + " found, " + skippedHere + " skipped as unusable); "
                    + needed + " are needed (" + perClass + " per class). Use a complete archive or smaller counts");
        }
        LOG.debug("{}: {} images in {} examined", pet.folder(), good, examined);
    }

    private static Checked await(Future<Checked> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while checking images");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException("Checking an image failed: " + cause, cause);
        }
    }

    private record Checked(String entry, byte[] bytes, Optional<String> problem) {
    }

    /** Thrown internally when another build published the same tree first. */
    private static final class ConcurrentlyBuilt extends IOException {
        private static final long serialVersionUID = 1L;

        ConcurrentlyBuilt(Path out) {
            super("Another build published " + out + " first");
        }
    }

    private void publish(Path stage, Path out) throws IOException {
        try {
            if (Files.isDirectory(out)) {
                Files.delete(out); // empty (checked in existing()); fails if something appeared meanwhile
            }
            Files.move(stage, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
            if (Files.isRegularFile(out.resolve(MARKER))) {
                throw new ConcurrentlyBuilt(out);
            }
            throw new IOException(out + " appeared while it was being built and is not a complete tree", e);
        }
    }

    /** A complete tree at {@code out} if there is one; empty if {@code out} is absent or an empty directory. */
    private Optional<CatsAndDogsReport> existing(Path out) throws IOException {
        if (!Files.exists(out)) {
            return Optional.empty();
        }
        if (!Files.isDirectory(out)) {
            throw new IOException(out + " exists and is not a directory");
        }
        Path marker = out.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isEmpty()) {
                    return Optional.empty();
                }
            }
            throw new IOException(out + " exists but is not a complete cats_and_dogs_small tree (no " + MARKER
                    + "); remove it or choose another output directory");
        }
        JsonNode m = JSON.readTree(marker.toFile());
        JsonNode pc = m.path("perClass");
        SplitCounts built = new SplitCounts(pc.path("train").asInt(), pc.path("validation").asInt(),
                pc.path("test").asInt());
        if (!built.equals(perClass)) {
            throw new IOException(out + " already holds a tree built with " + built + " per class, not " + perClass
                    + "; remove it or choose another output directory");
        }
        Map<String, Integer> counts = countFolders(out);
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
            int expected = countFor(c.getKey());
            if (c.getValue() != expected) {
                throw new IOException(out + " is damaged: " + c.getKey() + " has " + c.getValue() + " files, "
                        + MARKER + " says " + expected + "; remove it and build again");
            }
        }
        LOG.info("{} is already complete; reusing it", out);
        return Optional.of(new CatsAndDogsReport(out, ArchiveLayout.valueOf(m.path("layout").asText()), counts,
                readSkipped(m.path("skipped")), readSkipped(m.path("rejected")), m.path("ignoredEntries").asInt(),
                true));
    }

    private int countFor(String folder) {
        return switch (folder.substring(0, folder.indexOf('/'))) {
            case "train" -> perClass.train();
            case "validation" -> perClass.validation();
            default -> perClass.test();
        };
    }

    private static List<SkippedFile> readSkipped(JsonNode array) {
        List<SkippedFile> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(new SkippedFile(n.path("entry").asText(), n.path("reason").asText()));
        }
        return out;
    }

    private static Map<String, Integer> countFolders(Path root) throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String split : SPLITS) {
            for (Pet pet : Pet.values()) {
                Path folder = root.resolve(split).resolve(pet.folder());
                int n = 0;
                if (Files.isDirectory(folder)) {
                    try (Stream<Path> s = Files.list(folder)) {
                        n = (int) s.count();
                    }
                }
                counts.put(split + "/" + pet.folder(), n);
            }
        }
        return counts;
    }

    private void writeMarker(Path stage, Path archive, PetArchive zip, List<SkippedFile> skipped,
                             Map<String, String> sources) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("dataset", "cats_and_dogs_small");
        root.put("source", archive.getFileName().toString());
        root.put("sourceBytes", Files.size(archive));
        root.put("layout", zip.layout().name());
        ObjectNode pc = root.putObject("perClass");
        pc.put("train", perClass.train());
        pc.put("validation", perClass.validation());
        pc.put("test", perClass.test());
        putSkipped(root.putArray("skipped"), skipped);
        putSkipped(root.putArray("rejected"), zip.rejected());
        root.put("ignoredEntries", zip.ignoredEntries());
        ObjectNode files = root.putObject("files");
        sources.forEach(files::put);
        Path tmp = stage.resolve(MARKER + ".tmp");
        JSON.writeValue(tmp.toFile(), root);
        Files.move(tmp, stage.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void putSkipped(ArrayNode array, List<SkippedFile> list) {
        for (SkippedFile s : list) {
            array.addObject().put("entry", s.entry()).put("reason", s.reason());
        }
    }
}
