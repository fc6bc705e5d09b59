package org.transfer4j.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Regenerates the embedded quickstart dataset ({@link EmbeddedDataset}) from the Fashion-MNIST idx files, byte
 * for byte. Uses only the JDK, so it runs from the compiled classes alone:
 * <pre>
 * apt-get install dataset-fashion-mnist        # Debian/Ubuntu: /usr/share/datasets/fashion-mnist/*.gz
 * mvn -B -q -o -pl examples -am compile
 * java -cp examples/target/classes org.transfer4j.examples.data.MakeFashionDataset \
 *      /usr/share/datasets/fashion-mnist examples/src/main/resources/org/transfer4j/examples/data/fashion-small
 * </pre>
 * Both arguments are optional (those are the defaults, the output relative to the repository root). The idx
 * files may be gzipped ({@code train-images-idx3-ubyte.gz}) or not ({@code train-images-idx3-ubyte}).
 *
 * <p>Selection is deterministic: for each class, the first {@value EmbeddedDataset#TRAIN_PER_CLASS} images
 * of that label in the training file go to {@code train}, the next
 * {@value EmbeddedDataset#VALIDATION_PER_CLASS} to {@code validation}, and the first
 * {@value EmbeddedDataset#TEST_PER_CLASS} of that label in the test file to {@code test}; files are numbered
 * on through the splits like the book's {@code cat.0.jpg … cat.1999.jpg}. Images are written by
 * {@link GrayPng}, whose output does not depend on the platform's zlib.
 *
 * <p>The tree is built in a temp directory beside the output and then swapped in; an existing output
 * directory is replaced only if it holds an {@code INDEX} file (i.e. was made by this program).
 */
public final class MakeFashionDataset {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the idx files. */
    public static final Path DEBIAN_SOURCE = Path.of("/usr/share/datasets/fashion-mnist");
    /** The committed resource tree, relative to the repository root. */
    public static final Path REPO_OUTPUT =
            Path.of("examples/src/main/resources/org/transfer4j/examples/data/fashion-small");

    private MakeFashionDataset() {
    }

    /**
     * Runs the generator: {@code [SOURCE_DIR [OUT_DIR]]}.
     *
     * @throws IOException if the idx files cannot be read or the tree cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length > 2 || (args.length > 0 && args[0].startsWith("-"))) {
            System.err.println("Usage: MakeFashionDataset [SOURCE_DIR [OUT_DIR]]  (defaults: " + DEBIAN_SOURCE
                    + " " + REPO_OUTPUT + ")");
            System.exit(2);
        }
        Path source = args.length > 0 ? Path.of(args[0]) : DEBIAN_SOURCE;
        Path out = args.length > 1 ? Path.of(args[1]) : REPO_OUTPUT;
        int files = generate(source, out);
        System.out.println("Wrote " + files + " files to " + out.toAbsolutePath());
    }

    /**
     * Writes the whole tree (images, {@code INDEX}, {@code SOURCES.csv}, {@code LICENSE.txt},
     * {@code README.md}) into {@code out}.
     *
     * @param sourceDir directory with the four Fashion-MNIST idx files (gzipped or not)
     * @param out       output directory; must not exist, be empty, or hold a tree made by this program
     * @return the number of files written, including {@code INDEX}
     * @throws IOException if a source file is missing or malformed, has too few images of a class, or
     *                     {@code out} holds something else
     */
    public static int generate(Path sourceDir, Path out) throws IOException {
        checkReplaceable(out);
        Idx train = Idx.read(sourceDir, "train");
        Idx test = Idx.read(sourceDir, "t10k");
        TreeMap<String, byte[]> files = new TreeMap<>();
        StringBuilder sources = new StringBuilder("file,source,index,label\n");
        for (int c = 0; c < EmbeddedDataset.CLASSES.size(); c++) {
            String folder = EmbeddedDataset.CLASSES.get(c);
            String prefix = EmbeddedDataset.FILE_PREFIXES.get(c);
            int label = EmbeddedDataset.SOURCE_LABELS.get(c);
            int trainAndVal = EmbeddedDataset.TRAIN_PER_CLASS + EmbeddedDataset.VALIDATION_PER_CLASS;
            List<Integer> fromTrain = train.firstOfLabel(label, trainAndVal);
            List<Integer> fromTest = test.firstOfLabel(label, EmbeddedDataset.TEST_PER_CLASS);
            int n = 0;
            for (int i = 0; i < fromTrain.size(); i++) {
                String split = i < EmbeddedDataset.TRAIN_PER_CLASS ? "train" : "validation";
                String name = split + "/" + folder + "/" + prefix + "." + n++ + ".png";
                files.put(name, GrayPng.encode(train.image(fromTrain.get(i)), train.cols, train.rows));
                sources.append(name).append(',').append(train.imagesFile).append(',').append(fromTrain.get(i))
                        .append(',').append(label).append('\n');
            }
            for (int index : fromTest) {
                String name = "test/" + folder + "/" + prefix + "." + n++ + ".png";
                files.put(name, GrayPng.encode(test.image(index), test.cols, test.rows));
                sources.append(name).append(',').append(test.imagesFile).append(',').append(index).append(',')
                        .append(label).append('\n');
            }
        }
        files.put("SOURCES.csv", sources.toString().getBytes(StandardCharsets.UTF_8));
        files.put("LICENSE.txt", LICENSE.getBytes(StandardCharsets.UTF_8));
        files.put("README.md", README.getBytes(StandardCharsets.UTF_8));
        files.put(EmbeddedDataset.INDEX, (String.join("\n", files.keySet()) + "\n").getBytes(StandardCharsets.UTF_8));
        writeTree(files, out);
        return files.size();
    }

    private static void checkReplaceable(Path out) throws IOException {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            try (Stream<Path> s = Files.list(abs)) {
                if (s.findAny().isPresent() && !Files.isRegularFile(abs.resolve(EmbeddedDataset.INDEX))) {
                    throw new IOException("Output directory " + abs + " is not empty and has no "
                            + EmbeddedDataset.INDEX + " file; refusing to replace it");
                }
            }
        }
    }

    private static void writeTree(TreeMap<String, byte[]> files, Path out) throws IOException {
        Path abs = out.toAbsolutePath().normalize();
        checkReplaceable(abs);
        Files.createDirectories(abs.getParent());
        Path temp = EmbeddedDataset.tempBeside(abs, true);
        try {
            for (var e : files.entrySet()) {
                Path f = temp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.write(f, e.getValue());
            }
            deleteTree(abs);
            Files.move(temp, abs);
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(temp);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** One idx image file and its label file, held in memory. */
    private static final class Idx {
        final String imagesFile;
        final int count;
        final int rows;
        final int cols;
        final byte[] pixels;
        final byte[] labels;

        private Idx(String imagesFile, int count, int rows, int cols, byte[] pixels, byte[] labels) {
            this.imagesFile = imagesFile;
            this.count = count;
            this.rows = rows;
            this.cols = cols;
            this.pixels = pixels;
            this.labels = labels;
        }

        static Idx read(Path dir, String prefix) throws IOException {
            Path images = find(dir, prefix + "-images-idx3-ubyte");
            Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
            byte[] labels;
            try (DataInputStream in = open(labelsFile)) {
                expectMagic(in, 0x801, labelsFile);
                int n = in.readInt();
                labels = in.readNBytes(n);
                if (labels.length != n) {
                    throw new IOException(labelsFile + " is truncated: " + labels.length + " of " + n + " labels");
                }
            }
            try (DataInputStream in = open(images)) {
                expectMagic(in, 0x803, images);
                int n = in.readInt();
                int rows = in.readInt();
                int cols = in.readInt();
                if (n != labels.length) {
                    throw new IOException(images + " has " + n + " images but " + labelsFile + " has "
                            + labels.length + " labels");
                }
                byte[] pixels = in.readNBytes(Math.multiplyExact(Math.multiplyExact(n, rows), cols));
                if (pixels.length != n * rows * cols) {
                    throw new IOException(images + " is truncated: " + pixels.length + " of " + n * rows * cols
                            + " pixel bytes");
                }
                return new Idx(images.getFileName().toString().replaceFirst("\\.gz$", ""), n, rows, cols, pixels,
                        labels);
            }
        }

        List<Integer> firstOfLabel(int label, int wanted) throws IOException {
            List<Integer> out = new ArrayList<>(wanted);
            for (int i = 0; i < count && out.size() < wanted; i++) {
                if (labels[i] == label) {
                    out.add(i);
                }
            }
            if (out.size() < wanted) {
                throw new IOException(imagesFile + " has only " + out.size() + " images of label " + label
                        + "; need " + wanted);
            }
            return out;
        }

        byte[] image(int index) {
            int size = rows * cols;
            byte[] img = new byte[size];
            System.arraycopy(pixels, index * size, img, 0, size);
            return img;
        }

        private static Path find(Path dir, String name) throws IOException {
            Path gz = dir.resolve(name + ".gz");
            if (Files.isRegularFile(gz)) {
                return gz;
            }
            Path plain = dir.resolve(name);
            if (Files.isRegularFile(plain)) {
                return plain;
            }
            throw new IOException("Neither " + gz + " nor " + plain + " exists; install Debian's "
                    + "dataset-fashion-mnist package or download the idx files from "
                    + "https://github.com/zalandoresearch/fashion-mnist");
        }

        private static DataInputStream open(Path file) throws IOException {
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            try {
                return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
            } catch (IOException e) {
                raw.close();
                throw e;
            }
        }

        private static void expectMagic(DataInputStream in, int magic, Path file) throws IOException {
            int got = in.readInt();
            if (got != magic) {
                throw new IOException(file + " is not an idx file of the expected kind: magic 0x"
                        + Integer.toHexString(got) + ", expected 0x" + Integer.toHexString(magic));
            }
        }
    }

    static final String LICENSE = """
            The images in this directory are a subset of Fashion-MNIST
            (https://github.com/zalandoresearch/fashion-mnist), taken from Debian's
            dataset-fashion-mnist package (0.0~git20200523.55506a9-1), and re-encoded as PNG.

            Han Xiao, Kashif Rasul, Roland Vollgraf. Fashion-MNIST: a Novel Image Dataset for
            Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017.

            The MIT License (MIT)

            Copyright (c) 2017 Zalando SE, https://tech.zalando.com

            Permission is hereby granted, free of charge, to any person obtaining a
            copy of this software and associated documentation files (the "Software"),
            to deal in the Software without restriction, including without limitation
            the rights to use, copy, modify, merge, publish, distribute, sublicense,
            and/or sell copies of the Software, and to permit persons to whom the
            Software is furnished to do so, subject to the following conditions:

            The above copyright notice and this permission notice shall be included
            in all copies or substantial portions of the Software.

            THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
            OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
            MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
            IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
            CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
            TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
            SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
            """;

    static final String README = """
            # fashion-small

            The transfer4j quickstart dataset: two Fashion-MNIST classes that are easily confused,
            `shirts` (label 6, "Shirt") and `tshirts` (label 0, "T-shirt/top"), as 28x28 grayscale PNG
            files in the layout of the book's `cats_and_dogs_small`:

                train/shirts/shirt.0.png ... shirt.399.png        train/tshirts/tshirt.0.png ... tshirt.399.png
                validation/shirts/shirt.400.png ... shirt.599.png validation/tshirts/tshirt.400.png ... tshirt.599.png
                test/shirts/shirt.600.png ... shirt.799.png       test/tshirts/tshirt.600.png ... tshirt.799.png

            train + validation: the first 600 images of each class in train-images-idx3-ubyte;
            test: the first 200 images of each class in t10k-images-idx3-ubyte.
            SOURCES.csv gives the source file and index of every image; LICENSE.txt the licence (MIT).

            Do not edit these files by hand. They are regenerated, byte for byte, by
            org.transfer4j.examples.data.MakeFashionDataset (from the repository root):

                apt-get install dataset-fashion-mnist
                mvn -B -q -o -pl examples -am compile
                java -cp examples/target/classes org.transfer4j.examples.data.MakeFashionDataset \\
                     /usr/share/datasets/fashion-mnist \\
                     examples/src/main/resources/org/transfer4j/examples/data/fashion-small
            """;
}
