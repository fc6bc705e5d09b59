package org.transfer4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Classification metrics of predicted probabilities against true classes, for 2 or N classes: Keras's loss
 * (binary or sparse categorical cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7]), accuracy, top-k
 * accuracy ({@code k = 5} when there are more than 5 classes), confusion matrix, per-class precision, recall, F1 and
 * support with macro and weighted averages (scikit-learn's {@code classification_report}), and ROC-AUC (binary; for
 * N classes one-vs-rest per class and their macro mean, scikit-learn's {@code roc_auc_score(multi_class='ovr')}).
 *
 * <p><b>Undefined values.</b> Precision of a class never predicted, recall of a class with no examples and their F1
 * are 0, scikit-learn's {@code zero_division} default (it also warns; see {@link #undefinedPrecision()}), so
 * averages match scikit-learn's. ROC-AUC of a class that is absent, or present in every example, is NaN (scikit-learn
 * raises), and so is the macro ROC-AUC then; loss and accuracy are NaN without examples. JSON writers put
 * {@code null} where a value is NaN.
 *
 * @param loss           mean cross-entropy
 * @param accuracy       fraction correct (the most probable class; binary: {@code p > 0.5})
 * @param confusion      {@code confusion[true][predicted]} counts
 * @param precision      per class, {@code tp / (tp + fp)}; 0 where nothing was predicted as that class
 * @param recall         per class, {@code tp / (tp + fn)}; 0 where the class has no examples
 * @param rocAuc         binary: ROC-AUC of the positive class; N classes: macro mean of one-vs-rest ROC-AUCs
 * @param classNames     class names in index order
 * @param f1             per class, {@code 2 tp / (2 tp + fp + fn)}; 0 where that is 0/0
 * @param support        per class, number of true examples
 * @param rocAucPerClass per class, one-vs-rest ROC-AUC (binary: both equal {@code rocAuc})
 * @param topK           k of {@link #topKAccuracy}, 0 when not computed
 * @param topKAccuracy   fraction whose class is among the k most probable (ties count in its favour, as Keras's
 *                       {@code in_top_k}); NaN when {@code topK} is 0
 */
public record Evaluation(double loss, double accuracy, long[][] confusion, double[] precision, double[] recall,
        double rocAuc, List<String> classNames, double[] f1, long[] support, double[] rocAucPerClass, int topK,
        double topKAccuracy) {

    /** Above this many classes, top-5 accuracy is reported (Keras's {@code top_k_categorical_accuracy} default k). */
    public static final int TOP_K = 5;

    /** Precision, recall and F1 averaged over classes. */
    public record Average(double precision, double recall, double f1, long support) {
    }

    /**
     * Computes the metrics from integer class labels (Keras's {@code sparse} / {@code binary} class modes).
     *
     * @param probabilities {@code n * units} values: units 1 = sigmoid output, else softmax over classes
     * @param units         1 for binary, else the number of classes
     * @param classes       true class per example
     * @param classNames    names in index order (size 2 for binary, else {@code units})
     * @throws IllegalArgumentException if the sizes do not fit or a class is out of range
     */
    public static Evaluation of(float[] probabilities, int units, int[] classes, List<String> classNames) {
        return of(probabilities, units, classes, classNames, units > TOP_K ? TOP_K : 0);
    }

    /**
     * As {@link #of(float[], int, int[], List)} with an explicit k for top-k accuracy (0 = none).
     *
     * @throws IllegalArgumentException if {@code topK} is negative or a binary head is asked for it
     */
    public static Evaluation of(float[] probabilities, int units, int[] classes, List<String> classNames, int topK) {
        int n = classes.length;
        if (units < 1) {
            throw new IllegalArgumentException("units must be >= 1; got " + units);
        }
        if (probabilities.length != (long) n * units) {
            throw new IllegalArgumentException(n + " examples need " + (long) n * units + " probabilities; got "
                    + probabilities.length);
        }
        int k = units == 1 ? 2 : units;
        if (classNames.size() != k) {
            throw new IllegalArgumentException(k + " classes need " + k + " names; got " + classNames);
        }
        if (topK < 0 || (topK > 0 && units == 1)) {
            throw new IllegalArgumentException("top-k needs k >= 1 and a softmax head; got k=" + topK + " with "
                    + units + " outputs");
        }
        for (int i = 0; i < n; i++) {
            if (classes[i] < 0 || classes[i] >= k) {
                throw new IllegalArgumentException("class " + classes[i] + " at example " + i + " is outside [0, " + k
                        + ")");
            }
        }
        double loss = units == 1 ? Losses.binaryCrossentropy(probabilities, classes)
                : Losses.sparseCategoricalCrossentropy(probabilities, units, classes);
        long[][] confusion = new long[k][k];
        long correct = 0;
        long inTopK = 0;
        for (int i = 0; i < n; i++) {
            int predicted = predicted(probabilities, units, i);
            confusion[classes[i]][predicted]++;
            if (predicted == classes[i]) {
                correct++;
            }
            if (topK > 0) {
                float own = probabilities[i * units + classes[i]];
                int higher = 0;
                for (int j = 0; j < units; j++) {
                    if (probabilities[i * units + j] > own) {
                        higher++;
                    }
                }
                if (higher < topK) {
                    inTopK++;
                }
            }
        }
        double[] precision = new double[k];
        double[] recall = new double[k];
        double[] f1 = new double[k];
        long[] support = new long[k];
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long predictedC = 0;
            long actualC = 0;
            for (int j = 0; j < k; j++) {
                predictedC += confusion[j][c];
                actualC += confusion[c][j];
            }
            support[c] = actualC;
            precision[c] = predictedC == 0 ? 0 : (double) tp / predictedC;
            recall[c] = actualC == 0 ? 0 : (double) tp / actualC;
            long f1Denominator = 2 * tp + (predictedC - tp) + (actualC - tp);
            f1[c] = f1Denominator == 0 ? 0 : 2.0 * tp / f1Denominator;
        }
        double[] aucs = new double[k];
        double auc;
        if (units == 1) {
            auc = rocAuc(probabilities, classes);
            Arrays.fill(aucs, auc);
        } else {
            double sum = 0;
            float[] scores = new float[n];
            int[] positive = new int[n];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < n; i++) {
                    scores[i] = probabilities[i * units + c];
                    positive[i] = classes[i] == c ? 1 : 0;
                }
                aucs[c] = rocAuc(scores, positive);
                sum += aucs[c];
            }
            auc = sum / k;
        }
        return new Evaluation(loss, n == 0 ? Double.NaN : (double) correct / n, confusion, precision, recall, auc,
                List.copyOf(classNames), f1, support, aucs, topK, topK == 0 || n == 0 ? Double.NaN
                : (double) inTopK / n);
    }

    /**
     * Computes the metrics from one-hot targets, as {@code flow_from_directory(class_mode='categorical')} yields
     * them; the loss is Keras's {@code categorical_crossentropy}. Multi-label targets (several ones per row) are out
     * of scope: the class of a row is its largest entry.
     *
     * @param probabilities {@code n * units} softmax outputs
     * @param oneHot        {@code n * units} targets
     * @param units         number of classes, ≥ 2
     * @throws IllegalArgumentException if the sizes do not fit
     */
    public static Evaluation ofOneHot(float[] probabilities, float[] oneHot, int units, List<String> classNames) {
        if (units < 2) {
            throw new IllegalArgumentException("one-hot targets need at least 2 classes; got " + units);
        }
        int[] classes = Losses.classesOfOneHot(oneHot, units);
        Evaluation e = of(probabilities, units, classes, classNames);
        return new Evaluation(Losses.categoricalCrossentropy(probabilities, oneHot, units), e.accuracy, e.confusion,
                e.precision, e.recall, e.rocAuc, e.classNames, e.f1, e.support, e.rocAucPerClass, e.topK,
                e.topKAccuracy);
    }

    private static int predicted(float[] p, int units, int i) {
        if (units == 1) {
            return p[i] > 0.5f ? 1 : 0;
        }
        int predicted = 0;
        for (int j = 1; j < units; j++) {
            if (p[i * units + j] > p[i * units + predicted]) {
                predicted = j;
            }
        }
        return predicted;
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

    /** Number of examples evaluated. */
    public long samples() {
        long s = 0;
        for (long v : support) {
            s += v;
        }
        return s;
    }

    /** Number of classes (2 for a sigmoid head). */
    public int classCount() {
        return classNames.size();
    }

    /** Unweighted mean over classes (scikit-learn's {@code average='macro'}). */
    public Average macroAverage() {
        int k = classCount();
        return new Average(Arrays.stream(precision).sum() / k, Arrays.stream(recall).sum() / k,
                Arrays.stream(f1).sum() / k, samples());
    }

    /** Mean over classes weighted by support (scikit-learn's {@code average='weighted'}); NaN without examples. */
    public Average weightedAverage() {
        long n = samples();
        double p = 0;
        double r = 0;
        double f = 0;
        for (int c = 0; c < classCount(); c++) {
            p += precision[c] * support[c];
            r += recall[c] * support[c];
            f += f1[c] * support[c];
        }
        return n == 0 ? new Average(Double.NaN, Double.NaN, Double.NaN, 0) : new Average(p / n, r / n, f / n, n);
    }

    /** One-vs-rest ROC-AUCs weighted by support (scikit-learn's {@code average='weighted'}). */
    public double weightedRocAuc() {
        if (classCount() == 2) {
            return rocAuc;
        }
        long n = samples();
        double s = 0;
        for (int c = 0; c < classCount(); c++) {
            s += rocAucPerClass[c] * support[c];
        }
        return s / n;
    }

    /** Classes whose precision is undefined (never predicted) and reported as 0, as scikit-learn does. */
    public List<String> undefinedPrecision() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classCount(); c++) {
            long predictedC = 0;
            for (long[] row : confusion) {
                predictedC += row[c];
            }
            if (predictedC == 0) {
                names.add(classNames.get(c));
            }
        }
        return names;
    }

    /**
     * One line for logs and the CLI: {@code accuracy: 0.8175 (loss 0.4178) on 400 images, macro F1 0.8170, ROC-AUC
     * 0.8950}, with top-5 accuracy for more than 5 classes and "one-vs-rest macro" for more than 2.
     */
    public String summaryLine() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "accuracy: %.4f (loss %.4f) on %d images",
                accuracy, loss, samples()));
        if (topK > 0) {
            sb.append(String.format(Locale.ROOT, ", top-%d accuracy %.4f", topK, topKAccuracy));
        }
        sb.append(String.format(Locale.ROOT, ", macro F1 %.4f", macroAverage().f1()));
        if (!Double.isNaN(rocAuc)) {
            sb.append(String.format(Locale.ROOT, ", ROC-AUC %.4f%s", rocAuc,
                    classCount() > 2 ? " (one-vs-rest macro)" : ""));
        }
        return sb.toString();
    }

    /**
     * A multi-line report: the summary line, the confusion matrix with class names, then scikit-learn's
     * {@code classification_report} table (precision, recall, F1, support per class; accuracy; macro and weighted
     * averages).
     */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "loss %.4f, accuracy %.4f", loss, accuracy));
        if (topK > 0) {
            sb.append(String.format(Locale.ROOT, ", top-%d accuracy %.4f", topK, topKAccuracy));
        }
        if (!Double.isNaN(rocAuc)) {
            sb.append(String.format(Locale.ROOT, ", ROC-AUC %.4f", rocAuc));
            if (classCount() > 2) {
                sb.append(" (one-vs-rest macro)");
            }
        }
        sb.append("\nconfusion matrix (rows: true, columns: predicted)\n");
        int width = Math.max(classNames.stream().mapToInt(String::length).max().orElse(5), 5) + 2;
        sb.append(" ".repeat(width));
        for (String c : classNames) {
            sb.append(String.format(Locale.ROOT, "%" + width + "s", c));
        }
        sb.append('\n');
        for (int t = 0; t < confusion.length; t++) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s", classNames.get(t)));
            for (long v : confusion[t]) {
                sb.append(String.format(Locale.ROOT, "%" + width + "d", v));
            }
            sb.append('\n');
        }
        int nameWidth = Math.max(width, "weighted avg".length() + 2);
        sb.append(String.format(Locale.ROOT, "%n%" + nameWidth + "s %10s %10s %10s %10s%n", "", "precision", "recall",
                "f1-score", "support"));
        for (int c = 0; c < classCount(); c++) {
            sb.append(String.format(Locale.ROOT, "%" + nameWidth + "s %10.4f %10.4f %10.4f %10d%n", classNames.get(c),
                    precision[c], recall[c], f1[c], support[c]));
        }
        sb.append(String.format(Locale.ROOT, "%n%" + nameWidth + "s %10s %10s %10.4f %10d%n", "accuracy", "", "",
                accuracy, samples()));
        Average m = macroAverage();
        Average w = weightedAverage();
        sb.append(String.format(Locale.ROOT, "%" + nameWidth + "s %10.4f %10.4f %10.4f %10d%n", "macro avg",
                m.precision(), m.recall(), m.f1(), m.support()));
        sb.append(String.format(Locale.ROOT, "%" + nameWidth + "s %10.4f %10.4f %10.4f %10d%n", "weighted avg",
                w.precision(), w.recall(), w.f1(), w.support()));
        List<String> undefined = undefinedPrecision();
        if (!undefined.isEmpty()) {
            sb.append("precision of ").append(String.join(", ", undefined))
                    .append(" is undefined (never predicted) and shown as 0, as scikit-learn's zero_division\n");
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && Double.compare(loss, e.loss) == 0 && Double.compare(accuracy, e.accuracy) == 0
                && Arrays.deepEquals(confusion, e.confusion) && Arrays.equals(precision, e.precision)
                && Arrays.equals(recall, e.recall) && Double.compare(rocAuc, e.rocAuc) == 0
                && classNames.equals(e.classNames) && Arrays.equals(f1, e.f1) && Arrays.equals(support, e.support)
                && Arrays.equals(rocAucPerClass, e.rocAucPerClass) && topK == e.topK
                && Double.compare(topKAccuracy, e.topKAccuracy) == 0;
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
