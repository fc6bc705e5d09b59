package org.transfer4j.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.transfer4j.datasets.SyntheticPetArchive.Damage;

class JpegVerifierTest {

    private final ImageVerifier jpeg = ImageVerifier.jpeg();

    private static byte[] damaged(Damage d) {
        return SyntheticPetArchive.of(ArchiveLayout.KAGGLE, 1).withDamage(Pet.CAT, 0, d).content(Pet.CAT, 0);
    }

    @Test
    void intact_jpeg_is_accepted() {
        assertThat(jpeg.problem("cat.0.jpg", SyntheticPetArchive.image(Pet.CAT, 0))).isEmpty();
    }

    @Test
    void trailing_zero_padding_after_the_end_marker_is_accepted() {
        byte[] good = SyntheticPetArchive.image(Pet.DOG, 3);
        assertThat(jpeg.problem("dog.3.jpg", Arrays.copyOf(good, good.length + 7))).isEmpty();
    }

    @Test
    void empty_file_is_rejected() {
        assertThat(jpeg.problem("x", damaged(Damage.EMPTY))).contains("empty file (0 bytes)");
    }

    @Test
    void truncated_jpeg_is_rejected_for_its_missing_end_marker() {
        assertThat(jpeg.problem("x", damaged(Damage.TRUNCATED))).hasValueSatisfying(
                r -> assertThat(r).startsWith("truncated").contains("FF D9"));
    }

    @Test
    void png_named_jpg_is_rejected_as_not_a_jpeg() {
        assertThat(jpeg.problem("x", damaged(Damage.NOT_JPEG))).contains("not a JPEG: it is a PNG file");
        assertThat(jpeg.problem("x", "GIF89a......".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .contains("not a JPEG: it is a GIF file");
        assertThat(jpeg.problem("x", new byte[] {1, 2, 3, 4, 5})).contains("not a JPEG: starts with 01 02 03 04");
    }

    @Test
    void garbled_data_between_valid_markers_is_rejected_by_decoding() {
        assertThat(jpeg.problem("x", damaged(Damage.GARBLED))).hasValueSatisfying(
                r -> assertThat(r).matches("(cannot be decoded|damaged): .+"));
    }

    @Test
    void a_jpeg_with_a_corrupted_scan_but_intact_markers_is_rejected() {
        // Cut the scan short but keep the end marker: libjpeg warns "Premature end of JPEG file".
        byte[] good = SyntheticPetArchive.image(Pet.CAT, 5);
        byte[] cut = Arrays.copyOf(good, good.length - 40);
        cut[cut.length - 2] = (byte) 0xFF;
        cut[cut.length - 1] = (byte) 0xD9;
        assertThat(jpeg.problem("x", cut)).isPresent();
    }
}
