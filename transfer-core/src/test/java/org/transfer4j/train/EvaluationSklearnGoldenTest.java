package org.transfer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * N-class metrics against scikit-learn 1.2.1 on fixed predictions. Golden values printed by
 * {@code /usr/bin/python3 benchmarks/python/sklearn_evaluation_golden.py} (Debian python3-sklearn 1.2.1, NumPy
 * 1.24.2; probabilities rounded to float32 as here): {@code accuracy_score}, {@code log_loss},
 * {@code confusion_matrix}, {@code precision_recall_fscore_support(zero_division=0)} with average None, macro and
 * weighted, {@code roc_auc_score(multi_class='ovr')} and {@code top_k_accuracy_score(k=5)}.
 */
class EvaluationSklearnGoldenTest {
    private static final Offset<Double> TIGHT = within(1e-12);

    static final float[][] P4 = {{0.70f, 0.10f, 0.15f, 0.05f}, {0.20f, 0.50f, 0.25f, 0.05f},
            {0.10f, 0.30f, 0.55f, 0.05f}, {0.40f, 0.35f, 0.15f, 0.10f}, {0.15f, 0.60f, 0.20f, 0.05f},
            {0.30f, 0.25f, 0.40f, 0.05f}, {0.35f, 0.20f, 0.30f, 0.15f}, {0.05f, 0.45f, 0.30f, 0.20f},
            {0.25f, 0.20f, 0.35f, 0.20f}, {0.60f, 0.15f, 0.05f, 0.20f}, {0.10f, 0.20f, 0.65f, 0.05f},
            {0.45f, 0.05f, 0.20f, 0.30f}};
    static final int[] Y4 = {0, 1, 2, 1, 1, 0, 3, 3, 2, 0, 2, 3};

    static final float[][] P7 = {{0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.08f, 0.05f},
            {0.05f, 0.08f, 0.10f, 0.12f, 0.15f, 0.20f, 0.30f}, {0.10f, 0.30f, 0.05f, 0.20f, 0.15f, 0.12f, 0.08f},
            {0.12f, 0.05f, 0.30f, 0.08f, 0.20f, 0.10f, 0.15f}, {0.20f, 0.15f, 0.12f, 0.30f, 0.05f, 0.08f, 0.10f},
            {0.08f, 0.10f, 0.20f, 0.05f, 0.30f, 0.15f, 0.12f}, {0.15f, 0.12f, 0.08f, 0.10f, 0.20f, 0.30f, 0.05f},
            {0.30f, 0.05f, 0.10f, 0.15f, 0.12f, 0.20f, 0.08f}};
    static final int[] Y7 = {6, 6, 1, 3, 0, 4, 5, 2};

