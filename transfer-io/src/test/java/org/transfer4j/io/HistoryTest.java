package org.transfer4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one history type: recorded epoch by epoch in training, built by hand, read and written as Keras's JSON. */
class HistoryTest {
    @TempDir
    Path dir;

    @Test
    void training_records_epochs_and_phases_and_the_file_holds_only_the_metrics() throws Exception {
        History first = History.empty().plus(Map.of(History.LOSS, 0.7)).plus(Map.of(History.LOSS, 0.5));
        History second = History.empty().plus(Map.of(History.LOSS, Double.POSITIVE_INFINITY));
        History both = first.then(second);
        assertThat(both.epochs()).isEqualTo(3);
        assertThat(both.phaseStarts()).containsExactly(0, 2);
        assertThat(both.get(History.LOSS).get(2)).as("an infinite value is kept as a missing one").isNaN();

        Path file = dir.resolve("history.json");
        both.writeJson(file);
        assertThat(Files.readString(file)).isEqualTo("{\"loss\":[0.7,0.5,null]}");
        History back = History.readJson(file);
        assertThat(back.phaseStarts()).containsExactly(0);
        assertThat(back.withPhaseStarts(List.of(0, 2))).isEqualTo(both);
    }

    @Test
    void a_hand_built_history_equals_the_recorded_one_and_refuses_what_a_file_cannot_hold() {
        History built = History.empty().with("loss", 0.7, 0.5).with("acc", 0.5, 0.6);
        History recorded = History.empty().plus(Map.of("loss", 0.7, "acc", 0.5)).plus(Map.of("loss", 0.5, "acc", 0.6));
        assertThat(built.toMap().keySet()).containsExactly("loss", "acc");
        assertThat(built.series("acc")).containsExactly(0.5, 0.6);
        assertThat(built.get("loss")).isEqualTo(recorded.get("loss"));
        assertThatThrownBy(() -> built.with("lr", 1e-3)).hasMessageContaining("'lr' has 1 epochs but 'loss' has 2");
        assertThatThrownBy(() -> built.plus(Map.of("loss", 0.4))).hasMessageContaining("differ from earlier");
        assertThatThrownBy(() -> built.withPhaseStarts(List.of(0, 5))).hasMessageContaining("within the 2 epochs");
    }
}
