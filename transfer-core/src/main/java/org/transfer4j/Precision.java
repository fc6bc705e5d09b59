package org.transfer4j;

import java.util.Arrays;
import java.util.Locale;

import org.transfer4j.internal.engine.Dnnl;

/**
 * Number format of the frozen convolutional base's arithmetic on the CPU engine.
 *
 * <ul>
 *   <li>{@link #FP32}: 32-bit floats throughout (the default); features equal the Keras/PyTorch reference within
 *       1e-4 relative.</li>
 *   <li>{@link #BF16}: bfloat16 convolution inputs, weights and activations with fp32 accumulation, fp32 output at
 *       the cut, as PyTorch's CPU autocast does; about twice the speed on CPUs with AVX512-BF16 or AMX, features
 *       within 2e-2 relative of fp32. Asking for it on another CPU, or on the CUDA backend, is an error.</li>
 *   <li>{@link #AUTO}: {@code BF16} where the CPU has it, {@code FP32} elsewhere; {@link #resolve()} says which.</li>
 * </ul>
 * The resolved precision is part of a feature cache's key and of a trained model's provenance.
 */
public enum Precision {
    FP32, BF16, AUTO;

    /**
     * The precision that runs here: {@code FP32} or {@code BF16}.
     *
     * @throws IllegalStateException for {@code BF16} where the CPU or backend cannot run it (the message names the
     *                               CPU's instruction set)
     */
    public Precision resolve() {
        return switch (this) {
            case FP32 -> FP32;
            case BF16 -> {
                String why = Dnnl.bf16Unsupported();
                if (why != null) {
                    throw new IllegalStateException("Precision BF16 is not available here: " + why
                            + "; use FP32 or AUTO");
                }
                yield BF16;
            }
            case AUTO -> Dnnl.bf16Unsupported() == null ? BF16 : FP32;
        };
    }

    /** Lower-case name as the command line spells it: {@code fp32}, {@code bf16}, {@code auto}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code fp32}, {@code bf16} or {@code auto} (any case).
     *
     * @throws IllegalArgumentException for another value, naming it and the valid ones
     */
    public static Precision parse(String text) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown precision '" + text + "'; valid: "
                + Arrays.stream(values()).map(Precision::cliName).toList());
    }
}
