package org.transfer4j.internal.graph;

import java.util.Objects;
import java.util.function.Function;

import org.transfer4j.model.ConvBase;

/**
 * A base's layer graph for the library's own packages outside {@code org.transfer4j.model} (training, explaining),
 * without putting the internal {@link Graph} type into {@link ConvBase}'s public API. {@code ConvBase} registers the
 * accessor when its class initialises, which happens before any base exists.
 */
public final class BaseGraphs {
    private static volatile Function<ConvBase, Graph> access;

    private BaseGraphs() {
    }

    /** Called once, by {@code ConvBase}. @throws IllegalStateException on a second call */
    public static synchronized void register(Function<ConvBase, Graph> accessor) {
        if (access != null) {
            throw new IllegalStateException("The graph accessor is registered already");
        }
        access = Objects.requireNonNull(accessor, "accessor");
    }

    /** The graph {@code base} runs (with its pooling layer, if any). */
    public static Graph of(ConvBase base) {
        return access.apply(Objects.requireNonNull(base, "base"));
    }
}
