package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.testing.KerasH5Writer;
import org.transfer4j.testing.ReferenceConvNet;

/** Keras h5 import, checked through the engine's forward pass against a plain-Java reference. */
class WeightsLoadingTest {
    static final int SIZE = 32;
    static Map<String, LayerWeights> known;

    @BeforeAll
    static void makeKnownWeights() {
        // Known values: He-scaled kernels and non-zero biases from a fixed stream.
        known = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(20240611);
        for (Layer l : Vgg16.random(SIZE, SIZE, 0).layers()) {
            if (!l.hasWeights()) {
                continue;
            }
            long[] shape = l.kernelShape();
            float[] k = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
            double std = Math.sqrt(2.0 / (shape[0] * shape[1] * shape[2]));
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) (random.nextGaussian() * std);
            }
            float[] b = new float[(int) shape[3]];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (random.nextDouble() * 0.2 - 0.05);
            }
            known.put(l.name(), new LayerWeights(k, shape, b));
        }
    }

    @ParameterizedTest
    @EnumSource(KerasH5Writer.Naming.class)
    void keras_h5_weights_give_the_reference_forward_pass(KerasH5Writer.Naming naming, @TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("weights.h5");
        KerasH5Writer.write(file, known, naming);
        ConvBase base = Vgg16.imagenet(SIZE, SIZE, file).withPreprocessing(Preprocessing.NONE);
        Weights weights = base.loadWeights();
        assertThat(weights.checksum()).startsWith("md5:");
        assertThat(weights.layer("block3_conv2")).isEqualTo(known.get("block3_conv2"));

        HwcImage image = testImage(7);
        double[] input = toDouble(image.pixels());
        for (String cut : List.of("block1_pool", "block2_conv1", "block5_pool")) {
            try (FeatureExtractor extractor = base.extractor(weights, cut)) {
                float[] ours = extractor.extract(List.of(image));
                int end = base.indexOf(cut);
                double[] reference = ReferenceConvNet.forward(input, SIZE, SIZE, 3, base.layers().subList(0, end + 1),
                        weights);
                assertThat(ours).hasSameSizeAs(reference);
                double scale = 0;
                for (double v : reference) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(scale).as("reference output of %s is not all zero", cut).isPositive();
                for (int i = 0; i < ours.length; i++) {
                    assertThat(Math.abs(ours[i] - reference[i])).as("%s value %d", cut, i)
                            .isLessThanOrEqualTo(1e-4 * scale + 1e-5);
                }
            }
        }
    }

    @Test
    void a_batch_gives_each_images_own_features() throws Exception {
        ConvBase base = Vgg16.random(SIZE, SIZE, 3);
        Weights weights = base.loadWeights();
        try (FeatureExtractor extractor = base.extractor(weights, "block2_pool")) {
            float[] a = extractor.extract(List.of(testImage(1)));
            float[] b = extractor.extract(List.of(testImage(2)));
            float[] both = extractor.extract(List.of(testImage(1), testImage(2)));
            assertThat(both).hasSize(a.length * 2);
            for (int i = 0; i < a.length; i++) {
                assertThat(both[i]).isCloseTo(a[i], org.assertj.core.api.Assertions.within(1e-4f * (1 + Math.abs(a[i]))));
                assertThat(both[a.length + i]).isCloseTo(b[i],
                        org.assertj.core.api.Assertions.within(1e-4f * (1 + Math.abs(b[i]))));
            }
            assertThat(extractor.imagesProcessed()).isEqualTo(4);
            assertThatThrownBy(() -> extractor.extract(List.of(HwcImage.zeros(SIZE, SIZE + 1, 3))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expects 32x32x3");
        }
    }

    @Test
    void random_weights_are_reproducible_per_seed_and_he_scaled() throws Exception {
        List<Layer> layers = Vgg16.random(SIZE, SIZE, 0).layers();
        Weights a = WeightsSource.random(5).load("vgg16", layers);
        Weights b = WeightsSource.random(5).load("vgg16", layers);
        Weights c = WeightsSource.random(6).load("vgg16", layers);
        assertThat(a.layer("block4_conv1")).isEqualTo(b.layer("block4_conv1"));
        assertThat(a.layer("block4_conv1")).isNotEqualTo(c.layer("block4_conv1"));
        assertThat(a.checksum()).isEqualTo("random:he-normal:seed=5");
        assertThat(a.parameters()).isEqualTo(14_714_688L);
        float[] k = a.layer("block2_conv1").kernel();
        double sq = 0;
        for (float v : k) {
            sq += v * v;
        }
        double std = Math.sqrt(sq / k.length);
        assertThat(std).isBetween(0.97 * Math.sqrt(2.0 / (9 * 64)), 1.03 * Math.sqrt(2.0 / (9 * 64)));
    }

    @Test
    void a_file_that_is_not_hdf5_is_rejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weights.h5");
        Files.writeString(file, "<html>404 not found</html>");
        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, file).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not an HDF5 file");
    }

    @Test
    void a_truncated_h5_file_is_rejected(@TempDir Path dir) throws IOException {
        Path full = dir.resolve("full.h5");
        KerasH5Writer.write(full, known, KerasH5Writer.Naming.KERAS1);
        byte[] bytes = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.h5");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, cut).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining(cut.toString());
    }

    @Test
    void a_missing_layer_or_wrong_shape_is_named(@TempDir Path dir) throws IOException {
        Map<String, LayerWeights> missing = new LinkedHashMap<>(known);
        missing.remove("block4_conv2");
        Path f1 = dir.resolve("missing.h5");
        KerasH5Writer.write(f1, missing, KerasH5Writer.Naming.KERAS2);
        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, f1).loadWeights())
                .isInstanceOf(WeightsException.class).hasMessageContaining("block4_conv2");

        Map<String, LayerWeights> wrong = new LinkedHashMap<>(known);
        wrong.put("block1_conv1", new LayerWeights(new float[5 * 5 * 3 * 64], new long[] {5, 5, 3, 64}, new float[64]));
        Path f2 = dir.resolve("wrong.h5");
        KerasH5Writer.write(f2, wrong, KerasH5Writer.Naming.KERAS1);
        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, f2).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("block1_conv1").hasMessageContaining("[5, 5, 3, 64]")
                .hasMessageContaining("[3, 3, 3, 64]");
    }

    @Test
    void a_missing_file_is_named(@TempDir Path dir) {
        Path nowhere = dir.resolve("nope.h5");
        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, nowhere).loadWeights())
                .isInstanceOf(WeightsException.class).hasMessageContaining(nowhere.toString());
    }

    static HwcImage testImage(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[SIZE * SIZE * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 255 - 120);
        }
        return new HwcImage(SIZE, SIZE, 3, px);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
