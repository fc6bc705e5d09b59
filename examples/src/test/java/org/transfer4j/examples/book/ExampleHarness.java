package org.transfer4j.examples.book;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.transfer4j.examples.data.EmbeddedDataset;

/** Runs an example's {@code main} with {@code System.out} captured; reads what it wrote; makes small data. */
final class ExampleHarness {
    interface Main {
        void run(String[] args) throws Exception;
    }

    private ExampleHarness() {
    }

    /** What {@code main(args)} printed. */
    static String run(Main main, String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(original);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        original.print(printed);
        return printed;
    }

    /**
     * A book-shaped folder with the first {@code train}, {@code validation} and {@code test} images of each
     * class of the embedded dataset's train, validation and test (file-name order), so that tests stay short.
     */
    static Path smallEmbeddedDataset(Path dir, int train, int validation, int test) throws Exception {
        Path full = EmbeddedDataset.extractTo(dir.resolveSibling(dir.getFileName() + "-full"));
        int[] counts = {train, validation, test};
        String[] splits = {"train", "validation", "test"};
        for (int s = 0; s < splits.length; s++) {
            for (String c : EmbeddedDataset.CLASSES) {
                Path from = full.resolve(splits[s]).resolve(c);
                Path to = Files.createDirectories(dir.resolve(splits[s]).resolve(c));
                List<Path> files;
                try (var list = Files.list(from)) {
                    files = list.sorted().limit(counts[s]).toList();
                }
                for (Path f : files) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return dir;
    }

    /** The metric names of a history.json, in file order. */
    static List<String> keys(JsonNode history) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = history.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    static JsonNode json(Path file) throws Exception {
        return JsonMapper.builder().build().readTree(file.toFile());
    }

    /** True if the file starts with PNG's signature. */
    static boolean isPng(Path file) throws Exception {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 8) != 8) {
                return false;
            }
        }
        return head[0] == (byte) 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G';
    }
}
