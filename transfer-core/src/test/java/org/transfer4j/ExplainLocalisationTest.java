package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Vgg16;
import org.transfer4j.testing.TestImages;

/**
 * Whether Grad-CAM points at the evidence: a model trained to tell a patch of stripes from none, the patch always in
 * one quadrant of noise, should put most of the heatmap mass of the class {@code stripes}, on the test images that hold
 * the patch, in that quadrant (a quarter of the image).
 *
 * <p>The model: VGG16 with random weights at 64 px (rescaled input), block 1 frozen and blocks 2 to 5 trained with a
 * {@code globalAveragePooling().sigmoid()} head (for which Grad-CAM is CAM), explained at {@code block3_conv3}, a 16×16
 * grid of cells whose receptive field (40 px) is about the patch's size (24 px). Measured under load: mean share in
 * the quadrant 0.92, 0.91 and 0.96 (minimum 0.85, 0.78, 0.93) for quadrants 0, 3, 1.
 *
 * <p>What does not localise, and why (measured while building this test): explaining a frozen random base. Random
 * features carry no detector of the patch: with a flatten head the channel weights average the head's random rows over
 * cells the patch never reaches, and the maps light up the image border where zero padding makes random features
 * differ (mean share 0.00 to 0.74 over seeds, at block5_conv3, 128 px, caffe or rescaled input); with a GAP head they
 * follow the patch loosely (0.16 to 0.74). Nor does {@code block5_conv3} at 64 px even when trained: its 4×4 grid's
 * receptive fields (196 px) cover the whole image (0.11 to 0.23). Grad-CAM needs features that detect the class, which
 * ImageNet weights or training provide, and a layer whose cells are no larger than the evidence.
 */
class ExplainLocalisationTest {
    static final int SIZE = 64;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "quadrant {0}, seed {1}")
    @CsvSource({"0,1", "3,2", "1,3"})
    void heatmap_mass_falls_mostly_in_the_quadrant_holding_the_class_signal(int quadrant, long seed) throws Exception {
        Path data = TestImages.stripeTree(tmp.resolve("data"), SIZE, quadrant, true, 24, 40, 10, 12, seed);
        TransferPipeline pipeline = TransferPipeline.from(Vgg16.random(SIZE, SIZE, seed)
                .withPreprocessing(Preprocessing.RESCALE)).freezeUntil("block2_conv1")
                .head(Heads.globalAveragePooling().sigmoid()).optimizer(rmsprop(1e-4)).epochs(10).batchSize(20)
                .seed(seed);
        try (TransferModel model = pipeline.fit(ImageFolder.of(data.resolve("train")),
                ImageFolder.of(data.resolve("validation")), tmp.resolve("cache"))) {
            double accuracy = model.evaluate(ImageFolder.of(data.resolve("test"))).accuracy();
            assertThat(accuracy).as("test accuracy").isGreaterThanOrEqualTo(0.9);

            List<Path> withPatch = new ArrayList<>();
            try (var files = Files.walk(data.resolve("test").resolve("stripes"))) {
                files.filter(p -> p.toString().endsWith(".png")).sorted().forEach(withPatch::add);
            }
            int half = SIZE / 2;
            int top = (quadrant / 2) * half;
            int left = (quadrant % 2) * half;
            double sum = 0;
            double min = 1;
            int inside = 0;
            List<Explanation> explanations = model.explain(withPatch, GradCam.layer("block3_conv3").classes("stripes"));
            for (Explanation e : explanations) {
                assertThat(e.heatmap().layer()).isEqualTo("block3_conv3");
                double f = e.heatmap().massFraction(SIZE, SIZE, top, left, top + half, left + half);
                f = Double.isNaN(f) ? 0 : f;
                sum += f;
                min = Math.min(min, f);
                inside += f > 0.5 ? 1 : 0;
            }
            double mean = sum / explanations.size();
            System.out.printf(Locale.ROOT, "Grad-CAM localisation, quadrant %d, seed %d: test accuracy %.3f, mass in"
                    + " the quadrant mean %.3f min %.3f, %d of %d maps with more than half there%n", quadrant, seed,
                    accuracy, mean, min, inside, explanations.size());
            assertThat(mean).as("mean share of heatmap mass in the signal's quadrant (a quarter of the image)")
                    .isGreaterThan(0.75);
            assertThat(inside).as("maps with most of their mass in the quadrant")
                    .isGreaterThanOrEqualTo(explanations.size() * 9 / 10);
        }
    }
}
