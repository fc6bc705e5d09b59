package org.transfer4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.datasets.SyntheticPetArchive.Damage;

class CatsAndDogsSmallTest {

    private static final SplitCounts SMALL = new SplitCounts(3, 2, 2);

    @TempDir
    Path dir;

    private final CatsAndDogsSmall builder = CatsAndDogsSmall.book().withCounts(SMALL).withThreads(2);

    private Path kaggleArchive() throws IOException {
        return SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 12)
                .withDamage(Pet.CAT, 1, Damage.TRUNCATED)
                .withDamage(Pet.CAT, 4, Damage.EMPTY)
                .withDamage(Pet.DOG, 0, Damage.NOT_JPEG)
                .withHostileEntries()
                .writeTo(dir.resolve("train.zip"));
    }

    @Test
    void builds_the_books_tree_in_numeric_order_with_the_next_good_image_taking_a_skipped_slot() throws IOException {
        Path out = dir.resolve("cats_and_dogs_small");
        CatsAndDogsReport r = builder.build(kaggleArchive(), out);

        // good cats in numeric id order: 0 2 3 5 6 7 8 (1 and 4 are damaged; 10 and 11 sort after 9)
        long[] catIds = {0, 2, 3, 5, 6, 7, 8};
        String[] splits = {"train", "train", "train", "validation", "validation", "test", "test"};
        for (int k = 0; k < 7; k++) {
            assertThat(out.resolve(splits[k] + "/cats/cat." + k + ".jpg")).hasBinaryContent(
                    SyntheticPetArchive.image(Pet.CAT, catIds[k]));
            assertThat(out.resolve(splits[k] + "/dogs/dog." + k + ".jpg")).hasBinaryContent(
                    SyntheticPetArchive.image(Pet.DOG, k + 1)); // dog 0 is a PNG
        }
        assertThat(r.folderCounts()).containsExactly(Map.entry("train/cats", 3), Map.entry("train/dogs", 3),
                Map.entry("validation/cats", 2), Map.entry("validation/dogs", 2), Map.entry("test/cats", 2),
                Map.entry("test/dogs", 2));
        assertThat(r.layout()).isEqualTo(ArchiveLayout.KAGGLE);
        assertThat(r.reused()).isFalse();
        assertThat(r.skipped()).extracting(SkippedFile::entry)
                .containsExactly("train/cat.1.jpg", "train/cat.4.jpg", "train/dog.0.jpg");
        assertThat(r.skipped().get(0).reason()).startsWith("truncated");
        assertThat(r.skipped().get(1).reason()).isEqualTo("empty file (0 bytes)");
        assertThat(r.skipped().get(2).reason()).contains("PNG");
        assertThat(r.rejected()).hasSize(3);
        assertThat(tree(out).keySet()).hasSize(14 + 1).contains(CatsAndDogsSmall.MARKER);
        assertThat(Files.readString(out.resolve(CatsAndDogsSmall.MARKER)))
                .contains("\"validation/cats/cat.3.jpg\" : \"train/cat.5.jpg\"");
    }

    @Test
    void hostile_entries_are_never_written_anywhere() throws IOException {
        Path out = dir.resolve("out");
        builder.build(kaggleArchive(), out);
        assertThat(list(dir)).containsExactlyInAnyOrder("train.zip", "out")
                .doesNotContain("train"); // hostile ../train/cat.12.jpg would land here
        assertThat(Path.of("/tmp/train/cat.13.jpg")).doesNotExist();
        assertThat(tree(out).keySet()).noneMatch(n -> n.contains("cat.12") || n.contains("cat.13"));
        // 10 good regular cats (12 minus 2 damaged): asking for 11 shows the hostile cat.12 and cat.13 are not used
        assertThatThrownBy(() -> builder.withCounts(new SplitCounts(9, 1, 1)).build(kaggleArchive(), dir.resolve("o2")))
                .isInstanceOf(IOException.class).hasMessageContaining("has only 10 usable cat images");
    }

    @Test
    void microsoft_petimages_archives_give_the_same_tree_names() throws IOException {
        Path zip = SyntheticPetArchive.of(ArchiveLayout.MICROSOFT, 9)
                .withDamage(Pet.DOG, 2, Damage.GARBLED)
                .writeTo(dir.resolve("kagglecatsanddogs.zip"));
        Path out = dir.resolve("small");
        CatsAndDogsReport r = builder.build(zip, out);
        assertThat(r.layout()).isEqualTo(ArchiveLayout.MICROSOFT);
        assertThat(out.resolve("test/dogs/dog.6.jpg")).hasBinaryContent(SyntheticPetArchive.image(Pet.DOG, 7));
        assertThat(out.resolve("train/dogs/dog.2.jpg")).hasBinaryContent(SyntheticPetArchive.image(Pet.DOG, 3));
        assertThat(r.skipped()).extracting(SkippedFile::entry).containsExactly("PetImages/Dog/2.jpg");
    }

    @Test
    void too_few_good_images_is_a_clear_error_and_leaves_nothing() throws IOException {
        Path zip = SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 8)
                .withDamage(Pet.CAT, 0, Damage.EMPTY).withDamage(Pet.CAT, 7, Damage.TRUNCATED)
                .writeTo(dir.resolve("train.zip"));
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> builder.build(zip, out)).isInstanceOf(IOException.class)
                .hasMessageContaining("has only 6 usable cat images (8 found, 2 skipped as unusable); 7 are needed");
        assertThat(list(dir)).containsExactly("train.zip");
    }

    @Test
    void the_result_does_not_depend_on_the_number_of_threads() throws IOException {
        Path zip = kaggleArchive();
        Map<String, byte[]> one = tree(builder.withThreads(1).build(zip, dir.resolve("a")).directory());
        Map<String, byte[]> four = tree(builder.withThreads(4).build(zip, dir.resolve("b")).directory());
        assertThat(four.keySet()).isEqualTo(one.keySet());
        for (String k : one.keySet()) {
            assertThat(four.get(k)).as(k).isEqualTo(one.get(k));
        }
    }

    @Test
    void an_interrupted_build_leaves_no_tree_that_looks_complete() throws IOException {
        Path zip = kaggleArchive();
        AtomicInteger calls = new AtomicInteger();
        ImageVerifier failing = (name, bytes) -> {
            if (calls.incrementAndGet() == 9) {
                throw new IllegalStateException("simulated crash while checking " + name);
            }
            return ImageVerifier.jpeg().problem(name, bytes);
        };
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> builder.withVerifier(failing).build(zip, out))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("simulated crash");
        assertThat(out).doesNotExist();
        assertThat(list(dir)).containsExactly("train.zip");

        CatsAndDogsReport r = builder.build(zip, out);
        assertThat(r.reused()).isFalse();
        assertThat(r.folderCounts().values()).containsExactly(3, 3, 2, 2, 2, 2);
    }

    @Test
    void a_complete_tree_is_reused_and_foreign_or_mismatched_directories_are_refused() throws IOException {
        Path zip = kaggleArchive();
        Path out = dir.resolve("out");
        builder.build(zip, out);
        CatsAndDogsReport again = builder.build(zip, out);
        assertThat(again.reused()).isTrue();
        assertThat(again.skipped()).hasSize(3);
        assertThat(again.folderCounts().get("validation/dogs")).isEqualTo(2);

        assertThatThrownBy(() -> builder.withCounts(new SplitCounts(2, 2, 2)).build(zip, out))
                .isInstanceOf(IOException.class).hasMessageContaining("3 train + 2 validation + 2 test");

        Files.delete(out.resolve("test/cats/cat.6.jpg"));
        assertThatThrownBy(() -> builder.build(zip, out)).isInstanceOf(IOException.class)
                .hasMessageContaining("damaged").hasMessageContaining("test/cats has 1 files");

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> builder.build(zip, foreign)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a complete cats_and_dogs_small tree");
        assertThat(foreign.resolve("notes.txt")).hasContent("mine");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(builder.build(zip, empty).folderCounts().get("train/cats")).isEqualTo(3);
    }

    @Test
    void progress_counts_up_to_the_number_of_images_needed() throws IOException {
        List<int[]> updates = new java.util.ArrayList<>();
        builder.withProgress((a, n, s) -> updates.add(new int[] {a, n, s})).build(kaggleArchive(), dir.resolve("o"));
        assertThat(updates).hasSize(14 + 3);
        assertThat(updates.get(updates.size() - 1)).containsExactly(14, 14, 3);
    }

    @Test
    void custom_verifiers_decide_what_is_skipped() throws IOException {
        ImageVerifier noSixes = (name, bytes) -> name.endsWith(".6.jpg") ? Optional.of("no sixes") : Optional.empty();
        CatsAndDogsReport r = builder.withVerifier(noSixes).build(
                SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 9).writeTo(dir.resolve("t.zip")), dir.resolve("o"));
        assertThat(r.skipped()).containsExactly(new SkippedFile("train/cat.6.jpg", "no sixes"),
                new SkippedFile("train/dog.6.jpg", "no sixes"));
    }

    static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return out;
    }
}
