package org.transfer4j;

/**
 * A gradient-descent optimizer with Keras's update rules and defaults. Create with {@link Optimizers}.
 * Immutable.
 */
public sealed interface Optimizer {

    /** The base learning rate. */
    double learningRate();

    /** The same optimizer with another learning rate. */
    Optimizer withLearningRate(double learningRate);

    /** A short text for logs and provenance, e.g. {@code rmsprop(lr=2.0E-5, rho=0.9, epsilon=1.0E-7)}. */
    String describe();

    /**
     * Keras's {@code RMSprop}: {@code v = rho v + (1 - rho) g²; w -= lr g / (sqrt(v) + epsilon)}.
     *
     * @param learningRate > 0
     * @param rho          in [0, 1); Keras default 0.9
     * @param epsilon      > 0; Keras default 1e-7
     */
    record RmsProp(double learningRate, double rho, double epsilon) implements Optimizer {
        public RmsProp {
            Optimizers.checkRate(learningRate);
            if (!(rho >= 0 && rho < 1)) {
                throw new IllegalArgumentException("rmsprop rho must be in [0, 1); got " + rho);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("rmsprop epsilon must be > 0; got " + epsilon);
            }
        }

        @Override
        public Optimizer withLearningRate(double lr) {
            return new RmsProp(lr, rho, epsilon);
        }

        @Override
        public String describe() {
            return "rmsprop(lr=" + learningRate + ", rho=" + rho + ", epsilon=" + epsilon + ")";
        }
    }

    /**
     * Keras's {@code Adam} (bias-corrected moments).
     *
     * @param learningRate > 0
     * @param beta1        in [0, 1); default 0.9
     * @param beta2        in [0, 1); default 0.999
     * @param epsilon      > 0; default 1e-7
     */
    record Adam(double learningRate, double beta1, double beta2, double epsilon) implements Optimizer {
        public Adam {
            Optimizers.checkRate(learningRate);
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("adam betas must be in [0, 1); got beta1=" + beta1 + ", beta2=" + beta2);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException("adam epsilon must be > 0; got " + epsilon);
            }
        }

        @Override
        public Optimizer withLearningRate(double lr) {
            return new Adam(lr, beta1, beta2, epsilon);
        }

        @Override
        public String describe() {
            return "adam(lr=" + learningRate + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ")";
        }
    }

    /**
     * Keras's {@code SGD} with optional momentum: {@code m = momentum m - lr g; w += m}.
     *
     * @param learningRate > 0
     * @param momentum     in [0, 1)
     */
    record Sgd(double learningRate, double momentum) implements Optimizer {
        public Sgd {
            Optimizers.checkRate(learningRate);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("sgd momentum must be in [0, 1); got " + momentum);
            }
        }

        @Override
        public Optimizer withLearningRate(double lr) {
            return new Sgd(lr, momentum);
        }

        @Override
        public String describe() {
            return "sgd(lr=" + learningRate + ", momentum=" + momentum + ")";
        }
    }
}
