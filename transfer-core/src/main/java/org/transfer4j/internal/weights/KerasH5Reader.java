package org.transfer4j.internal.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerWeights;
import org.transfer4j.model.Weights;
import org.transfer4j.model.WeightsException;

/**
 * Reads a Keras weights h5 file ({@code model.save_weights} / the applications' notop files): one group per layer,
 * holding its arrays by Keras weight name at any depth ({@code conv1_bn/conv1_bn/moving_variance:0},
 * {@code block1_conv1/block1_conv1/kernel:0}); a convolution's 4-D kernel and 1-D bias are also found under Keras 1's
 * names ({@code block1_conv1/block1_conv1_W_1:0}, {@code ..._b_1:0}).
 *
 * <p>Only groups, data sets and their contents are read, never attributes: DL4J's
 * {@code Hdf5Archive.readAttributeAsJson} crashed the JVM on Keras's string-array attribute {@code layer_names}.
 * The HDF5 signature is checked before the native library sees the file.
 */
public final class KerasH5Reader {
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private KerasH5Reader() {
    }

    /**
     * Reads the weights of every layer of {@code layers} that has weights.
     *
     * @throws WeightsException if the file is missing, not HDF5, truncated, lacks a layer, or has a wrong shape
     */
    public static Weights read(Path file, List<Layer> layers) throws WeightsException {
        checkSignature(file);
        String checksum;
        try {
            checksum = "md5:" + Checksum.of(file, Checksum.Algorithm.MD5).hex();
        } catch (IOException e) {
            throw new WeightsException("Cannot read weights file " + file + ": " + e.getMessage(), e);
        }
        Map<String, LayerWeights> byLayer = new LinkedHashMap<>();
        Hdf5Archive archive;
        try {
            archive = new Hdf5Archive(file.toString());
        } catch (RuntimeException e) {
            throw new WeightsException("Weights file " + file + " is not a readable HDF5 file (corrupt or truncated?): "
                    + e.getMessage(), e);
        }
        try {
            List<String> groups = archive.getGroups();
            for (Layer layer : layers) {
                if (!layer.hasWeights()) {
                    continue;
                }
                if (!groups.contains(layer.name())) {
                    throw new WeightsException("Weights file " + file + " has no group for layer '" + layer.name()
                            + "'; its top-level groups are " + groups);
                }
                byLayer.put(layer.name(), readLayer(archive, file, layer));
            }
        } catch (RuntimeException e) {
            throw new WeightsException("Weights file " + file + " could not be read (corrupt or truncated?): "
                    + e.getMessage(), e);
        } finally {
            archive.close();
        }
        return Weights.of(layers, byLayer, checksum, file.toString());
    }

