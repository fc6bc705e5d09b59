package org.transfer4j;

import java.util.Objects;

/** One layer of a classifier head. Flatten is implied before the first one. */
public sealed interface HeadLayer {

    /**
     * A fully connected layer, Keras's {@code Dense(units, activation)}.
     *
     * @param units       output units, ≥ 1
     * @param activation  its activation
     */
    record Dense(int units, Activation activation) implements HeadLayer {
        public Dense {
            if (units < 1) {
                throw new IllegalArgumentException("Dense units must be >= 1; got " + units);
            }
            Objects.requireNonNull(activation, "activation");
        }
    }

    /**
     * Keras's {@code Dropout(rate)}: during training, zeroes each input with probability {@code rate} and scales the
     * rest by {@code 1 / (1 - rate)}; a no-op at inference.
     *
     * @param rate in [0, 1)
     */
    record Dropout(double rate) implements HeadLayer {
        public Dropout {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("Dropout rate must be in [0, 1); got " + rate);
            }
        }
    }
}
