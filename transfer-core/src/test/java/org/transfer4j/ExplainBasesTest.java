package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.transfer4j.Optimizers.rmsprop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.explain.Explanation;
import org.transfer4j.explain.GradCam;
import org.transfer4j.explain.Heatmap;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.MobileNetV2;
import org.transfer4j.model.ResNet50;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Vgg19;
import org.transfer4j.testing.TwoClassTree;

/**
 * Grad-CAM on every base, in fp32 and bf16, with a flatten or a global-average-pooling head: the default layer (the
 * last conv layer of a VGG, the last activation of ResNet50 and MobileNetV2), a heatmap of that layer's grid whose
 * probabilities equal the model's predictions, and a clear refusal of a layer it cannot run backwards to.
 */
class ExplainBasesTest {
    static final int SIZE = 64;

    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() {
        data = TwoClassTree.write(tmp.resolve("data"), SIZE, 8, 4, 0, 3);
    }

    static ConvBase base(String name) {
        return switch (name) {
            case "vgg16" -> Vgg16.random(SIZE, SIZE, 1);
            case "vgg19" -> Vgg19.random(SIZE, SIZE, 1);
            case "resnet50" -> ResNet50.random(SIZE, SIZE, 1);
            case "mobilenet_v2" -> MobileNetV2.random(SIZE, SIZE, 1);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}, {1} head, {2}")
    @CsvSource({"vgg16,flatten,fp32,block5_conv3,4", "vgg16,gap,bf16,block5_conv3,4", "vgg19,gap,fp32,block5_conv4,4",
            "resnet50,gap,fp32,conv5_block3_out,2", "resnet50,gap,bf16,conv5_block3_out,2",
            "mobilenet_v2,gap,fp32,out_relu,2", "mobilenet_v2,flatten,bf16,out_relu,2"})
    void explains_the_default_layer_of_every_base_in_both_precisions(String baseName, String headKind, String precision,
            String expectedLayer, int cells) throws Exception {
        Precision p = Precision.parse(precision);
        Assumptions.assumeTrue(p != Precision.BF16 || Precision.AUTO.resolve() == Precision.BF16, "no bf16 here");
        Head head = headKind.equals("gap") ? Heads.globalAveragePooling().dense(8).sigmoid()
                : Heads.flatten().dense(8).sigmoid();
        TransferPipeline pipeline = TransferPipeline.from(base(baseName)).head(head).optimizer(rmsprop(1e-4))
                .epochs(1).batchSize(4).seed(2).precision(p);
        try (TransferModel model = pipeline.fit(ImageFolder.of(data.resolve("train")),
                ImageFolder.of(data.resolve("validation")), tmp.resolve("cache-" + baseName + headKind + precision))) {
            List<Path> images;
            try (Stream<Path> files = Files.walk(data.resolve("validation"))) {
                images = files.filter(f -> f.toString().endsWith(".png")).sorted().toList();
            }
            List<Explanation> explanations = model.explain(images, GradCam.defaults().allClasses());
            assertThat(explanations).hasSize(images.size());
            for (int i = 0; i < explanations.size(); i++) {
                Explanation e = explanations.get(i);
                Heatmap h = e.heatmap();
                assertThat(h.layer()).isEqualTo(expectedLayer);
                assertThat(h.height()).as("%s grid at %d px", expectedLayer, SIZE).isEqualTo(cells);
                assertThat(h.width()).isEqualTo(cells);
                for (float v : h.values()) {
                    assertThat(v).isBetween(0f, 1f);
                }
                double weightSum = 0;
                for (float w : h.channelWeights()) {
                    weightSum += Math.abs(w);
                }
                assertThat(weightSum).as("channel weights of %s", expectedLayer).isPositive();
                assertThat(e.heatmaps()).hasSize(2); // both classes
                // the explanation's probabilities are the model's prediction for the same image (in bf16 up to
                // rounding: the explainer's prefix hands the cut to the tail in fp32, the model's rounds on to bf16)
                String second = model.classNames().get(1);
                assertThat(e.probabilities().get(second)).isCloseTo(model.predict(images.get(i)).get(0)
                        .probabilities().get(second), org.assertj.core.data.Offset.offset(p == Precision.BF16 ? 5e-2
                                : 1e-4));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void every_layer_with_a_spatial_output_is_explainable_and_others_are_refused_naming_the_ones_that_are() {
        ConvBase resnet = ResNet50.random(SIZE, SIZE, 1);
        List<String> r = ModelExplainer.explainableLayers(resnet);
        assertThat(r).contains("conv1_conv", "conv5_block3_3_conv", "conv5_block3_2_bn", "conv5_block3_add")
                .endsWith("conv5_block3_out").doesNotContain("conv1_pad", "pool1_pool");
        List<String> m = ModelExplainer.explainableLayers(MobileNetV2.random(SIZE, SIZE, 1));
        assertThat(m).contains("block_16_depthwise", "block_16_project", "block_15_add").endsWith("out_relu")
                .doesNotContain("block_1_pad");
        assertThat(ModelExplainer.explainableLayers(Vgg16.random(SIZE, SIZE, 1))).hasSize(13).contains("block1_conv1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelExplainer.layerIndex(resnet,
                GradCam.layer("pool1_pool"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool1_pool").hasMessageContaining("conv5_block3_out");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelExplainer.layerIndex(resnet,
                GradCam.layer("block5_conv3"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown layer 'block5_conv3'");
    }

    /**
     * A layer inside a residual block: the prefix stops at the block's input and the graph engine runs the rest forward
     * and backward. Its heatmap has the layer's grid and non-zero channel weights, and the probabilities are the
     * model's. (The gradients themselves are checked against finite differences in {@code GraphTrainerOpTest} and
     * {@code ExplainGradCamGradientTest}.)
     */
    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"resnet50,conv5_block3_2_conv,2", "resnet50,conv4_block6_1_relu,4", "mobilenet_v2,block_16_project,2",
            "mobilenet_v2,block_14_depthwise_relu,2", "mobilenet_v2,block_13_expand_BN,4"})
    void explains_a_layer_inside_a_block(String baseName, String layer, int cells) throws Exception {
        TransferPipeline pipeline = TransferPipeline.from(base(baseName))
                .head(Heads.globalAveragePooling().dense(8).sigmoid()).optimizer(rmsprop(1e-4)).epochs(1).batchSize(4)
                .seed(2);
        try (TransferModel model = pipeline.fit(ImageFolder.of(data.resolve("train")),
                ImageFolder.of(data.resolve("validation")), tmp.resolve("cache-inner-" + baseName))) {
            List<Path> images;
            try (Stream<Path> files = Files.walk(data.resolve("validation"))) {
                images = files.filter(f -> f.toString().endsWith(".png")).sorted().toList();
            }
            List<Explanation> explanations = model.explain(images, GradCam.layer(layer));
            for (int i = 0; i < explanations.size(); i++) {
                Explanation e = explanations.get(i);
                assertThat(e.heatmap().layer()).isEqualTo(layer);
                assertThat(e.heatmap().height()).isEqualTo(cells);
                assertThat(e.heatmap().width()).isEqualTo(cells);
                double weightSum = 0;
                for (float w : e.heatmap().channelWeights()) {
                    weightSum += Math.abs(w);
                }
                assertThat(weightSum).as("channel weights of %s", layer).isPositive();
                String second = model.classNames().get(1);
                assertThat(e.probabilities().get(second)).isCloseTo(model.predict(images.get(i)).get(0)
                        .probabilities().get(second), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }
}
