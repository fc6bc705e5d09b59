package org.transfer4j.explain;

/** Which class score Grad-CAM differentiates. */
public enum ClassScore {
    /**
     * The class's pre-activation output (the default; Selvaraju et al.'s {@code y^c}): for a sigmoid head class 1's
     * logit {@code z} and class 0's {@code -z}; for a softmax head the class's logit. Its gradient does not vanish when
     * the model is sure, where a float32 probability of 1 has a zero gradient.
     */
    LOGIT,
    /**
     * The class's probability, the model's output, as the book's listing 5-42 ({@code model.output[:, 386]}). For a
     * sigmoid head this gives the same heatmap as {@link #LOGIT} (the gradient is scaled by {@code p(1-p)}), unless
     * that factor underflows.
     */
    PROBABILITY
}
