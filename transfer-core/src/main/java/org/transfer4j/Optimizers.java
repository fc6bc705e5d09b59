package org.transfer4j;

/** Static factories of {@link Optimizer}s with Keras's defaults, for {@code import static}. */
public final class Optimizers {
    private Optimizers() {
    }

    /** RMSprop with Keras's defaults rho 0.9, epsilon 1e-7: the book's {@code optimizers.RMSprop(lr=2e-5)}. */
    public static Optimizer rmsprop(double learningRate) {
        return new Optimizer.RmsProp(learningRate, 0.9, 1e-7);
    }

    /** Adam with Keras's defaults beta1 0.9, beta2 0.999, epsilon 1e-7. */
    public static Optimizer adam(double learningRate) {
        return new Optimizer.Adam(learningRate, 0.9, 0.999, 1e-7);
    }

    /** Plain SGD. */
    public static Optimizer sgd(double learningRate) {
        return new Optimizer.Sgd(learningRate, 0);
    }

    /** SGD with momentum. */
    public static Optimizer sgd(double learningRate, double momentum) {
        return new Optimizer.Sgd(learningRate, momentum);
    }

    static void checkRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0; got " + lr);
        }
    }
}
