package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;
import static org.transfer4j.Optimizers.rmsprop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.features.ExtractionListener;
import org.transfer4j.features.FeatureSet;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsSource;
import org.transfer4j.testing.TestImages;
import org.transfer4j.testing.TwoClassTree;

/** Save → load → predict gives identical results; predict reads grayscale and RGBA; bad model files are refused. */
class ModelFileTest {
    @TempDir
    static Path tmp;
    static Path data;
    static TransferModel model;

    @BeforeAll
    static void train() throws Exception {
        data = TwoClassTree.write(tmp.resolve("data"), 32, 20, 10, 10, 9);
        TransferPipeline p = TransferPipeline.from(Vgg16.random(32, 32, 4)).head(dense(16).dropout(0.3).sigmoid())
                .optimizer(rmsprop(1e-3)).epochs(3).batchSize(10).seed(1);
        Weights w = p.base().loadWeights();
        FeatureSet train = p.extractFeatures(w, ImageFolder.of(data.resolve("train")), tmp.resolve("c/train"),
                ExtractionListener.none());
        FeatureSet val = p.extractFeatures(w, ImageFolder.of(data.resolve("validation")), tmp.resolve("c/val"),
                ExtractionListener.none());
        model = p.fit(train, val);
    }

    @Test
    void save_then_load_restores_identical_predictions() throws Exception {
        Path withBase = tmp.resolve("with-base.zip");
        Path byReference = tmp.resolve("by-reference.zip");
        model.save(withBase, true);
        model.save(byReference, false);
        assertThat(Files.size(withBase)).isGreaterThan(Files.size(byReference));
        List<Prediction> before = model.predict(data.resolve("test"));
        assertThat(before).hasSize(20);
        for (Path file : List.of(withBase, byReference)) {
            try (TransferModel loaded = TransferModel.load(file)) {
                assertThat(loaded.predict(data.resolve("test"))).isEqualTo(before);
                assertThat(loaded.history()).isEqualTo(model.history());
                assertThat(loaded.classNames()).containsExactly("blues", "reds");
                assertThat(loaded.pipeline().head()).contains(dense(16).dropout(0.3).sigmoid());
            }
        }
        String config = new String(readEntry(byReference, "model.json"));
        assertThat(config).contains("\"weights_checksum\" : \"random:he-normal:seed=4\"")
                .contains("\"cut_layer\" : \"block5_pool\"").contains("\"base_weights_embedded\" : false")
                .contains("\"precision\" : \"fp32\"");
        JsonNode provenance = new ObjectMapper().readTree(config).get("provenance");
        assertThat(provenance.get("base").asText()).isEqualTo("vgg16");
        assertThat(provenance.get("input").toString()).isEqualTo("[32,32,3]");
        assertThat(provenance.get("versions").get("nd4j").asText()).as("read from the nd4j-api jar")
                .isEqualTo("1.0.0-M2.1");
        assertThat(provenance.get("versions").get("dnnl").asText()).isEqualTo("2.5.2-1.5.7");
        assertThat(model.provenance().weightsChecksum()).isEqualTo("random:he-normal:seed=4");
    }

