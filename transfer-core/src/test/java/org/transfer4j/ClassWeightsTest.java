package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ClassWeightsTest {

    @Test
    void balanced_is_sklearns_n_samples_over_n_classes_times_count() {
        // 45 samples, 3 classes: 45 / (3 * 30) = 0.5, 45 / (3 * 10) = 1.5, 45 / (3 * 5) = 3.0
        // (sklearn.utils.class_weight.compute_class_weight('balanced', classes=[0, 1, 2], y=...) gives the same)
        Map<Integer, Double> w = ClassWeights.balanced().resolve(new long[] {30, 10, 5});
        assertThat(w).containsExactlyInAnyOrderEntriesOf(Map.of(0, 0.5, 1, 1.5, 2, 3.0));
        // every class then contributes the same total weight: 30 * 0.5 = 10 * 1.5 = 5 * 3.0
        assertThat(ClassWeights.balanced(new long[] {7, 7})).containsEntry(0, 1.0).containsEntry(1, 1.0);
    }

    @Test
    void balanced_needs_every_class_present() {
        assertThatThrownBy(() -> ClassWeights.balanced(new long[] {3, 0, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("class 1 has none");
    }

    @Test
    void parse_reads_the_cli_forms_and_names_bad_values() {
        assertThat(ClassWeights.parse("balanced").isBalanced()).isTrue();
        assertThat(ClassWeights.parse("none").isNone()).isTrue();
        assertThat(ClassWeights.parse("0=1, 1=2.5").resolve(new long[] {4, 1})).isEqualTo(Map.of(0, 1.0, 1, 2.5));
        assertThat(ClassWeights.parse("0=1,1=2.5")).hasToString("{0=1.0, 1=2.5}");
        assertThatThrownBy(() -> ClassWeights.parse("heavy")).hasMessageContaining("'heavy'")
                .hasMessageContaining("balanced");
        assertThatThrownBy(() -> ClassWeights.parse("0=-1")).hasMessageContaining("finite and >= 0");
    }

    @Test
    void few_images_warning_names_the_small_classes() {
        assertThat(ClassWeights.fewImagesWarning(new long[] {40, 9, 3}, List.of("a", "b", "c")))
                .hasValueSatisfying(m -> assertThat(m).contains("'b' (9)").contains("'c' (3)").doesNotContain("'a'"));
        assertThat(ClassWeights.fewImagesWarning(new long[] {10, 10}, List.of("a", "b"))).isEmpty();
    }

    @Test
    void the_output_layer_follows_the_class_count() {
        assertThat(Heads.book(2)).isEqualTo(Heads.dense(256).dropout(0.5).sigmoid());
        assertThat(Heads.book(3)).isEqualTo(Heads.dense(256).dropout(0.5).softmax(3));
        assertThat(Heads.book(3).loss()).isEqualTo(Head.Loss.CATEGORICAL_CROSSENTROPY);
        assertThat(Heads.dense(64).completedFor(4)).hasToString("dense(64).softmax(4)");
        assertThat(Heads.dense(64).sigmoid().completedFor(4)).hasToString("dense(64).sigmoid()");
        assertThat(Head.outputReason(3)).contains("softmax(3)").contains("categorical cross-entropy");
        assertThatThrownBy(() -> Heads.output(1)).hasMessageContaining("at least 2 classes; got 1");
    }
}
