package org.transfer4j.examples.book;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Approach 1 on part of the embedded dataset, tiny and with random weights. */
class FeatureExtractionExampleTest {
    @TempDir
    Path tmp;

    @Test
    void extracts_features_trains_and_writes_history_and_curves() throws Exception {
        Path data = ExampleHarness.smallEmbeddedDataset(tmp.resolve("data"), 100, 50, 50);
        Path out = tmp.resolve("run");
        String printed = ExampleHarness.run(FeatureExtractionExample::main, data.toString(), "--out", out.toString(),
                "--input", "32", "--epochs", "2", "--weights", "random");

        assertThat(printed).contains("Note: --weights random")
                .contains("Features: 200 train, 100 validation, 100 test images of shape (None, 1, 1, 512)")
                .contains("Epoch 1/2 - ").contains("Epoch 2/2 - ")
                .containsPattern("Test accuracy: [01]\\.\\d{4} \\(loss \\d+\\.\\d{4}\\) on 100 images");
        for (String split : new String[] {"train", "validation", "test"}) {
            assertThat(out.resolve("features").resolve(split).resolve("manifest.json")).isRegularFile();
        }
        JsonNode history = ExampleHarness.json(out.resolve("history.json"));
        assertThat(ExampleHarness.keys(history)).containsExactly("loss", "acc", "val_loss", "val_acc");
        assertThat(history.get("val_acc").size()).isEqualTo(2);
        for (String chart : new String[] {"accuracy.png", "loss.png", "accuracy_smoothed.png", "loss_smoothed.png"}) {
            assertThat(ExampleHarness.isPng(out.resolve("plots").resolve(chart))).as(chart).isTrue();
        }
        assertThat(out.resolve("plots/report.html")).isRegularFile();
    }

    @Test
    void rejects_a_folder_without_the_books_splits() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("flat/train/cats"));
        assertThatThrownBy(() -> FeatureExtractionExample.main(new String[] {data.getParent().getParent().toString(),
                "--out", tmp.resolve("run").toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing " + tmp.resolve("flat/validation"));
    }

    @Test
    void rejects_an_input_size_below_vgg16s_minimum() {
        assertThatThrownBy(() -> FeatureExtractionExample.main(new String[] {"--input", "31", "--out",
                tmp.resolve("run").toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--input 31: VGG16 needs at least 32 (inclusive)");
    }
}
