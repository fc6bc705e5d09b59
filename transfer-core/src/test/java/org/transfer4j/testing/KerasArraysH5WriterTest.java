package org.transfer4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.H5Object;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The test h5 writer lays out any base's weights as Keras's {@code save_weights} does, with the values intact. */
class KerasArraysH5WriterTest {

    @Test
    void every_weight_reads_back_at_its_keras_path_with_its_shape_and_values(@TempDir Path dir) throws Exception {
        List<ReferenceWeights.WeightSpec> specs = ReferenceWeights.listing("mobilenet_v2");
        Map<String, float[]> arrays = ReferenceWeights.weights("mobilenet_v2", 3);
        Path file = dir.resolve("mobilenet_v2.h5");
        KerasArraysH5Writer.write(file, specs, arrays);

        Hdf5Archive archive = new Hdf5Archive(file.toString());
        try {
            List<String> layers = specs.stream().map(ReferenceWeights.WeightSpec::layer).distinct().toList();
            assertThat(archive.getGroups()).containsExactlyInAnyOrderElementsOf(layers);
            for (ReferenceWeights.WeightSpec spec : specs) {
                INDArray a = archive.readDataSet(spec.variable(), spec.layer(), spec.layer());
                assertThat(a.shape()).as(spec.name()).containsExactly(spec.shape());
                assertThat(Arrays.equals(a.castTo(DataType.FLOAT).dup('c').data().asFloat(), arrays.get(spec.name())))
                        .as("%s values", spec.name()).isTrue();
            }
        } finally {
            archive.close();
        }

        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (H5File h5 = new H5File(file.toString(), hdf5.H5F_ACC_RDONLY())) {
                List<String> layers = specs.stream().map(ReferenceWeights.WeightSpec::layer).distinct().toList();
                assertThat(strings(h5, "layer_names")).containsExactlyElementsOf(layers);
                assertThat(strings(h5, "backend")).containsExactly("tensorflow");
                try (Group g = h5.openGroup("block_1_depthwise_BN")) {
                    assertThat(strings(g, "weight_names")).containsExactly("block_1_depthwise_BN/gamma:0",
                            "block_1_depthwise_BN/beta:0", "block_1_depthwise_BN/moving_mean:0",
                            "block_1_depthwise_BN/moving_variance:0");
                }
            }
        }
    }

    @Test
    void a_missing_or_misshapen_weight_is_named(@TempDir Path dir) {
        List<ReferenceWeights.WeightSpec> specs = ReferenceWeights.listing("vgg19");
        Map<String, float[]> arrays = new LinkedHashMap<>(ReferenceWeights.weights("vgg19", 1));
        arrays.remove("block3_conv2/bias:0");
        assertThatThrownBy(() -> KerasArraysH5Writer.write(dir.resolve("a.h5"), specs, arrays))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block3_conv2/bias:0");
        arrays.put("block3_conv2/bias:0", new float[3]);
        assertThatThrownBy(() -> KerasArraysH5Writer.write(dir.resolve("a.h5"), specs, arrays))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block3_conv2/bias:0")
                .hasMessageContaining("256");
    }

    /** A fixed-length string attribute (array or scalar) read with the HDF5 C++ API. */
    static List<String> strings(H5Object target, String name) {
        try (Attribute attr = target.openAttribute(name); StrType type = attr.getStrType();
                DataSpace space = attr.getSpace()) {
            int width = (int) type.getSize();
            int n = Math.max(1, (int) space.getSimpleExtentNpoints());
            byte[] raw = new byte[width * n];
            try (BytePointer buf = new BytePointer(raw.length)) {
                attr.read(type, (Pointer) buf); // not the std::string overload
                buf.get(raw);
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int len = 0;
                while (len < width && raw[i * width + len] != 0) {
                    len++;
                }
                out.add(new String(raw, i * width, len, StandardCharsets.UTF_8));
            }
            return out;
        }
    }
}
