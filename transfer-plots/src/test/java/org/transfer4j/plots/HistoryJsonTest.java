package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.transfer4j.io.History;
import org.transfer4j.io.Provenance;
import org.transfer4j.io.HistoryFormatException;

class HistoryJsonTest {

    @TempDir
    Path dir;

    @Test
    void history_round_trips_through_json_with_order_and_nan() throws IOException {
        History history = Histories.bookLike(7).with("lr", 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, Double.NaN, 1e-4);
        Path file = dir.resolve("history.json");

        history.writeJson(file);
        History back = History.readJson(file);

        assertThat(back).isEqualTo(history);
        assertThat(back.names()).containsExactly("loss", "acc", "val_loss", "val_acc", "lr");
        assertThat(Files.readString(file)).startsWith("{\"loss\":[").contains("5.0E-4,null,1.0E-4")
                .doesNotContain("NaN");
        // a default (strict) Jackson mapper accepts it
        assertThat(new ObjectMapper().readTree(file.toFile()).get("lr").get(5).isNull()).isTrue();
    }

    @Test
    void write_replaces_the_file_and_leaves_no_temporary_file() throws IOException {
        Path file = dir.resolve("history.json");
        Files.writeString(file, "old");
        Histories.bookLike(2).writeJson(file);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        assertThat(History.readJson(file)).isEqualTo(Histories.bookLike(2));
    }

    @Test
    void keras_python_dump_with_nan_token_null_and_nan_string_reads_nan_as_gap() throws IOException {
        History history = History.parseJson(
                "{\"loss\": [0.7, NaN, 0.5], \"acc\": [0.5, null, \"NaN\"], \"val_loss\": [1, 2, 3]}");
        assertThat(history.series("loss")[1]).isNaN();
        assertThat(history.series("acc")[1]).isNaN();
        assertThat(history.series("acc")[2]).isNaN();
        assertThat(history.series("val_loss")).containsExactly(1, 2, 3);
    }

    @Test
    void keras_2_3_accuracy_keys_are_read() throws IOException {
        History history = History.parseJson(
                "{\"loss\":[0.6],\"accuracy\":[0.7],\"val_loss\":[0.5],\"val_accuracy\":[0.8]}");
        assertThat(Metric.ACCURACY.trainingKey(history)).isEqualTo("accuracy");
        assertThat(Metric.ACCURACY.validationKey(history)).contains("val_accuracy");
    }

    static Stream<Arguments> badHistories() {
        return Stream.of(
                Arguments.of("not JSON", "loss: [1, 2]", "not valid JSON"),
                Arguments.of("empty file", "", "empty"),
                Arguments.of("truncated", "{\"loss\": [1, 2", "not valid JSON"),
                Arguments.of("trailing content", "{\"loss\": [1]} {}", "not valid JSON"),
                Arguments.of("array root", "[[1, 2], [3, 4]]", "must be a JSON object"),
                Arguments.of("number root", "42", "must be a JSON object"),
                Arguments.of("empty object", "{}", "no metrics"),
                Arguments.of("value not an array", "{\"loss\": 0.5}", "metric 'loss' must be an array"),
                Arguments.of("string in array", "{\"loss\": [0.5, \"high\"]}", "'loss' has a string \"high\" at epoch 2"),
                Arguments.of("nested array", "{\"loss\": [[0.5]]}", "'loss' has an array"),
                Arguments.of("infinity", "{\"loss\": [0.5, Infinity]}", "infinite value"),
                Arguments.of("minus infinity", "{\"loss\": [-Infinity]}", "infinite value"),
                Arguments.of("zero epochs", "{\"loss\": [], \"acc\": []}", "zero epochs"),
                Arguments.of("different lengths", "{\"loss\": [1, 2, 3], \"acc\": [0.5, 0.6]}", "'acc' has 2 epochs"),
                Arguments.of("duplicate key", "{\"loss\": [1], \"loss\": [2]}", "Duplicate field 'loss'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHistories")
    void bad_history_file_is_rejected_naming_the_file_and_the_problem(String what, String json, String expected)
            throws IOException {
        Path file = dir.resolve("history.json");
        Files.writeString(file, json, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> History.readJson(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(((HistoryFormatException) e).file()).isEqualTo(file));
    }

    @Test
    void invalid_utf8_and_directories_are_rejected_naming_the_file() throws IOException {
        Path file = dir.resolve("history.json");
        Files.write(file, new byte[] {'{', '"', 'l', (byte) 0xFF, '"', ':', '[', '1', ']', '}'});
        assertThatThrownBy(() -> History.readJson(file))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> History.readJson(dir))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void utf8_byte_order_mark_is_accepted() throws IOException {
        Path file = dir.resolve("history.json");
        byte[] json = "{\"loss\": [0.5]}".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[json.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, withBom, 3, json.length);
        Files.write(file, withBom);
        assertThat(History.readJson(file).series("loss")).containsExactly(0.5);
    }

    @Test
    void missing_file_is_reported_as_such() {
        Path file = dir.resolve("nope.json");
        assertThatThrownBy(() -> History.readJson(file))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nope.json")
                .hasMessageContaining("no such history file");
    }

    @Test
    void run_json_beside_history_is_flattened_in_order() throws IOException {
        Path history = dir.resolve("history.json");
        Histories.bookLike(2).writeJson(history);
        Files.writeString(dir.resolve("run.json"),
                "{\"base\": \"vgg16\", \"seed\": 42, \"augment\": false, \"head\": {\"dense\": 256}, \"note\": null}");

        assertThat(Provenance.readRunInfoBeside(history)).containsExactly(
                java.util.Map.entry("base", "vgg16"),
                java.util.Map.entry("seed", "42"),
                java.util.Map.entry("augment", "false"),
                java.util.Map.entry("head", "{\"dense\":256}"),
                java.util.Map.entry("note", "null"));
    }

    @Test
    void absent_run_json_gives_no_run_info_and_a_bad_one_is_rejected() throws IOException {
        Path history = dir.resolve("history.json");
        Histories.bookLike(2).writeJson(history);
        assertThat(Provenance.readRunInfoBeside(history)).isEmpty();

        Files.writeString(dir.resolve("run.json"), "[1, 2]");
        assertThatThrownBy(() -> Provenance.readRunInfoBeside(history))
                .isInstanceOf(HistoryFormatException.class)
                .hasMessageContaining("run.json")
                .hasMessageContaining("must be a JSON object");
    }
}
