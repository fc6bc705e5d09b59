package org.transfer4j.explain;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What to explain: the conv layer (default: the base's last conv layer, {@code block5_conv3} for VGG16), the classes
 * (default: the predicted one) and the score ({@link ClassScore#LOGIT} by default).
 *
 * <pre>{@code
 * model.explain(image, GradCam.layer("block4_conv3").classes("cats", "dogs").score(ClassScore.PROBABILITY))
 * }</pre>
 *
 * <p>Immutable and thread-safe; every step returns a new value. Names are checked when the model explains: an unknown
 * layer or class fails there, listing the valid ones.
 *
 * @param layerName  the conv layer, or empty for the last one
 * @param classNames the classes to explain, or empty for the predicted class; {@link #ALL_CLASSES} alone for all
 * @param score      which score is differentiated
 */
public record GradCam(Optional<String> layerName, List<String> classNames, ClassScore score) {
    /** The class list that stands for every class of the model. */
    public static final List<String> ALL_CLASSES = List.of("*");

    public GradCam {
        Objects.requireNonNull(layerName, "layerName");
        classNames = List.copyOf(classNames);
        Objects.requireNonNull(score, "score");
    }

    /** The last conv layer, the predicted class, the logit. */
    public static GradCam defaults() {
        return new GradCam(Optional.empty(), List.of(), ClassScore.LOGIT);
    }

    /** The defaults at the conv layer {@code name} (Keras's layer name, e.g. {@code block5_conv3}). */
    public static GradCam layer(String name) {
        return defaults().atLayer(name);
    }

    /** The same at the conv layer {@code name}. */
    public GradCam atLayer(String name) {
        return new GradCam(Optional.of(Objects.requireNonNull(name, "name")), classNames, score);
    }

    /**
     * The same for these classes, one heatmap each, in this order.
     *
     * @throws IllegalArgumentException if none is given
     */
    public GradCam classes(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("Name at least one class (or use allClasses())");
        }
        return new GradCam(layerName, List.of(names), score);
    }

    /** The same with one heatmap for every class of the model, in index order. */
    public GradCam allClasses() {
        return new GradCam(layerName, ALL_CLASSES, score);
    }

    /** The same with another score. */
    public GradCam score(ClassScore s) {
        return new GradCam(layerName, classNames, s);
    }

    @Override
    public String toString() {
        return "GradCam[layer=" + layerName.orElse("last conv") + ", classes="
                + (classNames.isEmpty() ? "predicted" : classNames.equals(ALL_CLASSES) ? "all" : classNames)
                + ", score=" + score.name().toLowerCase(Locale.ROOT) + "]";
    }
}
