package org.transfer4j.examples.book;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Approach 2 on the embedded dataset (unpacked by the example itself), tiny and with random weights. */
class AugmentationExampleTest {
    @TempDir
    Path tmp;

    @Test
    void trains_on_augmented_images_in_full_passes_and_writes_history_and_curves() throws Exception {
        Path out = tmp.resolve("run");
        String printed = ExampleHarness.run(AugmentationExample::main, "--out", out.toString(), "--input", "32",
                "--epochs", "1", "--weights", "random");

        assertThat(out.resolve("data/train/shirts")).isDirectory();
        assertThat(printed).contains("Data: the embedded Fashion-MNIST shirts vs T-shirts in " + out.resolve("data"))
                .contains("1 epochs of 40 steps (20 validation steps), batch 20")
                .contains("Epoch 1/1 - ")
                .containsPattern("Test accuracy: [01]\\.\\d{4} \\(loss \\d+\\.\\d{4}\\) on 400 images");
        JsonNode history = ExampleHarness.json(out.resolve("history.json"));
        assertThat(ExampleHarness.keys(history)).containsExactly("loss", "acc", "val_loss", "val_acc");
        assertThat(history.get("acc").size()).isEqualTo(1);
        assertThat(ExampleHarness.isPng(out.resolve("plots/accuracy.png"))).isTrue();
        assertThat(ExampleHarness.isPng(out.resolve("plots/loss_smoothed.png"))).isTrue();
        // Validation features are cached at the cut; training images go through the base every step.
        assertThat(out.resolve("features/validation/block5_pool/manifest.json")).isRegularFile();
        assertThat(out.resolve("features/train")).doesNotExist();
    }
}
