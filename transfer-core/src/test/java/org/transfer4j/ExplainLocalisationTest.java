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
 * Whether Grad-CAM points at the evidence: a model trained (random-weights VGG16 at 64 px, layers before block5_conv3
 * frozen) to tell vertical from horizontal stripes in a patch that always sits in one quadrant of calm noise should put
 * most of its heatmap's mass (at the image's size) in that quadrant, a quarter of the image.
 *
 * <p>Disabled: with random base weights it does not. The models reach test accuracy 1.0, and the maps match the
 * gradient check ({@code ExplainGradCamGradientTest}) and the model's own predictions, yet the mean share of mass in
 * the signal's quadrant measured 0.04 to 0.50 over these designs (quadrants 0 and 3, seeds 1, 2, 5): orientation or
 * presence of stripes, noise amplitude 127, 50 or 24, block5_conv3 trained or frozen, block4_conv3. The maps are zero
 * exactly where the patch is in several runs: the evidence is carried by activations that the patch switches off, which
 * Grad-CAM (a ReLU of activations weighted by mean gradients) cannot show, and block5 cells at 64 px see most of the
 * image. Kept as the measurement to rerun with ImageNet weights or another design; see the closing note.
 */
@org.junit.jupiter.api.Disabled("Grad-CAM on a random-weights VGG16 does not localise the synthetic patch (0.04-0.50 of "
        + "the mass in its quadrant); see the class comment")
class ExplainLocalisationTest {
    static final int SIZE = 64;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "quadrant {0}, seed {1}")
    @CsvSource({"0,1", "3,2"})
    void heatmap_mass_falls_mostly_in_the_quadrant_holding_the_class_signal(int quadrant, long seed) throws Exception {
        Path data = TestImages.stripeTree(tmp.resolve("data"), SIZE, quadrant, false, 24, 60, 20, 15, seed);
        TransferPipeline pipeline = TransferPipeline.from(Vgg16.random(SIZE, SIZE, seed)).freezeUntil("block5_conv3")
                .head(dense(64).sigmoid()).optimizer(rmsprop(1e-4)).epochs(8).batchSize(20).seed(seed);
        try (TransferModel model = pipeline.fit(ImageFolder.of(data.resolve("train")),
                ImageFolder.of(data.resolve("validation")), tmp.resolve("cache"))) {
            double accuracy = model.evaluate(ImageFolder.of(data.resolve("test"))).accuracy();
            assertThat(accuracy).as("test accuracy").isGreaterThanOrEqualTo(0.8);

            List<Path> test = new ArrayList<>();
            try (var files = Files.walk(data.resolve("test"))) {
                files.filter(p -> p.toString().endsWith(".png")).sorted().forEach(test::add);
            }
            int half = SIZE / 2;
            int top = (quadrant / 2) * half;
            int left = (quadrant % 2) * half;
            double sum = 0;
            int inside = 0;
            List<Explanation> explanations = model.explain(test, GradCam.defaults());
            for (Explanation e : explanations) {
                assertThat(e.heatmap().layer()).isEqualTo("block5_conv3");
                double f = e.heatmap().massFraction(SIZE, SIZE, top, left, top + half, left + half);
                sum += Double.isNaN(f) ? 0 : f;
                inside += f > 0.5 ? 1 : 0;
            }
            double mean = sum / explanations.size();
            System.out.printf(Locale.ROOT, "Grad-CAM localisation, quadrant %d, seed %d: test accuracy %.3f, mean mass"
                    + " in the quadrant %.3f, %d of %d maps with more than half there%n", quadrant, seed, accuracy,
                    mean, inside, explanations.size());
            assertThat(mean).as("mean share of heatmap mass in the signal's quadrant (a quarter of the image)")
                    .isGreaterThan(0.6);
            assertThat(inside).as("maps with most of their mass in the quadrant").isGreaterThan(explanations.size() * 3 / 4);
        }
    }
}
