package org.transfer4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrictJsonTest {
    private static final ObjectMapper STRICT = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void non_finite_numbers_are_written_as_null_in_every_container() throws Exception {
        JsonMapper mapper = StrictJson.builder().build();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("finite", 0.25);
        m.put("floats", new float[] {1.5f, Float.NaN, Float.NEGATIVE_INFINITY});
        m.put("doubles", new double[] {Double.NaN, 2});
        m.put("list", List.of(1.0, Double.NaN));
        m.put("float", Float.NaN);

        String json = mapper.writeValueAsString(m);

        assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
        JsonNode root = STRICT.readTree(json);
        assertThat(root.get("nan").isNull()).isTrue();
        assertThat(root.get("inf").isNull()).isTrue();
        assertThat(root.get("finite").doubleValue()).isEqualTo(0.25);
        assertThat(root.get("floats").toString()).isEqualTo("[1.5,null,null]");
        assertThat(root.get("doubles").toString()).isEqualTo("[null,2.0]");
        assertThat(root.get("list").toString()).isEqualTo("[1.0,null]");
        assertThat(root.get("float").isNull()).isTrue();
    }

    @Test
    void a_diverged_history_is_strict_json_and_reads_back_as_nan() throws Exception {
        History h = History.empty().plus(Map.of(History.LOSS, 0.7)).plus(Map.of(History.LOSS, Double.NaN))
                .plus(Map.of(History.LOSS, Double.POSITIVE_INFINITY));
        Path file = dir.resolve("history.json");

        h.writeJson(file);

        assertThat(STRICT.readTree(file.toFile()).get("loss").toString()).isEqualTo("[0.7,null,null]");
        History back = History.readJson(file);
        assertThat(back.get(History.LOSS)).hasSize(3);
        assertThat(back.get(History.LOSS).get(0)).isEqualTo(0.7);
        assertThat(back.get(History.LOSS).get(1)).isNaN();
        assertThat(back.get(History.LOSS).get(2)).isNaN();
    }
}