    @Test
    void a_model_zip_in_the_format_1_layout_still_loads() throws Exception {
        Path current = tmp.resolve("current.zip");
        model.save(current, false);
        ObjectMapper json = new ObjectMapper();
        ObjectNode now = (ObjectNode) json.readTree(readEntry(current, "model.json"));
        // model.json as format 1 wrote it: provenance fields flat, a library text, no precision (oldest files)
        ObjectNode old = json.createObjectNode();
        old.put("format", 1);
        old.put("library", "transfer4j development, deeplearning4j 1.0.0-M2.1, java 17.0.12");
        old.put("base", "vgg16");
        old.set("input", json.readTree("[32, 32, 3]"));
        old.put("preprocessing", "caffe");
        old.put("weights_source", "random");
        old.put("weights_seed", 4);
        old.put("weights_checksum", "random:he-normal:seed=4");
        old.put("base_weights_embedded", false);
        old.put("cut_layer", "block5_pool");
        for (String f : List.of("head", "loss", "class_indices", "optimizer", "epochs", "batch_size", "seed",
                "phase_starts", "variables")) {
            old.set(f, now.get(f));
        }
        Path oldZip = tmp.resolve("format-1.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(oldZip));
                ZipInputStream in = new ZipInputStream(Files.newInputStream(current))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(e.getName().equals("model.json")
                        ? json.writerWithDefaultPrettyPrinter().writeValueAsBytes(old) : in.readAllBytes());
                zip.closeEntry();
            }
        }
        try (TransferModel loaded = TransferModel.load(oldZip)) {
            assertThat(loaded.predict(data.resolve("test"))).isEqualTo(model.predict(data.resolve("test")));
            assertThat(loaded.history()).isEqualTo(model.history());
            assertThat(loaded.pipeline().precision()).isEqualTo(Precision.FP32);
            assertThat(loaded.provenance().cutLayer()).isEqualTo("block5_pool");
        }
    }

    @Test
    void loading_with_other_base_weights_is_refused() throws Exception {
        Path file = tmp.resolve("m.zip");
        model.save(file, false);
        assertThatThrownBy(() -> TransferModel.load(file, WeightsSource.random(5)))
                .isInstanceOf(IOException.class).hasMessageContaining("random:he-normal:seed=4")
                .hasMessageContaining("random:he-normal:seed=5");
    }

    @Test
    void predict_handles_grayscale_and_rgba_files_and_reports_bad_ones() throws Exception {
        Path dir = tmp.resolve("mixed");
        Files.createDirectories(dir);
        Files.write(dir.resolve("gray.png"), TestImages.png(TestImages.random(20, 24, 1, 3)));
        Files.write(dir.resolve("rgba.png"), TestImages.png(TestImages.random(40, 40, 4, 4)));
        Files.write(dir.resolve("broken.jpg"), "not a jpeg".getBytes());
        List<Prediction> p = model.predict(dir);
        assertThat(p).extracting(x -> x.file().getFileName().toString())
                .containsExactly("broken.jpg", "gray.png", "rgba.png");
        assertThat(p.get(0).error()).contains("broken.jpg");
        for (Prediction ok : p.subList(1, 3)) {
            assertThat(ok.error()).isNull();
            assertThat(ok.probabilities().keySet()).containsExactly("blues", "reds");
            assertThat(ok.probabilities().values().stream().mapToDouble(Double::doubleValue).sum())
                    .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
            assertThat(ok.confidence()).isGreaterThanOrEqualTo(0.5);
        }
        assertThat(model.predict(dir.resolve("gray.png"))).singleElement()
                .extracting(Prediction::probabilities).isEqualTo(p.get(1).probabilities());
    }

    @Test
    void bad_model_files_are_refused_with_the_file_named() throws Exception {
        Path text = tmp.resolve("text.zip");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> TransferModel.load(text)).isInstanceOf(IOException.class)
                .hasMessageContaining(text.toString());
        Path evil = tmp.resolve("evil.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(evil))) {
            zip.putNextEntry(new ZipEntry("../../escape.npy"));
            zip.write(1);
            zip.closeEntry();
        }
        assertThatThrownBy(() -> TransferModel.load(evil)).isInstanceOf(IOException.class)
                .hasMessageContaining("unexpected entry '../../escape.npy'");
        assertThat(tmp.getParent().resolve("escape.npy")).doesNotExist();
        assertThatThrownBy(() -> TransferModel.load(tmp.resolve("missing.zip"))).isInstanceOf(IOException.class)
                .hasMessageContaining("missing.zip");
    }

    static byte[] readEntry(Path zip, String name) throws IOException {
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new IOException("no " + name);
    }
}
