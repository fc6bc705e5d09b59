package org.transfer4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.transfer4j.testing.Fixtures;
import org.transfer4j.testing.Npy;

/** Every DirectoryIterator configuration of {@code directory/expected.json}, compared with our ImageFolder. */
class KerasDirectoryFixtureTest {

    private static final float RESCALE = (float) (1.0 / 255);

    @TestFactory
    Stream<DynamicTest> listing_labels_batches_and_pixels_match_keras_on_every_fixture_config() throws Exception {
        Path root = Fixtures.root();
        JsonNode expected = new ObjectMapper().readTree(root.resolve("directory/expected.json").toFile());
        Map<String, String> formatByPath = new HashMap<>();
        for (JsonNode f : expected.get("tree_files_written")) {
            formatByPath.put(f.get("path").asText(), f.get("format").asText());
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode cfg : expected.get("configs")) {
            tests.add(DynamicTest.dynamicTest(cfg.get("name").asText(), () -> check(root, cfg, formatByPath)));
        }
        assertThat(tests).isNotEmpty();
        return tests.stream();
    }

    static ImageFolder folderFor(Path root, JsonNode cfg) {
        JsonNode kw = cfg.get("kwargs");
        ImageFolder f = ImageFolder.of(root.resolve(cfg.get("directory").asText()))
                .targetSize(kw.get("target_size").get(0).asInt(), kw.get("target_size").get(1).asInt())
                .colorMode(colorMode(kw.get("color_mode").asText()))
                .batchSize(kw.get("batch_size").asInt())
                .shuffle(kw.get("shuffle").asBoolean())
                .interpolation(interpolation(kw.get("interpolation").asText()))
                .classMode(classMode(kw.get("class_mode")));
        if (kw.has("classes")) {
            List<String> classes = new ArrayList<>();
            kw.get("classes").forEach(n -> classes.add(n.asText()));
            f = f.classes(classes);
        }
        if (kw.has("subset")) {
            f = f.validationSplit(cfg.get("validation_split").asDouble())
                    .subset(kw.get("subset").asText().equals("training") ? Subset.TRAINING : Subset.VALIDATION);
        }
        return f;
    }

    private static void check(Path root, JsonNode cfg, Map<String, String> formatByPath) throws Exception {
        ImageFolder folder = folderFor(root, cfg);
        ImageFolderBatches batches = folder.open();
        FolderListing listing = batches.listing();

        Map<String, Integer> expectedIndices = new LinkedHashMap<>();
        cfg.get("class_indices").fields().forEachRemaining(e -> expectedIndices.put(e.getKey(), e.getValue().asInt()));
        assertThat(listing.classIndices()).containsExactlyEntriesOf(expectedIndices);
        assertThat(listing.numClasses()).isEqualTo(cfg.get("num_classes").asInt());
        assertThat(listing.samples()).isEqualTo(cfg.get("samples").asInt());
        assertThat(listing.filenames()).containsExactlyElementsOf(texts(cfg.get("filenames")));
        assertThat(listing.classes()).containsExactly(ints(cfg.get("classes")));
        assertThat(listing.message()).isEqualTo(cfg.get("printed_message").asText());
        for (ImageEntry e : listing.entries()) {
            assertThat(e.path()).isEqualTo(folder.directory().resolve(e.filename()));
            assertThat(e.sizeBytes()).isEqualTo(java.nio.file.Files.size(e.path()));
        }

        assertThat(batches.batchesPerEpoch()).isEqualTo(cfg.get("len_batches_per_epoch").asInt());
        JsonNode epochs = cfg.get("epoch_index_arrays_plus_first_of_next_epoch");
        int bs = folder.batchSize();
        for (int b = 0; b < epochs.size(); b++) {
            int epoch = b / batches.batchesPerEpoch();
            int index = b % batches.batchesPerEpoch();
            int[] order = batches.indexArray(epoch);
            int from = index * bs;
            int to = Math.min(from + bs, order.length);
            assertThat(java.util.Arrays.copyOfRange(order, from, to)).as("index array of batch %d", b)
                    .containsExactly(ints(epochs.get(b)));
        }

        ClassMode mode = folder.classMode();
        for (JsonNode exp : cfg.get("all_batches_of_first_epoch")) {
            ImageBatch batch = batches.batch(0, exp.get("batch").asInt());
            assertThat(batch.indices()).containsExactly(ints(exp.get("index_array")));
            assertThat(batch.filenames()).containsExactlyElementsOf(texts(exp.get("filenames")));
            JsonNode shape = exp.get("batch_x_shape");
            assertThat(new int[] {batch.size(), batch.height(), batch.width(), batch.channels()})
                    .containsExactly(ints(shape));
            float[] expectedY = flatten(exp.get("batch_y"));
            if (mode == ClassMode.INPUT) {
                assertThat(batch.y()).containsExactly(batch.x());
            } else {
                assertThat(batch.y()).containsExactly(expectedY);
            }
            if (exp.has("batch_x")) {
                Npy.Array x = Npy.read(root.resolve(exp.get("batch_x").asText()));
                assertThat(x.shape()).containsExactly(ints(shape));
                int per = batch.height() * batch.width() * batch.channels();
                for (int i = 0; i < batch.size(); i++) {
                    String dirRel = cfg.get("directory").asText().substring("directory/".length());
                    String format = formatByPath.get(dirRel + "/" + batch.filenames().get(i));
                    float tol = "JPEG".equals(format) ? 2f / 255 + 1e-6f : 0f;
                    for (int j = 0; j < per; j++) {
                        float ours = batch.x()[i * per + j] * RESCALE;
                        float theirs = x.data()[i * per + j];
                        if (tol == 0f) {
                            assertThat(ours).as("%s value %d", batch.filenames().get(i), j).isEqualTo(theirs);
                        } else {
                            assertThat(Math.abs(ours - theirs)).as("%s value %d", batch.filenames().get(i), j)
                                    .isLessThanOrEqualTo(tol);
                        }
                    }
                }
            }
        }
        assertThat(batches.report().isEmpty()).isTrue();
    }

    private static ColorMode colorMode(String s) {
        return switch (s) {
            case "rgb" -> ColorMode.RGB;
            case "grayscale" -> ColorMode.GRAYSCALE;
            case "rgba" -> ColorMode.RGBA;
            default -> throw new IllegalArgumentException(s);
        };
    }

    static Interpolation interpolation(String s) {
        return switch (s) {
            case "nearest" -> Interpolation.NEAREST;
            case "bilinear" -> Interpolation.BILINEAR;
            case "bicubic" -> Interpolation.BICUBIC;
            default -> throw new IllegalArgumentException(s);
        };
    }

    private static ClassMode classMode(JsonNode n) {
        if (n == null || n.isNull()) {
            return ClassMode.NONE;
        }
        return switch (n.asText()) {
            case "binary" -> ClassMode.BINARY;
            case "categorical" -> ClassMode.CATEGORICAL;
            case "sparse" -> ClassMode.SPARSE;
            case "input" -> ClassMode.INPUT;
            default -> throw new IllegalArgumentException(n.asText());
        };
    }

    private static List<String> texts(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    private static float[] flatten(JsonNode arr) {
        List<Float> out = new ArrayList<>();
        if (arr == null || arr.isNull()) {
            return new float[0];
        }
        for (JsonNode n : arr) {
            if (n.isArray()) {
                n.forEach(v -> out.add((float) v.asDouble()));
            } else {
                out.add((float) n.asDouble());
            }
        }
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }
}
