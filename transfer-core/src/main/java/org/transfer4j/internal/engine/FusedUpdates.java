package org.transfer4j.internal.engine;

import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinTask;

/**
 * Optimizer updates applied to a variable in one pass, in Java: the gradient, the variable and the optimizer state
 * are copied chunk by chunk into L1-sized scratch arrays, updated there and copied back. Large variables are split in
 * two halves, one of them run on the common fork-join pool (joining runs it here if no worker took it).
 *
 * <p>Why not libnd4j: in 1.0.0-M2.1 its {@code rms_prop_updater} took 5.1 ms for the 2.1-million-entry dense kernel of
 * the book's head (followed by a 0.26 ms subtraction), two thirds of a whole training step. This pass takes ~1.5 ms
 * on one core, ~0.9 ms on two when OpenMP's threads sleep between ops ({@code OMP_WAIT_POLICY=PASSIVE}): the copies are
 * bulk memory moves and the arithmetic loop over equal-offset arrays is vectorised by C2 (a loop indexing the state at
 * an offset is not, and took 3.7 ms). Arithmetic is in float, as Keras's (TensorFlow's) kernels are.
 *
 * <p>Stateless; the buffers passed in must not be resized or freed during a call.
 */
final class FusedUpdates {
    static final int CHUNK = 2048;
    /** Variables at least this long are updated in two halves in parallel. */
    static final int PARALLEL_MIN = 1 << 16;

    private FusedUpdates() {
    }

    /** The arithmetic of one rule on one chunk: gradient, parameter and state chunks, updated in place. */
    @FunctionalInterface
    private interface Kernel {
        void apply(float[] g, float[] p, float[][] state, int len);
    }

    /**
     * Copies {@code grad}, {@code param} and each {@code state} array chunk by chunk into scratch arrays, applies
     * {@code kernel}, and copies the parameter and state back; in two halves in parallel for long variables.
     */
    private static void update(FloatBuffer param, FloatBuffer grad, int length, float[][] state, Kernel kernel) {
        if (length < PARALLEL_MIN || Runtime.getRuntime().availableProcessors() < 2) {
            range(param, grad, state, kernel, 0, length);
            return;
        }
        int mid = length / 2 / CHUNK * CHUNK;
        ForkJoinTask<?> upper = ForkJoinTask.adapt(() -> range(param, grad, state, kernel, mid, length)).fork();
        range(param, grad, state, kernel, 0, mid);
        upper.join();
    }

    private static void range(FloatBuffer param, FloatBuffer grad, float[][] state, Kernel kernel, int from, int to) {
        float[] g = new float[CHUNK];
        float[] p = new float[CHUNK];
        float[][] s = new float[state.length][CHUNK];
        for (int off = from; off < to; off += CHUNK) {
            int len = Math.min(CHUNK, to - off);
            grad.get(off, g, 0, len);
            param.get(off, p, 0, len);
            for (int k = 0; k < state.length; k++) {
                System.arraycopy(state[k], off, s[k], 0, len);
            }
            kernel.apply(g, p, s, len);
            param.put(off, p, 0, len);
            for (int k = 0; k < state.length; k++) {
                System.arraycopy(s[k], 0, state[k], off, len);
            }
        }
    }

    /** Keras's RMSprop: {@code v = rho v + (1 - rho) g²; p -= lr g / (sqrt(v) + eps)}. */
    static void rmsProp(FloatBuffer param, FloatBuffer grad, float[] v, float lr, float rho, float eps) {
        float oneMinusRho = 1f - rho;
        update(param, grad, v.length, new float[][] {v},
                (g, p, s, len) -> rmsPropKernel(g, s[0], p, len, lr, rho, oneMinusRho, eps));
    }

    private static void rmsPropKernel(float[] g, float[] v, float[] p, int len, float lr, float rho,
            float oneMinusRho, float eps) {
        for (int i = 0; i < len; i++) {
            float gi = g[i];
            float vi = rho * v[i] + oneMinusRho * gi * gi;
            v[i] = vi;
            p[i] -= lr * gi / ((float) Math.sqrt(vi) + eps);
        }
    }

    /**
     * Keras's Adam: {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; p -= alpha m / (sqrt(v) + eps)} with
     * {@code alpha = lr sqrt(1 - b2^t) / (1 - b1^t)} computed by the caller.
     */
    static void adam(FloatBuffer param, FloatBuffer grad, float[] m, float[] v, float alpha, float beta1, float beta2,
            float eps) {
        update(param, grad, v.length, new float[][] {m, v},
                (g, p, s, len) -> adamKernel(g, s[0], s[1], p, len, alpha, beta1, 1f - beta1, beta2, 1f - beta2, eps));
    }

    private static void adamKernel(float[] g, float[] m, float[] v, float[] p, int len, float alpha, float b1,
            float oneMinusB1, float b2, float oneMinusB2, float eps) {
        for (int i = 0; i < len; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + oneMinusB1 * gi;
            float vi = b2 * v[i] + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= alpha * mi / ((float) Math.sqrt(vi) + eps);
        }
    }

    /**
     * Keras's SGD: without momentum {@code p -= lr g}; with it {@code m = momentum m - lr g; p += m}.
     *
     * @param m the momentum state, or null without momentum
     */
    static void sgd(FloatBuffer param, FloatBuffer grad, float[] m, int length, float lr, float momentum) {
        if (m == null) {
            update(param, grad, length, new float[0][], (g, p, s, len) -> sgdKernel(g, p, len, lr));
        } else {
            update(param, grad, length, new float[][] {m},
                    (g, p, s, len) -> sgdMomentumKernel(g, s[0], p, len, lr, momentum));
        }
    }

    private static void sgdKernel(float[] g, float[] p, int len, float lr) {
        for (int i = 0; i < len; i++) {
            p[i] -= lr * g[i];
        }
    }

    private static void sgdMomentumKernel(float[] g, float[] m, float[] p, int len, float lr, float momentum) {
        for (int i = 0; i < len; i++) {
            float mi = momentum * m[i] - lr * g[i];
            m[i] = mi;
            p[i] += mi;
        }
    }
}
