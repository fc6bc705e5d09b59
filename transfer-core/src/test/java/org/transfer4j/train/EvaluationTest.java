package org.transfer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void binary_metrics_by_hand() {
        float[] p = {0.9f, 0.2f, 0.6f, 0.4f};
        int[] y = {1, 0, 0, 1};
        Evaluation e = Evaluation.of(p, 1, y, List.of("cats", "dogs"));
        assertThat(e.accuracy()).isEqualTo(0.5);
        assertThat(e.confusion()).isDeepEqualTo(new long[][] {{1, 1}, {1, 1}});
        double loss = -(Math.log(0.9f) + Math.log(1 - 0.2f) + Math.log(1 - 0.6f) + Math.log(0.4f)) / 4;
        assertThat(e.loss()).isCloseTo(loss, within(1e-7));
        assertThat(e.precision()[1]).isEqualTo(0.5);
        assertThat(e.recall()[1]).isEqualTo(0.5);
        // positives 0.9, 0.4; negatives 0.2, 0.6: pairs won 3 of 4
        assertThat(e.rocAuc()).isEqualTo(0.75);
        assertThat(e.report()).contains("cats").contains("ROC-AUC 0.7500");
    }

    @Test
    void auc_counts_ties_as_half_and_is_nan_without_both_classes() {
        assertThat(Evaluation.rocAuc(new float[] {0.5f, 0.5f}, new int[] {0, 1})).isEqualTo(0.5);
        assertThat(Evaluation.rocAuc(new float[] {0.1f, 0.7f}, new int[] {1, 1})).isNaN();
    }

    @Test
    void loss_clips_probabilities_like_keras() {
        Evaluation e = Evaluation.of(new float[] {0f}, 1, new int[] {1}, List.of("a", "b"));
        assertThat(e.loss()).isCloseTo(-Math.log(1e-7), within(1e-9));
    }

    @Test
    void categorical_metrics_use_argmax() {
        float[] p = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
        Evaluation e = Evaluation.of(p, 3, new int[] {1, 2}, List.of("a", "b", "c"));
        assertThat(e.accuracy()).isEqualTo(0.5);
        assertThat(e.confusion()[2][0]).isEqualTo(1);
        assertThat(e.loss()).isCloseTo(-(Math.log(0.7f) + Math.log(0.2f)) / 2, within(1e-7));
        // class a is absent: its one-vs-rest ROC-AUC, and so the macro mean, is undefined (scikit-learn raises)
        assertThat(e.rocAucPerClass()[0]).isNaN();
        assertThat(e.rocAuc()).isNaN();
        // c was never predicted: precision 0 (scikit-learn's zero_division default), reported as undefined
        assertThat(e.precision()[2]).isZero();
        assertThat(e.undefinedPrecision()).containsExactly("c");
    }
}
