package org.transfer4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Summary;

/**
 * Transfer learning with a pretrained convolutional base, as section 5.3 of Chollet's <i>Deep Learning with
 * Python</i> does it: {@code TransferPipeline.from(Vgg16.imagenet(150, 150)).freezeUntil("block5_conv1")
 * .head(dense(256).dropout(0.5).sigmoid())}.
 *
 * <p>The freeze point is the cut: layers before it are frozen and run for inference only; the layer named in
 * {@link #freezeUntil(String)} and every layer after it train together with the head. Without
 * {@code freezeUntil} the whole base is frozen (the book's {@code conv_base.trainable = False}).
 *
 * <p>Immutable and thread-safe: each step returns a new pipeline.
 */
public final class TransferPipeline {
    private final ConvBase base;
    private final int firstTrainable;
    private final Head head;

    private TransferPipeline(ConvBase base, int firstTrainable, Head head) {
        this.base = Objects.requireNonNull(base, "base");
        this.firstTrainable = firstTrainable;
        this.head = head;
    }

    /** A pipeline on {@code base}, frozen entirely, without a head yet. */
    public static TransferPipeline from(ConvBase base) {
        return new TransferPipeline(base, base.layers().size(), null);
    }

    /**
     * Freezes every layer before {@code layer}; {@code layer} itself and all after it train (the book's fine-tuning
     * unfreezes from {@code block5_conv1}). {@code freezeUntil(first layer)} trains the whole base.
     *
     * @throws IllegalArgumentException for an unknown layer, listing the valid names
     */
    public TransferPipeline freezeUntil(String layer) {
        return new TransferPipeline(base, base.indexOf(layer), head);
    }

    /** Freezes the whole base (the default). */
    public TransferPipeline freezeAll() {
        return new TransferPipeline(base, base.layers().size(), head);
    }

    /** Puts {@code head} on the base (Flatten is implied). */
    public TransferPipeline head(Head head) {
        return new TransferPipeline(base, firstTrainable, Objects.requireNonNull(head, "head"));
    }

    public ConvBase base() {
        return base;
    }

    /** The head, if set. */
    public Optional<Head> head() {
        return Optional.ofNullable(head);
    }

    /** The first layer that trains, or empty when the whole base is frozen. */
    public Optional<Layer> firstTrainableLayer() {
        return firstTrainable < base.layers().size() ? Optional.of(base.layers().get(firstTrainable)) : Optional.empty();
    }

    /** Index in {@code base().layers()} of the first layer that trains ({@code layers().size()} if none). */
    public int firstTrainableIndex() {
        return firstTrainable;
    }

    /**
     * The layer the frozen prefix ends with: the cut, where features are taken and cached. The last base layer when
     * the whole base is frozen.
     *
     * @throws IllegalStateException when the whole base trains (there is no frozen prefix)
     */
    public Layer cutLayer() {
        if (firstTrainable == 0) {
            throw new IllegalStateException("freezeUntil(" + base.layers().get(0).name()
                    + ") trains the whole base; there is no frozen prefix to cut after");
        }
        return base.layers().get(firstTrainable - 1);
    }

    /**
     * Keras's {@code model.summary()} of base + head: the base as one nested row (as Keras prints a model used as a
     * layer), then Flatten and the head's layers named as Keras 2 did in the book ({@code flatten_1},
     * {@code dense_1}, {@code dropout_1}, ...). Trainable counts follow the freeze point. For the book's model
     * (VGG16 at 150×150, Dense(256), Dense(1)): 16,812,353 parameters.
     */
    public Summary summary() {
        List<Summary.Row> rows = new ArrayList<>();
        long baseParams = base.parameterCount();
        rows.add(new Summary.Row(base.name(), "Functional", base.lastLayer().kerasOutputShape(), baseParams,
                base.parameterCountFrom(Math.min(firstTrainable, base.layers().size()))));
        if (head != null) {
            int[] out = base.outputShape();
            long flat = (long) out[0] * out[1] * out[2];
            rows.add(Summary.Row.of("flatten_1", "Flatten", "(None, " + flat + ")", 0, true));
            long in = flat;
            int dense = 0;
            int dropout = 0;
            for (HeadLayer l : head.layers()) {
                if (l instanceof HeadLayer.Dense d) {
                    long params = in * d.units() + d.units();
                    rows.add(Summary.Row.of("dense_" + (++dense), "Dense", "(None, " + d.units() + ")", params, true));
                    in = d.units();
                } else if (l instanceof HeadLayer.Dropout) {
                    rows.add(Summary.Row.of("dropout_" + (++dropout), "Dropout", "(None, " + in + ")", 0, true));
                }
            }
        }
        return new Summary("sequential_1", rows);
    }

    @Override
    public String toString() {
        return "TransferPipeline[" + base.name() + ", " + firstTrainableLayer().map(l -> "freezeUntil(" + l.name() + ")")
                .orElse("frozen") + ", head " + (head == null ? "none" : head) + "]";
    }
}
