package org.transfer4j.examples.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatasetTest {

    @TempDir
    Path dir;

    @Test
    void extracts_the_books_tree_with_400_200_200_images_per_class() throws IOException {
        EmbeddedDataset.extractTo(dir);
        int[][] ranges = {{0, 400}, {400, 600}, {600, 800}};
        String[] splits = {"train", "validation", "test"};
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < 2; c++) {
                Path folder = dir.resolve(splits[s]).resolve(EmbeddedDataset.CLASSES.get(c));
                String prefix = EmbeddedDataset.FILE_PREFIXES.get(c);
                List<String> names = list(folder);
                assertThat(names).hasSize(ranges[s][1] - ranges[s][0]);
                for (int n = ranges[s][0]; n < ranges[s][1]; n++) {
                    assertThat(names).contains(prefix + "." + n + ".png");
                }
                BufferedImage img = ImageIO.read(folder.resolve(prefix + "." + ranges[s][0] + ".png").toFile());
                assertThat(img.getWidth()).isEqualTo(28);
                assertThat(img.getHeight()).isEqualTo(28);
                assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
            }
        }
        assertThat(dir.resolve("LICENSE.txt")).content().contains("Zalando SE").contains("MIT License");
        assertThat(list(dir)).containsExactlyInAnyOrder("LICENSE.txt", "README.md", "SOURCES.csv",
                "test", "train", "validation");
    }

    @Test
    void index_lists_exactly_the_extracted_files() throws IOException {
        EmbeddedDataset.extractTo(dir);
        assertThat(tree(dir).keySet()).containsExactlyElementsOf(EmbeddedDataset.files());
        assertThat(EmbeddedDataset.files()).hasSize(1603);
    }

    @Test
    void images_are_real_and_not_blank() throws IOException {
        EmbeddedDataset.extractTo(dir);
        BufferedImage img = ImageIO.read(dir.resolve("test/tshirts/tshirt.799.png").toFile());
        int min = 255;
        int max = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = img.getRaster().getSample(x, y, 0);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertThat(min).isZero();
        assertThat(max).isGreaterThan(100);
    }

    @Test
    void extraction_into_an_existing_tree_overwrites_its_files_and_keeps_others() throws IOException {
        Path data = dir.resolve("data");
        EmbeddedDataset.extractTo(data);
        Map<String, byte[]> first = tree(data);
        Files.write(data.resolve("train/shirts/shirt.0.png"), new byte[] {1, 2, 3});
        Files.writeString(data.resolve("notes.txt"), "mine");
        EmbeddedDataset.extractTo(data);
        Map<String, byte[]> second = tree(data);
        assertThat(second.remove("notes.txt")).isEqualTo("mine".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(second.keySet()).isEqualTo(first.keySet());
        assertThat(second.get("train/shirts/shirt.0.png")).isEqualTo(first.get("train/shirts/shirt.0.png"));
        assertThat(list(dir)).containsExactly("data");
    }

    @Test
    void extraction_works_from_a_jar() throws Exception {
        Path classes = Path.of(EmbeddedDataset.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).isDirectory();
        Path jar = dir.resolve("examples.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
             Stream<Path> walk = Files.walk(classes.resolve("org/transfer4j/examples/data"))) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(p));
                j.closeEntry();
            }
        }
        Path fromJar = dir.resolve("from-jar");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> cls = loader.loadClass(EmbeddedDataset.class.getName());
            assertThat(cls.getProtectionDomain().getCodeSource().getLocation().toString()).endsWith(".jar");
            Method extract = cls.getMethod("extractTo", Path.class);
            extract.invoke(null, fromJar);
        }
        Path fromClasses = EmbeddedDataset.extractTo(dir.resolve("from-classes"));
        Map<String, byte[]> a = tree(fromJar);
        Map<String, byte[]> b = tree(fromClasses);
        assertThat(a.keySet()).hasSize(1603).isEqualTo(b.keySet());
        for (String k : a.keySet()) {
            assertThat(a.get(k)).as(k).isEqualTo(b.get(k));
        }
    }

    static List<String> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Relative path ('/'-separated) to content, for every regular file under {@code root}. */
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
