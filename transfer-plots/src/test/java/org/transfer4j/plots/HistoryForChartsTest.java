package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.transfer4j.io.History;

class HistoryForChartsTest {

    @Test
    void series_keep_their_order_and_are_copied_in_and_out() {
        double[] loss = {0.7, 0.5};
        History history = History.empty().with("loss", loss).with("acc", 0.5, 0.6);
        loss[0] = 99;
        history.series("loss")[1] = 99;

        assertThat(history.names()).containsExactly("loss", "acc");
        assertThat(history.epochs()).isEqualTo(2);
        assertThat(history.series("loss")).containsExactly(0.7, 0.5);
    }

    @Test
    void of_map_equals_the_same_series_added_one_by_one() {
        Map<String, double[]> map = new LinkedHashMap<>();
        map.put("loss", new double[] {0.7, 0.5});
        map.put("acc", new double[] {0.5, 0.6});
        assertThat(History.of(map))
                .isEqualTo(History.empty().with("loss", 0.7, 0.5).with("acc", 0.5, 0.6));
    }

    @Test
    void series_of_different_lengths_are_rejected_naming_both() {
        History history = History.empty().with("loss", 0.7, 0.5, 0.4);
        assertThatThrownBy(() -> history.with("val_loss", 0.6, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'val_loss' has 2 epochs")
                .hasMessageContaining("'loss' has 3");
    }

    @Test
    void zero_epochs_are_rejected() {
        assertThatThrownBy(() -> History.empty().with("loss"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'loss' has zero epochs");
        assertThatThrownBy(() -> History.of(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one series");
    }

    @Test
    void infinite_values_are_rejected_naming_series_and_epoch() {
        assertThatThrownBy(() -> History.empty().with("loss", 0.7, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'loss'")
                .hasMessageContaining("epoch 2")
                .hasMessageContaining("finite numbers or NaN");
    }

    @Test
    void nan_is_accepted_but_a_chart_of_an_all_nan_series_is_refused() {
        assertThat(History.empty().with("loss", 0.7, Double.NaN).series("loss")[1]).isNaN();
        History diverged = History.empty().with("loss", Double.NaN, Double.NaN);
        assertThat(diverged.epochs()).as("a run that diverged at once is still a history").isEqualTo(2);
        assertThatThrownBy(() -> TrainingChart.loss(diverged))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'loss' is NaN at every one of its 2 epochs");
    }

    @Test
    void blank_names_and_unknown_series_are_rejected() {
        assertThatThrownBy(() -> History.empty().with(" ", 1.0)).isInstanceOf(IllegalArgumentException.class);
        History history = History.empty().with("loss", 1.0);
        assertThatThrownBy(() -> history.series("acc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[loss]");
    }

    @Test
    void keras_2_and_keras_2_3_accuracy_keys_are_both_found() {
        History old = History.empty().with("acc", 0.5).with("val_acc", 0.6);
        History newer = History.empty().with("accuracy", 0.5).with("val_accuracy", 0.6);
        assertThat(Metric.ACCURACY.trainingKey(old)).isEqualTo("acc");
        assertThat(Metric.ACCURACY.validationKey(old)).contains("val_acc");
        assertThat(Metric.ACCURACY.trainingKey(newer)).isEqualTo("accuracy");
        assertThat(Metric.ACCURACY.validationKey(newer)).contains("val_accuracy");
    }

    @Test
    void training_only_history_has_no_validation_key() {
        assertThat(Metric.LOSS.validationKey(Histories.trainingOnly(3))).isEmpty();
    }

    @Test
    void missing_ambiguous_and_mismatched_keys_are_reported() {
        assertThatThrownBy(() -> Metric.ACCURACY.trainingKey(History.empty().with("loss", 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'acc' or 'accuracy'")
                .hasMessageContaining("[loss]");
        assertThatThrownBy(() -> Metric.ACCURACY.trainingKey(History.empty().with("acc", 1.0)
                .with("accuracy", 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both 'acc' and 'accuracy'");
        assertThatThrownBy(() -> Metric.ACCURACY.validationKey(History.empty().with("acc", 1.0)
                .with("val_accuracy", 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 'val_acc'");
    }
}
