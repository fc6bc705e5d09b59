package org.transfer4j.examples.book;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.Prediction;
import org.transfer4j.TransferModel;
import org.transfer4j.data.ImageFolder;

/** Both fine-tuning phases on part of the embedded dataset, tiny and with random weights. */
class FineTuningExampleTest {
    @TempDir
    Path tmp;

    @Test
    void trains_two_phases_saves_a_loadable_model_and_predicts() throws Exception {
        Path data = ExampleHarness.smallEmbeddedDataset(tmp.resolve("data"), 60, 30, 30);
        Path out = tmp.resolve("run");
        String printed = ExampleHarness.run(FineTuningExample::main, data.toString(), "--out", out.toString(), "--input", "32",
                "--epochs", "1", "--fine-tune-epochs", "1", "--weights", "random");

        assertThat(printed).contains("Phase 1: the classifier on the frozen base, 1 epochs")
                .contains("Phase 2: fine-tuning block5 and the classifier, 1 epochs")
                .containsPattern("Test accuracy: [01]\\.\\d{4} \\(loss \\d+\\.\\d{4}\\) on 60 images");
        JsonNode history = ExampleHarness.json(out.resolve("history.json"));
        assertThat(ExampleHarness.keys(history)).containsExactly("loss", "acc", "val_loss", "val_acc");
        assertThat(history.get("val_loss").size()).as("one epoch per phase").isEqualTo(2);
        assertThat(ExampleHarness.isPng(out.resolve("plots/accuracy_smoothed.png"))).isTrue();
        assertThat(ExampleHarness.isPng(out.resolve("plots/loss_smoothed.png"))).isTrue();

        Path image = ImageFolder.of(data.resolve("test")).list().entries().get(0).path();
        try (TransferModel loaded = TransferModel.load(out.resolve("model.zip"))) {
            assertThat(loaded.classNames()).containsExactly("shirts", "tshirts");
            assertThat(loaded.pipeline().firstTrainableLayer()).get().extracting(l -> l.name()).isEqualTo("block5_conv1");
            assertThat(loaded.history().epochs()).isEqualTo(2);
            List<Prediction> again = loaded.predict(image);
            assertThat(again).hasSize(1);
            assertThat(printed).contains("Prediction: " + again.get(0));
        }
    }
}
