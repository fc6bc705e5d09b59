package org.transfer4j.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.H5Object;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;

/**
 * Writes any base's weights (full Keras weight name → flat row-major values) as Keras's {@code save_weights} lays
 * them out in h5: root attribute {@code layer_names}, one group per layer with attribute {@code weight_names}, data
 * sets at {@code /<layer>/<layer>/<var>:0} in Keras's shapes. Only layers with weights get a group, which Keras's own
 * loader accepts (it skips weightless layers by name). Strings are fixed-length ASCII, as h5py stores NumPy's
 * {@code S} arrays.
 */
public final class KerasArraysH5Writer {

    private KerasArraysH5Writer() {
    }

    /**
     * Writes {@code arrays} with the names and shapes of {@code specs} (in their order) to {@code file}.
     *
     * @throws IllegalArgumentException naming a weight that is missing or has the wrong number of values
     */
    public static void write(Path file, List<ReferenceWeights.WeightSpec> specs, Map<String, float[]> arrays) {
        Map<String, List<ReferenceWeights.WeightSpec>> byLayer = new LinkedHashMap<>();
        for (ReferenceWeights.WeightSpec spec : specs) {
            float[] values = arrays.get(spec.name());
            if (values == null) {
                throw new IllegalArgumentException("No values for weight '" + spec.name() + "'");
            }
            if (values.length != spec.size()) {
                throw new IllegalArgumentException("Weight '" + spec.name() + "' has " + values.length
                        + " values, its shape " + spec + " needs " + spec.size());
            }
            byLayer.computeIfAbsent(spec.layer(), k -> new ArrayList<>()).add(spec);
        }
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (H5File h5 = new H5File(file.toString(), hdf5.H5F_ACC_TRUNC())) {
                strings(h5, "layer_names", List.copyOf(byLayer.keySet()));
                strings(h5, "backend", List.of("tensorflow"));
                strings(h5, "keras_version", List.of("2.11.0"));
                for (Map.Entry<String, List<ReferenceWeights.WeightSpec>> e : byLayer.entrySet()) {
                    try (Group g = h5.createGroup(e.getKey()); Group inner = g.createGroup(e.getKey())) {
                        strings(g, "weight_names", e.getValue().stream().map(ReferenceWeights.WeightSpec::name).toList());
                        for (ReferenceWeights.WeightSpec spec : e.getValue()) {
                            dataset(inner, spec.variable(), arrays.get(spec.name()), spec.shape());
                        }
                    }
                }
            }
        }
    }

    private static void strings(H5Object target, String name, List<String> values) {
        int width = Math.max(1, values.stream().mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length).max()
                .orElse(1));
        byte[] packed = new byte[width * values.size()];
        for (int i = 0; i < values.size(); i++) {
            byte[] b = values.get(i).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, packed, i * width, b.length);
        }
        boolean scalar = name.equals("backend") || name.equals("keras_version");
        try (StrType type = new StrType(PredType.C_S1(), width)) {
            type.setStrpad(hdf5.H5T_STR_NULLPAD);
            try (DataSpace space = scalar ? new DataSpace(hdf5.H5S_SCALAR)
                    : new DataSpace(1, new long[] {values.size()});
                    Attribute attr = target.createAttribute(name, type, space);
                    BytePointer data = new BytePointer(packed)) {
                attr.write(type, (Pointer) data); // the BytePointer overload is std::string's
            }
        }
    }

    private static void dataset(Group g, String name, float[] values, long[] shape) {
        try (DataSpace space = new DataSpace(shape.length, shape);
                DataSet ds = g.createDataSet(name, PredType.NATIVE_FLOAT(), space);
                FloatPointer data = new FloatPointer(values)) {
            ds.write(data, PredType.NATIVE_FLOAT());
        }
    }
}
