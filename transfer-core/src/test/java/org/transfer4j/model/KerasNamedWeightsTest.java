package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.internal.weights.KerasH5Reader;
import org.transfer4j.testing.GraphReference;
import org.transfer4j.testing.KerasH5Writer;

/** Weights by Keras weight name: the h5 save_weights layout and in-memory arrays, with errors naming layer and weight. */
class KerasNamedWeightsTest {
    @TempDir
    Path tmp;

    static final ConvBase BASE = MobileNetV2.random(32, 32, 1);

    @Test
    void save_weights_layout_reads_every_named_array_of_mobilenet_v2() throws Exception {
        Map<String, float[]> arrays = GraphReference.randomKerasArrays(BASE.layers(), 3);
        Weights fromArrays = WeightsSource.ofKerasArrays("a", arrays).load(BASE.name(), BASE.layers());
        Path file = tmp.resolve("mobilenet_v2.h5");
        KerasH5Writer.write(file, fromArrays.layers(), KerasH5Writer.Naming.KERAS2);
        Weights read = KerasH5Reader.read(file, BASE.layers());
        assertThat(read.layers()).isEqualTo(fromArrays.layers());
        assertThat(read.layer("block_1_depthwise").shape("depthwise_kernel")).containsExactly(3, 3, 96, 1);
        assertThat(read.layer("Conv_1_bn").names()).containsExactly("gamma", "beta", "moving_mean", "moving_variance");
        assertThat(read.checksum()).startsWith("md5:");
        assertThat(BASE.withWeights(WeightsSource.file(file)).loadWeights().layers()).isEqualTo(fromArrays.layers());
    }

    @Test
    void a_missing_or_misshapen_array_in_the_file_names_layer_and_weight() throws Exception {
        Weights w = BASE.loadWeights();
        Map<String, LayerWeights> missing = new LinkedHashMap<>(w.layers());
        LayerWeights bn = w.layer("bn_Conv1");
        missing.put("bn_Conv1", LayerWeights.builder().put("gamma", new long[] {32}, bn.values("gamma"))
                .put("beta", new long[] {32}, bn.values("beta")).put("moving_mean", new long[] {32},
                        bn.values("moving_mean")).build());
        Path file = tmp.resolve("missing.h5");
        KerasH5Writer.write(file, missing, KerasH5Writer.Naming.KERAS2);
        assertThatThrownBy(() -> KerasH5Reader.read(file, BASE.layers())).isInstanceOf(WeightsException.class)
                .hasMessageContaining("bn_Conv1/moving_variance:0").hasMessageContaining(file.toString());

        Map<String, LayerWeights> wrong = new LinkedHashMap<>(w.layers());
        LayerWeights dw = w.layer("expanded_conv_depthwise");
        wrong.put("expanded_conv_depthwise", LayerWeights.builder().put("depthwise_kernel", new long[] {3, 3, 1, 32},
                dw.values("depthwise_kernel")).build());
        Path file2 = tmp.resolve("wrong.h5");
        KerasH5Writer.write(file2, wrong, KerasH5Writer.Naming.KERAS2);
        assertThatThrownBy(() -> KerasH5Reader.read(file2, BASE.layers())).isInstanceOf(WeightsException.class)
                .hasMessageContaining("expanded_conv_depthwise").hasMessageContaining("depthwise_kernel")
                .hasMessageContaining("[3, 3, 1, 32]").hasMessageContaining("[3, 3, 32, 1]");
    }

