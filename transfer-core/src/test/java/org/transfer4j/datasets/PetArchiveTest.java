package org.transfer4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PetArchiveTest {

    @TempDir
    Path dir;

    @Test
    void unsafe_names_are_recognized() {
        assertThat(PetArchive.unsafe("train/cat.1.jpg")).isEmpty();
        assertThat(PetArchive.unsafe("a/..b/c..d.jpg")).isEmpty();
        assertThat(PetArchive.unsafe("../train/cat.1.jpg")).get().asString().contains("escapes");
        assertThat(PetArchive.unsafe("train/../../cat.1.jpg")).get().asString().contains("escapes");
        assertThat(PetArchive.unsafe("train\\..\\..\\cat.1.jpg")).get().asString().contains("escapes");
        assertThat(PetArchive.unsafe("/etc/cron.d/x")).get().asString().contains("absolute");
        assertThat(PetArchive.unsafe("C:/Windows/x")).get().asString().contains("absolute");
    }

    @Test
    void images_are_indexed_by_numeric_id_and_hostile_entries_rejected() throws IOException {
        Path zip = SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 12).withHostileEntries().writeTo(dir.resolve("t.zip"));
        try (PetArchive a = PetArchive.open(zip)) {
            assertThat(a.layout()).isEqualTo(ArchiveLayout.KAGGLE);
            assertThat(a.images(Pet.CAT).keySet()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
            assertThat(a.images(Pet.CAT).get(10L).getName()).isEqualTo("train/cat.10.jpg");
            assertThat(a.images(Pet.DOG)).hasSize(12);
            assertThat(a.rejected()).extracting(SkippedFile::entry)
                    .containsExactlyInAnyOrder("../train/cat.12.jpg", "/tmp/train/cat.13.jpg", "train/dog.12.jpg");
            assertThat(a.rejected()).filteredOn(s -> s.entry().equals("train/dog.12.jpg"))
                    .extracting(SkippedFile::reason).containsExactly("is a symbolic link");
            assertThat(a.ignoredEntries()).isEqualTo(2); // the train/ folder and readme.txt
        }
    }

    @Test
    void microsoft_layout_is_recognized() throws IOException {
        Path zip = SyntheticPetArchive.of(ArchiveLayout.MICROSOFT, 3).writeTo(dir.resolve("pets.zip"));
        try (PetArchive a = PetArchive.open(zip)) {
            assertThat(a.layout()).isEqualTo(ArchiveLayout.MICROSOFT);
            assertThat(a.images(Pet.DOG).get(2L).getName()).isEqualTo("PetImages/Dog/2.jpg");
        }
    }

    @Test
    void archives_without_known_layout_or_not_zip_are_reported() throws IOException {
        Path empty = SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 0).writeTo(dir.resolve("empty.zip"));
        assertThatThrownBy(() -> PetArchive.open(empty)).isInstanceOf(IOException.class)
                .hasMessageContaining("no cat or dog images").hasMessageContaining("train/cat.0.jpg")
                .hasMessageContaining("PetImages/Cat/0.jpg").hasMessageContaining("readme.txt");
        Path notZip = Files.writeString(dir.resolve("x.zip"), "hello");
        assertThatThrownBy(() -> PetArchive.open(notZip)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a readable zip");
    }
}
