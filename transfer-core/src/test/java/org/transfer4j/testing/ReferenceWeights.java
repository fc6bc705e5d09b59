package org.transfer4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deterministic weights and inputs shared with the Python reference ({@code transfer-core/src/test/python/reference/kerasref.py}; the
 * contract is in {@code transfer-core/src/test/python/reference/README.md}, "Deterministic weights"): for a Keras weight name and a seed, the
 * same float32 values bit for bit, so that the golden features in {@code testdata/reference} can be recomputed by
 * the engine without shipping weights.
 *
 * <p>Names and shapes come from the reference's listing {@code testdata/reference/<base>/weights.csv}, not from the
 * Java model code under test. Stateless and thread-safe.
 */
public final class ReferenceWeights {

    /** The system property that names another reference folder of the same format. */
    public static final String PROPERTY = "transfer4j.reference";
    /** The in-repository golden data, relative to the project root. */
    public static final Path IN_REPO = Path.of("testdata", "reference");
    /** The bases the reference knows, by transfer4j's (and Keras's module) name. */
    public static final List<String> BASES = List.of("vgg19", "resnet50", "mobilenet_v2");

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private ReferenceWeights() {
    }

    /** One Keras weight of a base, as the reference lists it. */
    public record WeightSpec(String name, long[] shape, boolean trainable, double first, double sumAbs) {
        /** The layer the weight belongs to: {@code conv1_bn} for {@code conv1_bn/gamma:0}. */
        public String layer() {
            return name.substring(0, name.lastIndexOf('/'));
        }

        /** The variable: {@code gamma:0} for {@code conv1_bn/gamma:0}. */
        public String variable() {
            return name.substring(name.lastIndexOf('/') + 1);
        }

        /** Number of elements. */
        public long size() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    /** The folder of the golden data; fails with a clear message when it does not exist. */
    public static Path root() {
        return Fixtures.locate(PROPERTY, IN_REPO, "Reference data", "/path/to/reference");
    }

    /** Every Keras weight of {@code base} in Keras's order, from {@code <root>/<base>/weights.csv}. */
    public static List<WeightSpec> listing(String base) {
        if (!BASES.contains(base)) {
            throw new IllegalArgumentException("Unknown base '" + base + "'; the reference has " + BASES);
        }
        Path file = root().resolve(base).resolve("weights.csv");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        if (lines.isEmpty() || !lines.get(0).equals("name,shape,trainable,first,sum_abs")) {
            throw new IllegalStateException(file + ": unexpected header " + (lines.isEmpty() ? "(empty)" : lines.get(0)));
        }
        List<WeightSpec> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 5) {
                throw new IllegalStateException(file + ": bad line '" + line + "'");
            }
            long[] shape = Arrays.stream(f[1].split("x")).mapToLong(Long::parseLong).toArray();
            out.add(new WeightSpec(f[0], shape, Boolean.parseBoolean(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4])));
        }
        return List.copyOf(out);
    }

    /** FNV-1a, 64 bit, over the UTF-8 bytes of {@code text}. */
    public static long fnv1a64(String text) {
        long h = FNV_OFFSET;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** SplitMix64's finaliser. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The {@code i}-th (0-based) value u in [0, 1) of the stream of {@code name} and {@code seed}. */
    public static double uniform(String name, long seed, long i) {
        return uniform(fnv1a64(name) ^ seed, i);
    }

    private static double uniform(long key, long i) {
        return (mix(key + (i + 1) * GOLDEN) >>> 40) * 0x1.0p-24;
    }

    /**
     * The generated values of Keras weight {@code name} with {@code shape} (flat, row-major in Keras's layout).
     *
     * @throws IllegalArgumentException for a weight variable the contract has no rule for
     */
    public static float[] generate(String name, long[] shape, long seed) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] out = new float[Math.toIntExact(n)];
        long key = fnv1a64(name) ^ seed;
        String variable = name.substring(name.lastIndexOf('/') + 1);
        switch (variable) {
            case "kernel:0", "depthwise_kernel:0" -> {
                long fanIn = variable.equals("kernel:0") ? shape[0] * shape[1] * shape[2] : shape[0] * shape[1];
                double limit = Math.sqrt(3.0 / fanIn);
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) ((2.0 * uniform(key, i) - 1.0) * limit);
                }
            }
            case "bias:0", "beta:0", "moving_mean:0" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) ((2.0 * uniform(key, i) - 1.0) * 0.1);
                }
            }
            case "gamma:0", "moving_variance:0" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (0.5 + uniform(key, i));
                }
            }
            default -> throw new IllegalArgumentException("No generator rule for weight '" + name + "'");
        }
        return out;
    }

    /** Every weight of {@code base} for {@code seed}, keyed by full Keras weight name, in Keras's order. */
    public static Map<String, float[]> weights(String base, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (WeightSpec spec : listing(base)) {
            out.put(spec.name(), generate(spec.name(), spec.shape(), seed));
        }
        return out;
    }

    /**
     * The input scale: 128 for VGG19 and ResNet50 (like caffe-preprocessed pixels), 3 for MobileNetV2 (wider than
     * {@code tf} mode's [-1, 1], so that ReLU6's cap is reached).
     */
    public static double inputScale(String base) {
        return switch (base) {
            case "vgg19", "resnet50" -> 128.0;
            case "mobilenet_v2" -> 3.0;
            default -> throw new IllegalArgumentException("Unknown base '" + base + "'; the reference has " + BASES);
        };
    }

    /** The generated NHWC input batch {@code [n, h, w, 3]}, flat: {@code (2u - 1) * scale} of the name "input". */
    public static float[] input(String base, int n, int h, int w, long seed) {
        double scale = inputScale(base);
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(n, h), w * 3)];
        long key = fnv1a64("input") ^ seed;
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) ((2.0 * uniform(key, i) - 1.0) * scale);
        }
        return out;
    }
}
