package org.transfer4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Loss weight per class for imbalanced training data, Keras's {@code class_weight} argument of {@code fit}: each
 * example's loss is multiplied by its class's weight. Either fixed ({@link #of(Map)}) or {@link #balanced()}, which
 * is resolved from the training data when training starts with scikit-learn's formula
 * {@code n_samples / (n_classes * count_c)} ({@code compute_class_weight('balanced')}, what the Keras tutorials on
 * imbalanced data use): every class then contributes the same total weight, and the mean weight is 1.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClassWeights {
    /** Below this many training images a class gets a warning: its metrics (and its weight) are noise. */
    public static final int FEW_IMAGES = 10;

    private static final ClassWeights NONE = new ClassWeights(Map.of(), false);
    private static final ClassWeights BALANCED = new ClassWeights(Map.of(), true);

    private final Map<Integer, Double> fixed;
    private final boolean balanced;

    private ClassWeights(Map<Integer, Double> fixed, boolean balanced) {
        this.fixed = fixed;
        this.balanced = balanced;
    }

    /** No weighting: every example weighs 1 (Keras's {@code class_weight=None}). */
    public static ClassWeights none() {
        return NONE;
    }

    /** {@code n_samples / (n_classes * count_c)}, computed from the training data's class counts at fit time. */
    public static ClassWeights balanced() {
        return BALANCED;
    }

    /**
     * Fixed weights by class index; classes not in the map weigh 1.
     *
     * @throws IllegalArgumentException for a negative, NaN or infinite weight or a negative class index
     */
    public static ClassWeights of(Map<Integer, Double> weights) {
        Objects.requireNonNull(weights, "weights");
        for (Map.Entry<Integer, Double> e : weights.entrySet()) {
            if (e.getKey() == null || e.getKey() < 0) {
                throw new IllegalArgumentException("class index must be >= 0; got " + e.getKey());
            }
            if (e.getValue() == null || !(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                throw new IllegalArgumentException("class weight of class " + e.getKey()
                        + " must be finite and >= 0; got " + e.getValue());
            }
        }
        return weights.isEmpty() ? NONE : new ClassWeights(Collections.unmodifiableMap(new TreeMap<>(weights)), false);
    }

    /**
     * Parses the CLI's {@code --class-weight}: {@code none}, {@code balanced}, or {@code 0=1.0,1=3.5}.
     *
     * @throws IllegalArgumentException naming the bad value and the accepted forms
     */
    public static ClassWeights parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return NONE;
        }
        if (t.equals("balanced")) {
            return BALANCED;
        }
        Map<Integer, Double> m = new LinkedHashMap<>();
        try {
            for (String part : t.split(",")) {
                String[] kv = part.split("=");
                if (kv.length != 2) {
                    throw new NumberFormatException(part);
                }
                m.put(Integer.parseInt(kv[0].trim()), Double.parseDouble(kv[1].trim()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Bad class weights '" + text
                    + "'; expected none, balanced, or INDEX=WEIGHT pairs like 0=1.0,1=3.5", e);
        }
        return of(m);
    }

    /** True for {@link #balanced()}. */
    public boolean isBalanced() {
        return balanced;
    }

    /** True when no example is reweighted. */
    public boolean isNone() {
        return !balanced && fixed.isEmpty();
    }

    /**
     * The weight per class index (in index order) for training data with these class counts.
     *
     * @param counts training examples per class index
     * @throws IllegalArgumentException for balanced weights when a class has no examples (scikit-learn refuses too)
     */
    public Map<Integer, Double> resolve(long[] counts) {
        return balanced ? balanced(counts) : fixed;
    }

    /**
     * scikit-learn's {@code compute_class_weight('balanced')}: {@code n_samples / (n_classes * count_c)}.
     *
     * @throws IllegalArgumentException if a class has no examples
     */
    public static Map<Integer, Double> balanced(long[] counts) {
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] <= 0) {
                throw new IllegalArgumentException("Balanced class weights need examples of every class; class "
                        + c + " has none");
            }
            n += counts[c];
        }
        Map<Integer, Double> w = new TreeMap<>();
        for (int c = 0; c < counts.length; c++) {
            w.put(c, (double) n / ((double) counts.length * counts[c]));
        }
        return Collections.unmodifiableMap(w);
    }

    /**
     * A warning naming the classes with fewer than {@link #FEW_IMAGES} training examples, or empty.
     *
     * @param counts training examples per class index
     * @param names  class names in index order
     */
    public static Optional<String> fewImagesWarning(long[] counts, List<String> names) {
        List<String> few = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < FEW_IMAGES) {
                few.add("'" + (c < names.size() ? names.get(c) : Integer.toString(c)) + "' (" + counts[c] + ")");
            }
        }
        if (few.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Few training images in class" + (few.size() > 1 ? "es " : " ") + String.join(", ", few)
                + ": fewer than " + FEW_IMAGES + " images make a class's metrics noise; add images (or augment), "
                + "and consider balanced class weights for an imbalanced folder");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassWeights w && balanced == w.balanced && fixed.equals(w.fixed);
    }

    @Override
    public int hashCode() {
        return fixed.hashCode() * 31 + Boolean.hashCode(balanced);
    }

    /** {@code balanced}, {@code none} or the fixed map, e.g. {@code {0=1.0, 1=3.5}}. */
    @Override
    public String toString() {
        return balanced ? "balanced" : fixed.isEmpty() ? "none" : new TreeMap<>(fixed).toString();
    }
}
