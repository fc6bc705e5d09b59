package org.transfer4j.testing;

import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.transfer4j.model.LayerWeights;

/** Writes Keras-layout weight h5 files for tests, with the HDF5 C++ API that DL4J's importer reads with. */
public final class KerasH5Writer {
    /** How the data sets of a layer are named. */
    public enum Naming {
        /** Keras 1 / the applications' notop files: {@code block1_conv1/block1_conv1_W_1:0}, {@code ..._b_1:0}. */
        KERAS1,
        /** Keras 2's {@code save_weights}: {@code <layer>/<layer>/<weight>:0} for every array of the layer. */
        KERAS2
    }

    private KerasH5Writer() {
    }

    /** Writes {@code layers} (name → weights) to {@code file}. */
    public static void write(Path file, Map<String, LayerWeights> layers, Naming naming) {
        synchronized (Hdf5Archive.LOCK_OBJECT) {
            try (H5File h5 = new H5File(file.toString(), hdf5.H5F_ACC_TRUNC())) {
                for (Map.Entry<String, LayerWeights> e : layers.entrySet()) {
                    String name = e.getKey();
                    LayerWeights w = e.getValue();
                    try (Group g = h5.createGroup(name)) {
                        if (naming == Naming.KERAS1) {
                            dataset(g, name + "_W_1:0", w.kernel(), w.kernelShape());
                            dataset(g, name + "_b_1:0", w.bias(), new long[] {w.bias().length});
                        } else {
                            try (Group inner = g.createGroup(name)) {
                                for (String array : w.names()) { // kernel:0, gamma:0, depthwise_kernel:0, ...
                                    dataset(inner, array + ":0", w.values(array), w.shape(array));
                                }
                            }
                        }
                    }
                }
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