    @Test
    void keras_arrays_check_presence_and_size_and_record_the_id() throws Exception {
        Map<String, float[]> arrays = new HashMap<>(GraphReference.randomKerasArrays(BASE.layers(), 3));
        Weights w = WeightsSource.ofKerasArrays("golden-1", arrays).load(BASE.name(), BASE.layers());
        assertThat(w.checksum()).startsWith("arrays:golden-1:");
        assertThat(w.parameters()).isEqualTo(2_257_984L);
        arrays.put("predictions/kernel:0", new float[3]); // arrays no layer uses are ignored
        assertThat(WeightsSource.ofKerasArrays("golden-1", arrays).load(BASE.name(), BASE.layers()).checksum())
                .isEqualTo(w.checksum());
        Map<String, float[]> other = new HashMap<>(arrays);
        other.get("Conv1/kernel:0")[0] += 1;
        assertThat(WeightsSource.ofKerasArrays("golden-1", other).load(BASE.name(), BASE.layers()).checksum())
                .isNotEqualTo(w.checksum());

        Map<String, float[]> lacking = new HashMap<>(arrays);
        lacking.remove("block_16_project_BN/moving_variance:0");
        assertThatThrownBy(() -> WeightsSource.ofKerasArrays("x", lacking).load(BASE.name(), BASE.layers()))
                .isInstanceOf(WeightsException.class).hasMessageContaining("block_16_project_BN/moving_variance:0")
                .hasMessageContaining("[320]");
        Map<String, float[]> short1 = new HashMap<>(arrays);
        short1.put("block_1_depthwise/depthwise_kernel:0", new float[10]);
        assertThatThrownBy(() -> WeightsSource.ofKerasArrays("x", short1).load(BASE.name(), BASE.layers()))
                .hasMessageContaining("block_1_depthwise/depthwise_kernel:0").hasMessageContaining("10 values")
                .hasMessageContaining("[3, 3, 96, 1]");
        Map<String, float[]> nan = new HashMap<>(arrays);
        float[] g = nan.get("bn_Conv1/gamma:0").clone();
        g[2] = Float.NaN;
        nan.put("bn_Conv1/gamma:0", g);
        assertThatThrownBy(() -> WeightsSource.ofKerasArrays("x", nan).load(BASE.name(), BASE.layers()))
                .hasMessageContaining("bn_Conv1").hasMessageContaining("gamma").hasMessageContaining("non-finite");
    }

    @Test
    void imagenet_weights_of_each_base_come_from_kerases_files() {
        assertThat(ImagenetWeights.of("resnet50").url().toString()).isEqualTo(
                "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
                        + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5");
        assertThat(ImagenetWeights.of("resnet50").md5()).isEqualTo("4d473c1dd8becc155b73f8504c6f6626");
        assertThat(ImagenetWeights.of("vgg19").md5()).isEqualTo("253f8cb515780f3b799900260a226db6");
        assertThat(ImagenetWeights.of("mobilenet_v2").cachedFile().getFileName().toString())
                .isEqualTo("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5");
        assertThatThrownBy(() -> ImagenetWeights.of("resnet18")).hasMessageContaining("resnet18")
                .hasMessageContaining("mobilenet_v2");
    }

    @Test
    void offline_message_names_the_bases_file_and_where_to_put_it() {
        ImagenetWeights w = ImagenetWeights.mobilenetV2().withCacheDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> w.resolve(false)).isInstanceOf(WeightsUnavailableException.class)
                .hasMessageContaining("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")
                .hasMessageContaining("no MD5 pinned by Keras")
                .hasMessageContaining(tmp.resolve("empty").toAbsolutePath().toString());
        ImagenetWeights r = ImagenetWeights.resnet50().withCacheDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> r.resolve(false)).hasMessageContaining("MD5 4d473c1dd8becc155b73f8504c6f6626");
    }

    @Test
    void summary_rows_of_batch_norm_count_their_statistics_as_non_trainable() {
        List<Summary.Row> rows = ResNet50.random(64, 64, 1).summary().rows();
        Summary.Row bn = rows.stream().filter(r -> r.name().equals("conv1_bn")).findFirst().orElseThrow();
        assertThat(bn.type()).isEqualTo("BatchNormalization");
        assertThat(bn.parameters()).isEqualTo(256);
        assertThat(bn.trainableParameters()).isEqualTo(128);
    }
}