    /**
     * Reads one layer's arrays: each of the layer's weights from the data set named {@code <weight>:0} (Keras 2's
     * {@code save_weights} layout {@code /<layer>/<layer>/<weight>:0}, at any depth). A convolution with kernel and bias
     * whose data sets carry other names (Keras 1's {@code <layer>_W_1:0} / {@code _b_1:0}) is read by rank instead.
     */
    private static LayerWeights readLayer(Hdf5Archive archive, Path file, Layer layer) throws WeightsException {
        String name = layer.name();
        List<String[]> datasets = new ArrayList<>();
        collect(archive, new String[] {name}, datasets);
        Map<String, String[]> byWeight = new LinkedHashMap<>();
        for (String[] pathAndName : datasets) {
            String dataset = pathAndName[pathAndName.length - 1];
            String shortName = dataset.endsWith(":0") ? dataset.substring(0, dataset.length() - 2) : dataset;
            if (byWeight.put(shortName, pathAndName) != null) {
                throw new WeightsException("Weights file " + file + ": layer '" + name + "' has two data sets named "
                        + dataset);
            }
        }
        List<String> expected = layer.weights().stream().map(Layer.Weight::name).toList();
        boolean byName = byWeight.keySet().containsAll(expected);
        if (!byName && !expected.equals(List.of("kernel", "bias"))) {
            throw new WeightsException("Weights file " + file + ": layer '" + name + "' lacks weight(s) "
                    + expected.stream().filter(w -> !byWeight.containsKey(w)).map(w -> name + "/" + w + ":0").toList()
                    + "; data sets found: " + datasets.stream().map(p -> String.join("/", p)).toList());
        }
        LayerWeights.Builder out = LayerWeights.builder();
        if (byName) {
            for (Layer.Weight w : layer.weights()) {
                INDArray array = read(archive, file, byWeight.get(w.name()));
                long[] shape = array.shape();
                if (w.shape().length == 1 && array.rank() == 2 && array.size(0) == 1) {
                    shape = new long[] {array.size(1)};
                }
                out.put(w.name(), shape, array.castTo(DataType.FLOAT).dup('c').data().asFloat());
            }
            return out.build();
        }
        INDArray kernel = null;
        INDArray bias = null;
        for (String[] pathAndName : datasets) {
            INDArray array = read(archive, file, pathAndName);
            if (array.rank() == 4) {
                if (kernel != null) {
                    throw new WeightsException("Weights file " + file + ": layer '" + name + "' has two 4-D kernels");
                }
                kernel = array;
            } else if (array.rank() == 1 || (array.rank() == 2 && array.size(0) == 1)) {
                if (bias != null) {
                    throw new WeightsException("Weights file " + file + ": layer '" + name + "' has two 1-D biases");
                }
                bias = array;
            } else {
                throw new WeightsException("Weights file " + file + ": unexpected data set " + String.join("/", pathAndName)
                        + " of shape " + Arrays.toString(array.shape()));
            }
        }
        if (kernel == null || bias == null) {
            throw new WeightsException("Weights file " + file + ": layer '" + name + "' lacks a "
                    + (kernel == null ? "4-D kernel" : "1-D bias") + "; data sets found: "
                    + datasets.stream().map(p -> String.join("/", p)).toList());
        }
        float[] k = kernel.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] b = bias.castTo(DataType.FLOAT).dup('c').data().asFloat();
        try {
            return new LayerWeights(k, kernel.shape(), b);
        } catch (IllegalArgumentException e) {
            throw new WeightsException("Weights file " + file + ": layer '" + name + "': " + e.getMessage(), e);
        }
    }

    private static INDArray read(Hdf5Archive archive, Path file, String[] pathAndName) throws WeightsException {
        String[] groups = Arrays.copyOf(pathAndName, pathAndName.length - 1);
        String dataset = pathAndName[pathAndName.length - 1];
        try {
            return archive.readDataSet(dataset, groups);
        } catch (Exception e) {
            throw new WeightsException("Weights file " + file + ": cannot read " + String.join("/", pathAndName)
                    + ": " + e.getMessage(), e);
        }
    }

    private static void collect(Hdf5Archive archive, String[] path, List<String[]> out) {
        for (String dataset : archive.getDataSets(path)) {
            String[] full = Arrays.copyOf(path, path.length + 1);
            full[path.length] = dataset;
            out.add(full);
        }
        for (String group : archive.getGroups(path)) {
            String[] sub = Arrays.copyOf(path, path.length + 1);
            sub[path.length] = group;
            collect(archive, sub, out);
        }
    }

    private static void checkSignature(Path file) throws WeightsException {
        if (!Files.isRegularFile(file)) {
            throw new WeightsException("Weights file " + file + " does not exist or is not a regular file");
        }
        byte[] head = new byte[HDF5_SIGNATURE.length];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length || !Arrays.equals(head, HDF5_SIGNATURE)) {
                throw new WeightsException("Weights file " + file + " is not an HDF5 file (no HDF5 signature at offset 0)");
            }
        } catch (IOException e) {
            throw new WeightsException("Cannot read weights file " + file + ": " + e.getMessage(), e);
        }
    }
}
