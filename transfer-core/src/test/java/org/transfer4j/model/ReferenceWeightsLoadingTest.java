package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.interop.Nd4jArrays;
import org.transfer4j.testing.KerasArraysH5Writer;
import org.transfer4j.testing.Npy;
import org.transfer4j.testing.ReferenceCases;
import org.transfer4j.testing.ReferenceWeights;

/**
 * The Java factories expect exactly the reference's Keras layers and weights (names, order, shapes, trainability,
 * parameter counts), and a Keras-layout h5 file of the generated weights gives the same features as the arrays.
 */
class ReferenceWeightsLoadingTest {

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void every_weight_name_shape_and_trainability_is_the_references(String base) {
        ConvBase b = ReferenceBases.of(base, 224, 224, WeightsSource.random(1));
        List<String> java = new ArrayList<>();
        for (Layer layer : b.layers()) {
            for (Layer.Weight w : layer.weights()) {
                java.add(layer.name() + "/" + w.name() + ":0 " + Arrays.toString(w.shape())
                        + (w.trainable() ? "" : " non-trainable"));
            }
        }
        List<String> reference = ReferenceWeights.listing(base).stream()
                .map(s -> s.name() + " " + Arrays.toString(Arrays.stream(s.shape()).mapToInt(Math::toIntExact).toArray())
                        + (s.trainable() ? "" : " non-trainable"))
                .toList();
        assertThat(java).containsExactlyElementsOf(reference);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void layer_names_inputs_and_shapes_at_224_are_the_references(String base) throws Exception {
        ConvBase b = ReferenceBases.of(base, 224, 224, WeightsSource.random(1));
        List<String> lines = Files.readAllLines(ReferenceWeights.root().resolve(base).resolve("layers.csv"),
                StandardCharsets.UTF_8);
        // Layer.inputs() may be empty where the graph does not record them (sequential VGG); compared where recorded
        boolean recorded = b.layers().stream().anyMatch(l -> !l.inputs().isEmpty());
        List<String> reference = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            reference.add(f[0] + " (" + f[1] + ")" + (recorded ? " <- " + f[2] : "") + " = " + f[3]);
        }
        List<String> java = b.layers().stream()
                .map(l -> l.name() + " (" + l.type().kerasName() + ")"
                        + (recorded ? " <- " + String.join(";", l.inputs()) : "") + " = "
                        + String.join("x", Arrays.stream(l.outputShape()).mapToObj(Integer::toString).toList()))
                .toList();
        assertThat(java).containsExactlyElementsOf(reference);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void parameter_counts_are_kerases_as_the_reference_counts_them(String base) {
        ConvBase b = ReferenceBases.of(base, 224, 224, WeightsSource.random(1));
        long[] counts = ReferenceCases.parameters(base);
        assertThat(b.parameterCount()).isEqualTo(counts[0]);
        assertThat(b.nonTrainableParameterCount()).isEqualTo(counts[2]);
        assertThat(counts[0]).isEqualTo(switch (base) {
            case "vgg19" -> 20_024_384L;
            case "resnet50" -> 23_587_712L;
            default -> 2_257_984L;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void output_shapes_at_every_golden_size_are_the_references(String base) {
        for (ReferenceCases.Case c : ReferenceCases.all()) {
            if (!c.base().equals(base)) {
                continue;
            }
            ConvBase b = ReferenceBases.of(base, c.height(), c.width(), WeightsSource.random(1));
            for (ReferenceCases.Output o : c.outputs()) {
                int[] full = o.fullShape();
                assertThat(b.layer(o.layer()).outputShape()).as("%s %s", c, o.layer())
                        .containsExactly(full[1], full[2], full[3]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vgg19", "resnet50", "mobilenet_v2"})
    void a_keras_h5_file_of_the_generated_weights_gives_the_same_features(String base, @TempDir Path dir)
            throws Exception {
        Optional<ReferenceCases.Case> stored = ReferenceCases.all().stream()
                .filter(k -> k.base().equals(base) && k.input() != null).findFirst();
        assumeTrue(stored.isPresent(), "the reference set has no stored case for " + base);
        ReferenceCases.Case c = stored.get();
        long seed = c.seed();
        Path file = dir.resolve(base + "_seed" + seed + ".h5");
        KerasArraysH5Writer.write(file, ReferenceWeights.listing(base), ReferenceBases.arrays(base, seed));

        ConvBase fromArrays = ReferenceBases.of(base, c.height(), c.width(), ReferenceBases.source(base, seed));
        ConvBase fromFile = ReferenceBases.of(base, c.height(), c.width(), WeightsSource.file(file));
        Weights a = fromArrays.loadWeights();
        Weights f = fromFile.loadWeights();
        assertThat(f.checksum()).startsWith("md5:");
        assertThat(f.parameters()).isEqualTo(a.parameters()).isEqualTo(ReferenceCases.parameters(base)[0]);

        INDArray x = Nd4j.create(Npy.read(c.input()).data(), new long[] {c.batch(), c.height(), c.width(), 3}, 'c');
        ReferenceCases.Output last = c.outputs().get(c.outputs().size() - 1);
        float[] viaArrays;
        float[] viaFile;
        try (FeatureExtractor ea = fromArrays.extractor(a, last.layer());
                FeatureExtractor ef = fromFile.extractor(f, last.layer())) {
            viaArrays = Nd4jArrays.forward(ea, x).castTo(DataType.FLOAT).dup('c').data().asFloat();
            viaFile = Nd4jArrays.forward(ef, x).castTo(DataType.FLOAT).dup('c').data().asFloat();
        }
        assertThat(viaFile).as("features from the h5 file equal those from the arrays").containsExactly(viaArrays);
        ReferenceFeaturesTest.Error e = ReferenceFeaturesTest.Error.of(viaFile, Npy.read(last.file()).data());
        assertThat(e.relative()).as("%s %s from h5 vs the reference", c, last.layer())
                .isLessThanOrEqualTo(ReferenceFeaturesTest.FP32_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet50", "mobilenet_v2"})
    void a_missing_bn_statistic_or_a_wrong_shape_is_named(String base) {
        String name = base.equals("resnet50") ? "conv4_block2_2_bn/moving_variance:0"
                : "block_5_depthwise/depthwise_kernel:0";
        Map<String, float[]> arrays = new LinkedHashMap<>(ReferenceBases.arrays(base, 1));
        float[] kept = arrays.remove(name);
        assertThatThrownBy(() -> ReferenceBases.of(base, 64, 64, WeightsSource.ofKerasArrays("missing", arrays))
                .loadWeights()).isInstanceOf(WeightsException.class).hasMessageContaining(name);
        arrays.put(name, Arrays.copyOf(kept, kept.length - 1));
        assertThatThrownBy(() -> ReferenceBases.of(base, 64, 64, WeightsSource.ofKerasArrays("short", arrays))
                .loadWeights()).isInstanceOf(WeightsException.class).hasMessageContaining(name);
    }
}
