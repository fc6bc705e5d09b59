package org.transfer4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The cases of {@code testdata/reference/cases.json} (written by {@code transfer-core/src/test/python/reference/make_golden.py}): per base and
 * input size, the stored input and the reference outputs at named layers.
 */
public final class ReferenceCases {

    private ReferenceCases() {
    }

    /** How an output is stored. */
    public enum Kind {
        /** The whole NHWC tensor. */
        FULL,
        /** Its spatial mean, {@code [N, C]}. */
        MEAN_HW,
        /** Its top-left crop {@code [:, :crop[0], :crop[1], :crop[2]]}. */
        CROP
    }

    /** One stored output. {@code fullShape} is the whole tensor's {@code [N, H, W, C]}. */
    public record Output(String layer, Kind kind, Path file, int[] shape, int[] fullShape, int[] crop, double maxAbs) {
        @Override
        public String toString() {
            return layer + (kind == Kind.FULL ? "" : " (" + kind.name().toLowerCase() + ")");
        }
    }

    /** One base at one input size; {@code input} is absent for the 224 px summaries (regenerate it). */
    public record Case(String base, int height, int width, int batch, long seed, Path input, double inputMaxAbs,
            List<Output> outputs) {
        @Override
        public String toString() {
            return base + " " + height + "x" + width;
        }
    }

    /** The seed every case uses. */
    public static long seed() {
        return read().get("seed").asLong();
    }

    /** The Keras parameter counts the reference computed: {@code [total, trainable, non-trainable]}. */
    public static long[] parameters(String base) {
        JsonNode b = read().get("bases").get(base);
        if (b == null) {
            throw new IllegalArgumentException("No base '" + base + "' in cases.json");
        }
        return new long[] {b.get("parameters").asLong(), b.get("trainable").asLong(), b.get("non_trainable").asLong()};
    }

    /** Every case, in file order. */
    public static List<Case> all() {
        Path root = ReferenceWeights.root();
        JsonNode json = read();
        long seed = json.get("seed").asLong();
        int batch = json.get("batch").asInt();
        List<Case> out = new ArrayList<>();
        for (JsonNode c : json.get("cases")) {
            List<Output> outputs = new ArrayList<>();
            for (JsonNode o : c.get("outputs")) {
                Kind kind = Kind.valueOf(o.get("kind").asText().toUpperCase());
                int[] shape = ints(o.get("shape"));
                int[] full = o.has("full_shape") ? ints(o.get("full_shape")) : shape;
                int[] crop = o.has("crop") ? ints(o.get("crop")) : null;
                outputs.add(new Output(o.get("layer").asText(), kind, root.resolve(o.get("file").asText()), shape, full,
                        crop, o.get("max_abs").asDouble()));
            }
            JsonNode in = c.get("input");
            out.add(new Case(c.get("base").asText(), c.get("height").asInt(), c.get("width").asInt(), batch, seed,
                    in == null || in.isNull() ? null : root.resolve(in.asText()),
                    c.get("input_stats").get("max_abs").asDouble(), List.copyOf(outputs)));
        }
        return List.copyOf(out);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static JsonNode read() {
        Path file = ReferenceWeights.root().resolve("cases.json");
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
