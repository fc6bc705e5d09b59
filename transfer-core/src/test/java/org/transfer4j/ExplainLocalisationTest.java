package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.transfer4j.Heads.dense;
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
import org.transfer4j.model.Vgg16;
import org.transfer4j.testing.TestImages;

/**
 * Whether Grad-CAM points at the evidence: a model (random-weights VGG16 at 128 px, so that a block5_conv3 cell covers
 * 16 px and a quadrant 4×4 cells; base frozen; {@code dense(64).sigmoid()} head) trained to tell a patch of stripes
 * from none, the patch always in one quadrant of calm noise, should put most of the heatmap's mass of the class
 * {@code stripes}, on the test images that hold the patch, in that quadrant (a quarter of the image).
 *
 * <p>Disabled: with random base weights it does not, reliably. Every model reaches test accuracy 1.0; the maps match
 * the per-element gradient check and the formula ({@code ExplainGradCamPositionTest}), so this is not a layout bug.
 * Measured mean share in the quadrant (12 maps each, block5_conv3, rmsprop 1e-4, 8 epochs, noise amplitude 24):
 * quadrant 0 seed 1: 0.744 (min 0.586, 12/12 maps above one half); quadrant 3 seed 2: 0.352 (min 0.251); quadrant 1
 * seed 3: 0.146 (min 0.047); quadrant 2 seed 4 at 96 px: 0.106. block5_conv2 and block4_conv3 are no better (0.06 to
 * 0.86). Worse with more training: rmsprop 1e-3 gives 0.00 to 0.09, and so does training block5 (freezeUntil
 * block5_conv1): 0.001. Calmer noise (amplitude 6 or 2) gives 0.02 to 0.43. The earlier design (64 px, vertical
 * against horizontal stripes, predicted class) measured 0.04 to 0.50. A solid bright square (250 over noise
 * 104..152) instead of stripes, same setup: 0.50, 0.08 and 0.00 (quadrants 0, 3, 1; seeds 1, 2, 3), the last with
 * every map all zero (no cell with Σ α_k A_k > 0) while the model says {@code patch} with probability 1.0.
 *
 * <p>Likely cause (not proven): with a flatten head the class score's gradient at a cell is the dense kernel's row
 * for that cell, and Grad-CAM's channel weight averages it over all cells, including the cells the patch never
 * reaches, whose rows are random (Glorot) and whose activations are the same for both classes. The trained rows of
 * the patch cells carry 1/16 of the average, and what the models learn from random features is often that features
 * firing over the noise go quiet where the patch is (maps zero exactly on the patch), which ReLU(Σ α_k A_k) cannot
 * show. Supporting this: the fitted head after 8 or 30 epochs is bit for bit the one after epoch 1 (the random
 * features are so large that the probabilities saturate after four RMSprop steps of 1e-4, and the weights stop
 * changing; whether by zero gradients or by keeping the best epoch was not checked), so the head is its Glorot draw plus a small trained change, and the maps (and fractions) do
 * not move with more epochs. Rerun with ImageNet weights, or with a global-average-pooling head (for which Grad-CAM
 * is CAM).
 */
@org.junit.jupiter.api.Disabled("Grad-CAM on a random-weights VGG16 with a flatten head does not reliably localise the "
        + "synthetic patch (mean 0.15-0.74 of the mass in its quadrant over seeds); see the class comment")
class ExplainLocalisationTest {
    static final int SIZE = 128;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "quadrant {0}, seed {1}")
    @CsvSource({"0,1", "3,2", "1,3"})
    void heatmap_mass_falls_mostly_in_the_quadrant_holding_the_class_signal(int quadrant, long seed) throws Exception {
        Path data = TestImages.stripeTree(tmp.resolve("data"), SIZE, quadrant, true, 24, 40, 10, 12, seed);
        TransferPipeline pipeline = TransferPipeline.from(Vgg16.random(SIZE, SIZE, seed)).freezeAll()
                .head(dense(64).sigmoid()).optimizer(rmsprop(1e-4)).epochs(8).batchSize(20).seed(seed);
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
            List<Explanation> explanations = model.explain(withPatch, GradCam.defaults().classes("stripes"));
            for (Explanation e : explanations) {
                assertThat(e.heatmap().layer()).isEqualTo("block5_conv3");
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
                    .isGreaterThan(0.6);
            assertThat(inside).as("maps with most of their mass in the quadrant").isGreaterThan(explanations.size() * 3 / 4);
        }
    }
}
