package org.transfer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.interop.Nd4jArrays;
import org.transfer4j.testing.TestImages;

/** Listing and batching semantics beyond the Keras fixtures (links, ordering, errors, shuffle, class modes). */
class ImageFolderTest {

    @TempDir
    Path root;

    private static byte[] png(long seed) {
        return TestImages.png(TestImages.random(3, 3, 3, seed));
    }

    @Test
    void missing_folder_and_plain_file_are_clear_errors() throws Exception {
        Path missing = root.resolve("nope");
        assertThatThrownBy(() -> ImageFolder.of(missing).list()).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        Path file = Files.write(root.resolve("file.txt"), new byte[1]);
        assertThatThrownBy(() -> ImageFolder.of(file).list()).isInstanceOf(NotDirectoryException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void folder_without_class_folders_or_without_images_is_a_clear_error() throws Exception {
        Path flat = TestImages.tree(root.resolve("flat")).file("a.png", png(1)).write();
        assertThatThrownBy(() -> ImageFolder.of(flat).list()).isInstanceOf(NoImagesException.class)
                .hasMessageContaining("No class folders in " + flat);
        Path empty = TestImages.tree(root.resolve("empty")).file("cats/notes.txt", new byte[1]).folder("dogs").write();
        assertThatThrownBy(() -> ImageFolder.of(empty).list()).isInstanceOf(NoImagesException.class)
                .hasMessageContaining("Found 0 images belonging to 2 classes.").hasMessageContaining("png");
    }

    @Test
    void explicit_class_without_folder_names_it_and_the_folders() throws Exception {
        Path t = TestImages.tree(root.resolve("t")).file("cats/a.png", png(1)).file("dogs/b.png", png(2)).write();
        assertThatThrownBy(() -> ImageFolder.of(t).classes("cats", "birds").list())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'birds'")
                .hasMessageContaining("[cats, dogs]");
        assertThatThrownBy(() -> ImageFolder.of(t).classes("cats", "cats")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate");
    }

    @Test
    void split_and_subset_must_come_together() throws Exception {
        Path t = TestImages.tree(root.resolve("t")).file("cats/a.png", png(1)).write();
        assertThatThrownBy(() -> ImageFolder.of(t).validationSplit(0.2).list()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("subset");
        assertThatThrownBy(() -> ImageFolder.of(t).subset(Subset.TRAINING).list())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("validationSplit");
        assertThatThrownBy(() -> ImageFolder.of(t).validationSplit(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)").hasMessageContaining("1.0");
    }

    @Test
    void extensions_match_keras_endswith_without_dot_in_any_case() throws Exception {
        Path t = TestImages.tree(root.resolve("t"))
                .file("c/a.PNG", png(1)).file("c/b.Jpg", png(2)).file("c/c.JPEG", png(3)).file("c/d.bMp", png(4))
                .file("c/e.ppm", png(5)).file("c/f.TIF", png(6)).file("c/g.tiff", png(7)).file("c/h_tiff", png(8))
                .file("c/i.gif", png(9)).file("c/j.webp", png(10)).file("c/k.png.txt", png(11)).file("c/.l.png", png(12))
                .write();
        assertThat(ImageFolder.of(t).list().filenames()).containsExactly(
                "c/.l.png", "c/a.PNG", "c/b.Jpg", "c/c.JPEG", "c/d.bMp", "c/e.ppm", "c/f.TIF", "c/g.tiff", "c/h_tiff");
    }

    @Test
    void names_sort_by_unicode_code_point_as_python() throws Exception {
        // U+FF21 (fullwidth A) < U+1F600 (emoji) in code points, but UTF-16 compareTo puts the surrogate pair first
        Path t = TestImages.tree(root.resolve("t"))
                .file("c/\uD83D\uDE00.png", png(1)).file("c/\uFF21.png", png(2)).file("c/b.png", png(3))
                .file("c/B.png", png(4)).file("c/\u00e9.png", png(5)).file("c/a b.png", png(6))
                .write();
        assertThat(ImageFolder.of(t).list().filenames()).containsExactly(
                "c/B.png", "c/a b.png", "c/b.png", "c/\u00e9.png", "c/\uFF21.png", "c/\uD83D\uDE00.png");
    }

    @Test
    void symlinked_subfolders_are_entered_only_when_following_links_and_cycles_terminate() throws Exception {
        Path t = TestImages.tree(root.resolve("t")).file("cats/a.png", png(1)).file("elsewhere/x/e.png", png(2))
                .file("dogs/d.png", png(3)).write();
        Path outside = TestImages.tree(root.resolve("outside")).file("o.png", png(4)).write();
        Files.createSymbolicLink(t.resolve("cats/linked"), outside);
        Files.createSymbolicLink(t.resolve("cats/loop"), t.resolve("cats"));
        Files.createSymbolicLink(t.resolve("cats/file_link.png"), t.resolve("dogs/d.png"));
        Files.createSymbolicLink(t.resolve("linked_class"), t.resolve("elsewhere"));

        FolderListing plain = ImageFolder.of(t).list();
        assertThat(plain.classNames()).containsExactly("cats", "dogs", "elsewhere", "linked_class");
        assertThat(plain.filenames()).containsExactly("cats/a.png", "cats/file_link.png", "dogs/d.png",
                "elsewhere/x/e.png", "linked_class/x/e.png");

        FolderListing followed = ImageFolder.of(t).followLinks(true).list();
        assertThat(followed.filenames()).containsExactly("cats/a.png", "cats/file_link.png", "cats/linked/o.png",
                "dogs/d.png", "elsewhere/x/e.png", "linked_class/x/e.png");
    }

    @Test
    void entries_carry_size_and_modification_time() throws Exception {
        Path t = TestImages.tree(root.resolve("t")).file("cats/a.png", png(1)).write();
        ImageEntry e = ImageFolder.of(t).list().entries().get(0);
        assertThat(e.sizeBytes()).isEqualTo(Files.size(t.resolve("cats/a.png")));
        assertThat(e.lastModified()).isEqualTo(Files.getLastModifiedTime(t.resolve("cats/a.png")));
        assertThat(e.className()).isEqualTo("cats");
    }

    private Path sixImages() {
        TestImages.Tree tree = TestImages.tree(root.resolve("six"));
        for (int i = 0; i < 7; i++) {
            tree.file((i < 3 ? "a" : "b") + "/img" + i + ".png", png(i));
        }
        return tree.write();
    }

    @Test
    void shuffle_order_depends_only_on_seed_and_epoch() throws Exception {
        Path t = sixImages();
        ImageFolderBatches a = ImageFolder.of(t).targetSize(3, 3).seed(42).batchSize(3).open();
        ImageFolderBatches b = ImageFolder.of(t).targetSize(3, 3).seed(42).batchSize(3).open();
        ImageFolderBatches c = ImageFolder.of(t).targetSize(3, 3).seed(43).batchSize(3).open();
        int[] e0 = a.indexArray(0);
        assertThat(b.indexArray(0)).containsExactly(e0);
        assertThat(a.indexArray(0)).containsExactly(e0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        assertThat(sorted).containsExactly(0, 1, 2, 3, 4, 5, 6);
        boolean differs = false;
        for (int epoch = 1; epoch < 6; epoch++) {
            differs |= !Arrays.equals(a.indexArray(epoch), e0) || !Arrays.equals(c.indexArray(0), e0);
        }
        assertThat(differs).isTrue();
        ImageBatch first = a.batch(0, 0);
        assertThat(first.indices()).containsExactly(Arrays.copyOfRange(e0, 0, 3));
        assertThat(b.batch(0, 0).x()).containsExactly(first.x());
        assertThat(ImageFolder.of(t).targetSize(3, 3).shuffle(false).open().indexArray(5))
                .containsExactly(0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void class_modes_shape_the_labels() throws Exception {
        Path t = sixImages();
        ImageFolder base = ImageFolder.of(t).targetSize(2, 2).shuffle(false).batchSize(4);
        ImageBatch cat = base.classMode(ClassMode.CATEGORICAL).open().batch(0, 0);
        assertThat(cat.labelWidth()).isEqualTo(2);
        assertThat(cat.y()).containsExactly(1, 0, 1, 0, 1, 0, 0, 1);
        ImageBatch sparse = base.classMode(ClassMode.SPARSE).open().batch(0, 1);
        assertThat(sparse.size()).isEqualTo(3);
        assertThat(sparse.y()).containsExactly(1, 1, 1);
        ImageBatch input = base.classMode(ClassMode.INPUT).open().batch(0, 0);
        assertThat(input.y()).containsExactly(input.x());
        ImageBatch none = base.classMode(ClassMode.NONE).open().batch(0, 0);
        assertThat(none.hasLabels()).isFalse();
        assertThat(none.y()).isEmpty();
        assertThatThrownBy(() -> Nd4jArrays.y(none)).isInstanceOf(IllegalStateException.class);
        ImageBatch gray = base.colorMode(ColorMode.GRAYSCALE).open().batch(0, 0);
        assertThat(gray.channels()).isEqualTo(1);
        assertThat(gray.x()).hasSize(4 * 2 * 2);
    }

    @Test
    void batch_images_equal_the_single_image_decoder() throws Exception {
        Path t = sixImages();
        ImageFolder spec = ImageFolder.of(t).targetSize(5, 4).interpolation(Interpolation.BICUBIC).seed(9).batchSize(4);
        ImageFolderBatches batches = spec.open();
        ImageBatch b = batches.batch(1, 1);
        for (int i = 0; i < b.size(); i++) {
            Path p = batches.listing().entries().get(b.indices()[i]).path();
            assertThat(b.image(i)).isEqualTo(spec.decoder().decode(p));
        }
    }

    @Test
    void nd4j_view_has_nhwc_shape() throws Exception {
        Path t = sixImages();
        ImageBatch b = ImageFolder.of(t).targetSize(3, 2).shuffle(false).batchSize(4).open().batch(0, 0);
        INDArray x = Nd4jArrays.x(b);
        assertThat(x.shape()).containsExactly(4, 3, 2, 3);
        assertThat(x.getFloat(1, 2, 1, 0)).isEqualTo(b.image(1).get(2, 1, 0));
        assertThat(Nd4jArrays.y(b).shape()).containsExactly(4, 2);
    }

    @Test
    void spec_steps_return_new_values_and_validate() {
        ImageFolder a = ImageFolder.of(root);
        ImageFolder b = a.batchSize(20);
        assertThat(a.batchSize()).isEqualTo(32);
        assertThat(b.batchSize()).isEqualTo(20);
        assertThat(a.targetHeight()).isEqualTo(256);
        assertThat(a.classMode()).isEqualTo(ClassMode.CATEGORICAL);
        assertThat(a.interpolation()).isEqualTo(Interpolation.NEAREST);
        assertThatThrownBy(() -> a.batchSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> a.targetSize(-1, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.classes(List.of("x")).classes()).containsExactly("x");
        assertThat(a.classes()).isEmpty();
    }
}
