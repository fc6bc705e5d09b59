package org.transfer4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.examples.data.EmbeddedDataset;

/**
 * {@code predict --heatmap} and {@code report} on the embedded dataset with a small random-weights model; the report
 * page is opened in a real headless Chromium when one is installed.
 */
class ExplainCliTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path model;

    @BeforeAll
    static void train() throws Exception {
        data = EmbeddedDataset.extractTo(tmp.resolve("data"));
        Path out = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--data", data.toString(), "--out", out.toString(), "--weights", "random",
                "--input", "32", "--epochs", "2");
        assertThat(r.code()).as(r.err()).isZero();
        model = out.resolve("model.zip");
    }

    @Test
    void predict_with_heatmap_writes_one_overlay_per_image_at_its_own_size() throws Exception {
        Path heatmaps = tmp.resolve("heatmaps");
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--heatmap", heatmaps.toString(),
                data.resolve("test/shirts").toString());

        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out().lines()).hasSize(200).allSatisfy(line -> assertThat(line).contains("\tshirts=")
                .contains("\theatmap=" + heatmaps));
        try (var files = Files.list(heatmaps)) {
            assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isEqualTo(200);
        }
        // explained in batches of HeatmapWriter.CHUNK, yet each line names its own image's overlay
        assertThat(p.out().lines()).allSatisfy(line -> {
            String image = Path.of(line.substring(0, line.indexOf('\t'))).getFileName().toString();
            String png = Path.of(line.substring(line.indexOf("heatmap=") + 8)).getFileName().toString();
            assertThat(png).isEqualTo(image.substring(0, image.lastIndexOf('.')) + ".png");
        });
        BufferedImage overlay = ImageIO.read(heatmaps.resolve("shirt.600.png").toFile());
        assertThat(overlay.getWidth()).as("the embedded images are 28x28").isEqualTo(28);
        assertThat(overlay.getHeight()).isEqualTo(28);
    }

    @Test
    void predict_with_an_unknown_heatmap_layer_lists_the_conv_layers() {
        CliRun p = CliRun.of("predict", "--model", model.toString(), "--heatmap", tmp.resolve("h2").toString(),
                "--layer", "block5_conv", data.resolve("test/shirts/shirt.600.png").toString());

        assertThat(p.code()).isEqualTo(1);
        assertThat(p.err()).contains("Unknown layer 'block5_conv' in vgg16")
                .contains("block1_conv1, block1_conv2, block2_conv1").contains("block5_conv3");
    }

    @Test
    void report_writes_a_self_contained_page_that_a_headless_browser_renders() throws Exception {
        Path out = tmp.resolve("report");
        CliRun r = CliRun.of("report", "--model", model.toString(), "--data", data.resolve("test").toString(),
                "--out", out.toString(), "--wrong", "6");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Wrote " + out.resolve("report.html")).contains("training curves from");
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<h2>Confusion matrix</h2>").contains("<h2>ROC curve</h2>")
                .contains("<h2>Most confidently wrong</h2>").contains("<h2>Per class</h2>")
                .contains("<h2>Training curves</h2>").doesNotContain("src=\"http").doesNotContain("src=\"file");
        int images = count(html, "<img ");
        assertThat(images).as("ROC, up to 6 heatmaps, accuracy and loss curves").isBetween(3, 9);
        assertThat(count(html, "src=\"data:image/png;base64,")).isEqualTo(images);

        Path chromium = chromium();
        assumeThat(chromium).as("Chromium is not installed (apt-get install -y chromium): browser check skipped")
                .isNotNull();
        Path profile = Files.createTempDirectory(tmp, "chromium");
        String dom = runChromium(chromium, profile, "--dump-dom", out.resolve("report.html").toUri().toString());
        Matcher body = Pattern.compile("<body[^>]*data-images=\"(\\d+)\"[^>]*data-images-loaded=\"(\\d+)\"").matcher(dom);
        assertThat(body.find()).as("the page's load handler ran; DOM: %s", head(dom)).isTrue();
        assertThat(body.group(1)).isEqualTo(String.valueOf(images));
        assertThat(body.group(2)).as("images that loaded").isEqualTo(String.valueOf(images));
        assertThat(dom).doesNotContain("data-errors");

        Path shot = out.resolve("report-screenshot.png");
        runChromium(chromium, profile, "--screenshot=" + shot, "--window-size=1100,1600",
                out.resolve("report.html").toUri().toString());
        BufferedImage png = ImageIO.read(shot.toFile());
        assertThat(png.getWidth()).isEqualTo(1100);
        assertThat(distinctColours(png)).as("a rendered page, not a blank one").isGreaterThan(50);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String head(String s) {
        return s.length() > 400 ? s.substring(0, 400) : s;
    }

    private static long distinctColours(BufferedImage img) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        return colours.size();
    }

    static Path chromium() {
        for (String name : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(name))) {
                return Path.of(name);
            }
        }
        return null;
    }

    /** Runs headless Chromium with the flags that keep it off the network; returns its standard output. */
    static String runChromium(Path chromium, Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(p.exitValue()).as("chromium exit code").isZero();
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }
}
