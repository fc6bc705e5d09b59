package org.transfer4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.testing.Fixtures;
import org.transfer4j.testing.Npy;

/** Every load_img case of {@code resize/cases.json}: our decoder equals Keras/Pillow bit for bit. */
class KerasResizeFixtureTest {

    @TestFactory
    Stream<DynamicTest> decode_matches_load_img_exactly_on_every_fixture_case() throws Exception {
        Path root = Fixtures.root();
        JsonNode cases = new ObjectMapper().readTree(root.resolve("resize/cases.json").toFile()).get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            String name = c.get("id").asInt() + " " + c.get("call").asText() + " on " + c.get("source").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> check(root, c)));
        }
        assertThat(tests).isNotEmpty();
        return tests.stream();
    }

    private static void check(Path root, JsonNode c) throws Exception {
        ImageDecoder dec = ImageDecoder.create()
                .colorMode(switch (c.get("color_mode").asText()) {
                    case "rgb" -> ColorMode.RGB;
                    case "grayscale" -> ColorMode.GRAYSCALE;
                    case "rgba" -> ColorMode.RGBA;
                    default -> throw new IllegalArgumentException(c.get("color_mode").asText());
                })
                .interpolation(KerasDirectoryFixtureTest.interpolation(c.get("interpolation").asText()));
        JsonNode t = c.get("target_size_hw");
        if (t != null && !t.isNull()) {
            dec = dec.targetSize(t.get(0).asInt(), t.get(1).asInt());
        }
        HwcImage img = dec.decode(root.resolve(c.get("source").asText()));
        Npy.Array expected = Npy.read(root.resolve(c.get("output").asText()));
        assertThat(new int[] {img.height(), img.width(), img.channels()}).containsExactly(expected.shape());
        assertThat(img.pixels()).containsExactly(expected.data());
    }
}
