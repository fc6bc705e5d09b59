package org.transfer4j.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MakeFashionDatasetTest {

    /** The committed tree; surefire runs tests with the module directory as working directory. */
    private static final Path COMMITTED =
            Path.of("src/main/resources/org/transfer4j/examples/data/fashion-small");

    @TempDir
    Path dir;

    @Test
    void regenerating_from_the_debian_package_reproduces_the_committed_files_byte_for_byte() throws IOException {
        assumeTrue(Files.isRegularFile(MakeFashionDataset.DEBIAN_SOURCE.resolve("train-images-idx3-ubyte.gz")),
                "Debian package dataset-fashion-mnist is not installed");
        assertThat(COMMITTED).isDirectory();
        Path out = dir.resolve("fashion-small");
        int n = MakeFashionDataset.generate(MakeFashionDataset.DEBIAN_SOURCE, out);
        Map<String, byte[]> regenerated = EmbeddedDatasetTest.tree(out);
        Map<String, byte[]> committed = EmbeddedDatasetTest.tree(COMMITTED);
        assertThat(regenerated).hasSize(n);
        assertThat(regenerated.keySet()).isEqualTo(committed.keySet());
        for (String k : committed.keySet()) {
            assertThat(regenerated.get(k)).as(k).isEqualTo(committed.get(k));
        }
    }

    @Test
    void png_encoder_output_decodes_to_the_same_pixels() throws IOException {
        Random r = new Random(7);
        for (int[] size : new int[][] {{28, 28}, {1, 1}, {300, 251}}) { // 300x251 needs two stored blocks
            byte[] px = new byte[size[0] * size[1]];
            r.nextBytes(px);
            byte[] png = GrayPng.encode(px, size[0], size[1]);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
            assertThat(img.getWidth()).isEqualTo(size[0]);
            assertThat(img.getHeight()).isEqualTo(size[1]);
            byte[] back = new byte[px.length];
            img.getRaster().getDataElements(0, 0, size[0], size[1], back);
            assertThat(back).isEqualTo(px);
        }
    }

    @Test
    void generator_refuses_to_replace_a_directory_it_did_not_make() throws IOException {
        Path idx = dir.resolve("idx");
        Files.createDirectories(idx);
        writeTinyIdx(idx);
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("precious.txt"), "keep me");
        assertThatThrownBy(() -> MakeFashionDataset.generate(idx, out)).isInstanceOf(IOException.class)
                .hasMessageContaining("refusing");
        assertThat(out.resolve("precious.txt")).hasContent("keep me");
    }

    @Test
    void missing_or_short_sources_are_reported() throws IOException {
        assertThatThrownBy(() -> MakeFashionDataset.generate(dir, dir.resolve("out")))
                .isInstanceOf(IOException.class).hasMessageContaining("train-images-idx3-ubyte")
                .hasMessageContaining("dataset-fashion-mnist");
        writeTinyIdx(dir);
        assertThatThrownBy(() -> MakeFashionDataset.generate(dir, dir.resolve("out")))
                .isInstanceOf(IOException.class).hasMessageContaining("has only 1 images of label 6");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /** Writes uncompressed idx files with two 2x2 images (labels 6 and 0), for train and t10k. */
    private static void writeTinyIdx(Path d) throws IOException {
        for (String p : new String[] {"train", "t10k"}) {
            java.nio.ByteBuffer img = java.nio.ByteBuffer.allocate(16 + 8);
            img.putInt(0x803).putInt(2).putInt(2).putInt(2).put(new byte[8]);
            Files.write(d.resolve(p + "-images-idx3-ubyte"), img.array());
            java.nio.ByteBuffer lab = java.nio.ByteBuffer.allocate(8 + 2);
            lab.putInt(0x801).putInt(2).put((byte) 6).put((byte) 0);
            Files.write(d.resolve(p + "-labels-idx1-ubyte"), lab.array());
        }
    }
}
