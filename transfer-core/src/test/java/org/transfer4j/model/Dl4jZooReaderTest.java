package org.transfer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.interop.Nd4jArrays;

/**
 * DL4J zoo zips ({@link ComputationGraph}s written by {@link ModelSerializer}) as a weights file: the conv kernels
 * are DL4J's {@code [out, in, kh, kw]} and must come out as Keras's {@code [kh, kw, in, out]}.
 */
class Dl4jZooReaderTest {
    static final int SIZE = 32;
    static final int[] BLOCK_LAYERS = {2, 2, 3, 3, 3};
    static final int[] BLOCK_FILTERS = {64, 128, 256, 512, 512};

    @TempDir
    static Path dir;
    static Path zip;
    /** DL4J's W (shape [out, in, kh, kw]) and b of every conv layer, copied before saving. */
    static final Map<String, INDArray> KERNELS = new LinkedHashMap<>();
    static final Map<String, INDArray> BIASES = new LinkedHashMap<>();
    /** DL4J's activations of {@link #image}, transposed to NHWC. */
    static final Map<String, INDArray> DL4J_NHWC = new LinkedHashMap<>();
    static INDArray image;

    @BeforeAll
    static void writeVgg16LikeGraph() throws IOException {
        ComputationGraph graph = vgg16LikeGraph(5, 5);
        SplittableRandom r = new SplittableRandom(91);
        for (org.deeplearning4j.nn.api.Layer l : graph.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (!name.contains("_conv")) {
                continue;
            }
            // Distinct non-zero biases (DL4J initialises them to zero).
            INDArray b = l.getParam("b");
            float[] values = new float[(int) b.length()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (r.nextDouble() - 0.5);
            }
            l.setParam("b", Nd4j.create(values, b.shape(), 'c'));
            KERNELS.put(name, l.getParam("W").dup('c'));
            BIASES.put(name, l.getParam("b").dup('c'));
        }
        zip = dir.resolve("vgg16_dl4j_test.zip");
        ModelSerializer.writeModel(graph, zip.toFile(), false);
        // DL4J's own forward pass (NCHW, its ConvolutionLayer) on a fixed image, to compare ours with.
        float[] px = new float[SIZE * SIZE * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 2 - 1);
        }
        image = Nd4j.create(px, new long[] {1, SIZE, SIZE, 3}, 'c');
        Map<String, INDArray> activations = graph.feedForward(image.permute(0, 3, 1, 2).dup('c'), false);
        for (String pool : new String[] {"block1_pool", "block2_pool"}) {
            DL4J_NHWC.put(pool, activations.get(pool).permute(0, 2, 3, 1).dup('c'));
        }
        graph.close();
    }

    /** VGG16's conv base with Keras's layer names as a DL4J graph, up to block {@code blocks}. */
    static ComputationGraph vgg16LikeGraph(int blocks, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 3));
        String previous = "input";
        int channels = 3;
        for (int b = 1; b <= blocks; b++) {
            for (int i = 1; i <= BLOCK_LAYERS[b - 1]; i++) {
                String name = "block" + b + "_conv" + i;
                g.addLayer(name, new ConvolutionLayer.Builder(3, 3).nIn(channels).nOut(BLOCK_FILTERS[b - 1])
                        .stride(1, 1).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(),
                        previous);
                previous = name;
                channels = BLOCK_FILTERS[b - 1];
            }
            String pool = "block" + b + "_pool";
            g.addLayer(pool, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                    .stride(2, 2).build(), previous);
            previous = pool;
        }
        g.setOutputs(previous);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    @Test
    void dl4j_kernels_are_permuted_to_keras_layout_and_biases_kept() throws Exception {
        Weights weights = Vgg16.imagenet(SIZE, SIZE, zip).loadWeights();

        assertThat(weights.checksum()).startsWith("md5:");
        assertThat(weights.description()).contains(zip.toString());
        assertThat(weights.layers().keySet()).containsExactlyElementsOf(KERNELS.keySet());
        assertThat(weights.parameters()).isEqualTo(14_714_688L);
        for (String name : KERNELS.keySet()) {
            INDArray w = KERNELS.get(name);
            long[] s = w.shape(); // [out, in, kh, kw]
            assertThat(s).as("%s: DL4J's kernel layout", name).hasSize(4).endsWith(3, 3);
            int out = (int) s[0];
            int in = (int) s[1];
            float[] dl4j = w.castTo(DataType.FLOAT).data().asFloat();
            LayerWeights lw = weights.layer(name);
            assertThat(lw.kernelShape()).as(name).containsExactly(3, 3, in, out);
            float[] keras = lw.kernel();
            int mismatches = 0;
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    for (int y = 0; y < 3; y++) {
                        for (int x = 0; x < 3; x++) {
                            float expected = dl4j[((o * in + i) * 3 + y) * 3 + x];
                            if (keras[((y * 3 + x) * in + i) * out + o] != expected) {
                                mismatches++;
                            }
                        }
                    }
                }
            }
            assertThat(mismatches).as("%s kernel entries differing from DL4J's W[o][i][y][x]", name).isZero();
            assertThat(lw.bias()).as("%s bias", name).containsExactly(BIASES.get(name).castTo(DataType.FLOAT)
                    .data().asFloat());
        }
    }

    @Test
    void loaded_weights_give_dl4js_own_activations() throws Exception {
        ConvBase base = Vgg16.imagenet(SIZE, SIZE, zip);
        Weights weights = base.loadWeights();
        for (Map.Entry<String, INDArray> e : DL4J_NHWC.entrySet()) {
            try (FeatureExtractor extractor = base.extractor(weights, e.getKey())) {
                float[] ours = Nd4jArrays.forward(extractor, image).dup('c').data().asFloat();
                float[] dl4j = e.getValue().castTo(DataType.FLOAT).data().asFloat();
                assertThat(ours).as(e.getKey()).hasSameSizeAs(dl4j);
                double scale = 0;
                for (float v : dl4j) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(scale).as("%s activations are not all zero", e.getKey()).isPositive();
                for (int i = 0; i < ours.length; i++) {
                    assertThat((double) Math.abs(ours[i] - dl4j[i])).as("%s[%d]: ours %s, DL4J %s", e.getKey(), i,
                            ours[i], dl4j[i]).isLessThanOrEqualTo(1e-4 * scale);
                }
            }
        }
    }

    @Test
    void a_truncated_zip_is_rejected_naming_the_file() throws IOException {
        byte[] bytes = Files.readAllBytes(zip);
        Path cut = dir.resolve("truncated.zip");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, cut).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining(cut.toString());
    }

    @Test
    void a_zip_without_a_dl4j_model_is_rejected_naming_the_file() throws IOException {
        Path other = dir.resolve("not-a-model.zip");
        try (OutputStream os = Files.newOutputStream(other); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("hello".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }

        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, other).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining(other.toString());
    }

    @Test
    void a_dl4j_model_missing_a_vgg16_layer_is_rejected_naming_the_layer() throws IOException {
        Path small = dir.resolve("block1-only.zip");
        ComputationGraph graph = vgg16LikeGraph(1, 3);
        ModelSerializer.writeModel(graph, small.toFile(), false);
        graph.close();

        assertThatThrownBy(() -> Vgg16.imagenet(SIZE, SIZE, small).loadWeights())
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining(small.toString())
                .hasMessageContaining("block2_conv1")
                .hasMessageContaining("block1_conv2");
    }
}
