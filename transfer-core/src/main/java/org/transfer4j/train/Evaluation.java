package org.transfer4j.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Classification metrics of predicted probabilities against true classes: Keras's loss (cross-entropy with
 * probabilities clipped to [1e-7, 1 - 1e-7]), accuracy, confusion matrix, per-class precision and recall, and for
 * binary problems ROC-AUC.
 *
 * @param loss       mean cross-entropy
 * @param accuracy   fraction correct
 * @param confusion  {@code confusion[true][predicted]} counts
 * @param precision  per class; NaN where nothing was predicted as that class
 * @param recall     per class; NaN where the class has no examples
 * @param rocAuc     binary only (NaN otherwise, or when one class is absent)
 * @param classNames class names in index order
 */
public record Evaluation(double loss, double accuracy, long[][] confusion, double[] precision, double[] recall,
        double rocAuc, List<String> classNames) {
    private static final double EPSILON = 1e-7;

    /**
     * Computes the metrics.
     *
     * @param probabilities {@code n * units} values: units 1 = sigmoid output, else softmax over classes
     * @param units         1 for binary, else the number of classes
     * @param classes       true class per example
     * @param classNames    names in index order (size 2 for binary)
     */
    public static Evaluation of(float[] probabilities, int units, int[] classes, List<String> classNames) {
        int n = classes.length;
        if (probabilities.length != (long) n * units) {
            throw new IllegalArgumentException(n + " examples need " + (long) n * units + " probabilities; got "
                    + probabilities.length);
        }
        int k = units == 1 ? 2 : units;
        long[][] confusion = new long[k][k];
        double lossSum = 0;
        long correct = 0;
        for (int i = 0; i < n; i++) {
            int predicted;
            if (units == 1) {
                double p = Math.min(Math.max(probabilities[i], EPSILON), 1 - EPSILON);
                lossSum += classes[i] == 1 ? -Math.log(p) : -Math.log(1 - p);
                predicted = probabilities[i] > 0.5f ? 1 : 0;
            } else {
                predicted = 0;
                for (int j = 1; j < units; j++) {
                    if (probabilities[i * units + j] > probabilities[i * units + predicted]) {
                        predicted = j;
                    }
                }
                double p = Math.min(Math.max(probabilities[i * units + classes[i]], EPSILON), 1 - EPSILON);
                lossSum -= Math.log(p);
            }
            confusion[classes[i]][predicted]++;
            if (predicted == classes[i]) {
                correct++;
            }
        }
        double[] precision = new double[k];
        double[] recall = new double[k];
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long predictedC = 0;
            long actualC = 0;
            for (int j = 0; j < k; j++) {
                predictedC += confusion[j][c];
                actualC += confusion[c][j];
            }
            precision[c] = predictedC == 0 ? Double.NaN : (double) tp / predictedC;
            recall[c] = actualC == 0 ? Double.NaN : (double) tp / actualC;
        }
        double auc = units == 1 ? rocAuc(probabilities, classes) : Double.NaN;
        return new Evaluation(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) correct / n,
                confusion, precision, recall, auc, List.copyOf(classNames));
    }

    /** Binary ROC-AUC as the Mann-Whitney statistic (ties count one half). NaN if a class is absent. */
    static double rocAuc(float[] scores, int[] classes) {
        int n = classes.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                if (classes[order[t]] == 1) {
                    rankSumPositive += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** A multi-line report: loss, accuracy, AUC, confusion matrix, precision and recall per class. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "loss %.4f, accuracy %.4f", loss, accuracy));
        if (!Double.isNaN(rocAuc)) {
            sb.append(String.format(Locale.ROOT, ", ROC-AUC %.4f", rocAuc));
        }
        sb.append("\nconfusion matrix (rows: true, columns: predicted)\n");
        int width = classNames.stream().mapToInt(String::length).max().orElse(5) + 2;
        sb.append(" ".repeat(width));
        for (String c : classNames) {
            sb.append(String.format(Locale.ROOT, "%" + width + "s", c));
        }
        sb.append('\n');
        for (int t = 0; t < confusion.length; t++) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s", t < classNames.size() ? classNames.get(t) : t));
            for (long v : confusion[t]) {
                sb.append(String.format(Locale.ROOT, "%" + width + "d", v));
            }
            sb.append('\n');
        }
        for (int c = 0; c < precision.length; c++) {
            sb.append(String.format(Locale.ROOT, "%s: precision %.4f, recall %.4f%n",
                    c < classNames.size() ? classNames.get(c) : c, precision[c], recall[c]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && Double.compare(loss, e.loss) == 0 && Double.compare(accuracy, e.accuracy) == 0
                && Arrays.deepEquals(confusion, e.confusion) && Arrays.equals(precision, e.precision)
                && Arrays.equals(recall, e.recall) && Double.compare(rocAuc, e.rocAuc) == 0
                && classNames.equals(e.classNames);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(confusion) * 31 + Double.hashCode(loss);
    }

    @Override
    public String toString() {
        return report();
    }
}