    static float[] flat(float[][] rows) {
        float[] f = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, f, i * rows[i].length, rows[i].length);
        }
        return f;
    }

    @Test
    void four_classes_with_a_class_never_predicted_match_sklearn() {
        Evaluation e = Evaluation.of(flat(P4), 4, Y4, List.of("cat", "dog", "fox", "owl"));

        assertThat(e.accuracy()).isCloseTo(0.5833333333333334, TIGHT);
        assertThat(e.loss()).isCloseTo(0.9261867516078565, within(1e-9));
        assertThat(e.confusion()).isDeepEqualTo(new long[][] {{2, 0, 1, 0}, {1, 2, 0, 0}, {0, 0, 3, 0}, {2, 1, 0, 0}});
        assertThat(e.precision()).containsExactly(new double[] {0.4, 0.6666666666666666, 0.75, 0}, TIGHT);
        assertThat(e.recall()).containsExactly(new double[] {0.6666666666666666, 0.6666666666666666, 1, 0}, TIGHT);
        assertThat(e.f1()).containsExactly(new double[] {0.5, 0.6666666666666666, 0.8571428571428571, 0}, TIGHT);
        assertThat(e.support()).containsExactly(3, 3, 3, 3);
        assertThat(e.macroAverage().precision()).isCloseTo(0.45416666666666666, TIGHT);
        assertThat(e.macroAverage().recall()).isCloseTo(0.5833333333333333, TIGHT);
        assertThat(e.macroAverage().f1()).isCloseTo(0.5059523809523809, TIGHT);
        assertThat(e.weightedAverage().precision()).isCloseTo(0.45416666666666666, TIGHT);
        assertThat(e.weightedAverage().recall()).isCloseTo(0.5833333333333334, TIGHT);
        assertThat(e.weightedAverage().f1()).isCloseTo(0.5059523809523809, TIGHT);
        assertThat(e.rocAuc()).isCloseTo(0.9259259259259259, TIGHT);
        assertThat(e.rocAucPerClass()).containsExactly(
                new double[] {0.888888888888889, 0.9629629629629629, 0.9629629629629629, 0.888888888888889}, TIGHT);
        assertThat(e.undefinedPrecision()).containsExactly("owl");
        assertThat(e.topK()).isZero();
        assertThat(e.topKAccuracy()).isNaN();
        assertThat(e.report()).contains("macro avg").contains("weighted avg").contains("owl").contains("zero_division");
    }

    @Test
    void seven_classes_report_top_5_and_weighted_auc_like_sklearn() {
        Evaluation e = Evaluation.of(flat(P7), 7, Y7, List.of("a", "b", "c", "d", "e", "f", "g"));

        assertThat(e.accuracy()).isCloseTo(0.5, TIGHT);
        assertThat(e.loss()).isCloseTo(1.7811718885385361, within(1e-9));
        assertThat(e.topK()).isEqualTo(5);
        assertThat(e.topKAccuracy()).isCloseTo(0.75, TIGHT);
        assertThat(e.precision()).containsExactly(new double[] {0, 1, 0, 0, 1, 1, 1}, TIGHT);
        assertThat(e.recall()).containsExactly(new double[] {0, 1, 0, 0, 1, 1, 0.5}, TIGHT);
        assertThat(e.f1()).containsExactly(new double[] {0, 1, 0, 0, 1, 1, 0.6666666666666666}, TIGHT);
        assertThat(e.support()).containsExactly(1, 1, 1, 1, 1, 1, 2);
        assertThat(e.macroAverage().precision()).isCloseTo(0.5714285714285714, TIGHT);
        assertThat(e.macroAverage().f1()).isCloseTo(0.5238095238095238, TIGHT);
        assertThat(e.weightedAverage().precision()).isCloseTo(0.625, TIGHT);
        assertThat(e.weightedAverage().recall()).isCloseTo(0.5, TIGHT);
        assertThat(e.weightedAverage().f1()).isCloseTo(0.5416666666666666, TIGHT);
        assertThat(e.rocAuc()).isCloseTo(0.679421768707483, TIGHT);
        assertThat(e.weightedRocAuc()).isCloseTo(0.6622023809523809, TIGHT);
        assertThat(e.rocAucPerClass()).containsExactly(new double[] {0.7142857142857143, 1, 0.35714285714285715,
                0.1428571428571429, 1, 1, 0.5416666666666666}, TIGHT);
        assertThat(e.summaryLine()).contains("top-5 accuracy 0.7500").contains("one-vs-rest macro");
    }

    @Test
    void one_hot_targets_give_the_same_metrics_and_keras_categorical_crossentropy() {
        float[] p = flat(P4);
        float[] oneHot = new float[Y4.length * 4];
        for (int i = 0; i < Y4.length; i++) {
            oneHot[i * 4 + Y4[i]] = 1;
        }
        List<String> names = List.of("cat", "dog", "fox", "owl");
        Evaluation sparse = Evaluation.of(p, 4, Y4, names);
        Evaluation categorical = Evaluation.ofOneHot(p, oneHot, 4, names);

        assertThat(categorical.confusion()).isDeepEqualTo(sparse.confusion());
        assertThat(categorical.f1()).containsExactly(sparse.f1());
        // same log-loss (sklearn 0.9261867516078565) whether the labels are integers or one-hot rows
        assertThat(categorical.loss()).isCloseTo(0.9261867516078565, within(1e-9));
    }
}
