package org.transfer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.testing.TestImages;

/**
 * Issue 8 part 3: a generated corpus of hostile files. Each bad file yields a {@link BadImageException} naming it
 * (FAIL) or a report entry (SKIP); none crashes the JVM or exhausts memory; good files still load.
 */
class IngestionHardeningTest {

    @TempDir
    Path root;

    /** Bad files (class/name -> expected reason). */
    private final Map<String, BadImageReason> bad = new LinkedHashMap<>();
    /** Good files that must load. */
    private final List<String> good = new ArrayList<>();
    private Path train;

    /** The bomb takes a moment to deflate (112 MB of scanlines): build it once. */
    private static byte[] bomb;

    @BeforeAll
    static void bomb() {
        bomb = TestImages.pngBomb(30000, 30000);
    }

    @BeforeEach
    void corpus() {
        byte[] jpeg = TestImages.jpeg(TestImages.random(16, 16, 3, 1), 0.9f);
        byte[] png = TestImages.png(TestImages.random(16, 16, 3, 2));
        byte[] bmp = TestImages.bmp(TestImages.random(8, 8, 3, 3));
        byte[] tiff = TestImages.tiff(TestImages.random(8, 8, 3, 4));
        byte[] ppm = TestImages.ppm(TestImages.random(8, 8, 3, 5));
        TestImages.Tree t = TestImages.tree(root.resolve("train"));
        addBad(t, "cats/zero.jpg", new byte[0], BadImageReason.EMPTY_FILE);
        addBad(t, "cats/truncated.jpg", TestImages.truncate(jpeg, jpeg.length / 2), BadImageReason.TRUNCATED);
        addBad(t, "cats/truncated_no_eoi.jpg", TestImages.truncate(jpeg, jpeg.length - 2), BadImageReason.TRUNCATED);
        addBad(t, "cats/truncated.png", TestImages.truncate(png, png.length - 20), BadImageReason.TRUNCATED);
        addBad(t, "cats/no_iend.png", TestImages.truncate(png, png.length - 12), BadImageReason.TRUNCATED);
        addBad(t, "cats/bad_crc.png", TestImages.pngWithBadCrc(png), BadImageReason.CORRUPT);
        addBad(t, "cats/text.jpg", TestImages.text("this is not a JPEG\n"), BadImageReason.NOT_AN_IMAGE);
        addBad(t, "cats/html.png", TestImages.text("<html><body>404</body></html>"), BadImageReason.NOT_AN_IMAGE);
        addBad(t, "dogs/sixteen_bit.png", TestImages.png16(4, 4, 3, 6), BadImageReason.UNSUPPORTED_BIT_DEPTH);
        addBad(t, "dogs/sixteen_bit_gray.png", TestImages.png16(4, 4, 1, 7), BadImageReason.UNSUPPORTED_BIT_DEPTH);
        addBad(t, "dogs/sixteen_bit.ppm", TestImages.ppm16(2, 2), BadImageReason.UNSUPPORTED_BIT_DEPTH);
        addBad(t, "dogs/lying_header_30000.png", TestImages.pngLyingHeader(30000, 30000), BadImageReason.TOO_LARGE);
        addBad(t, "dogs/bomb_30000.png", bomb, BadImageReason.TOO_LARGE);
        addBad(t, "dogs/truncated.bmp", TestImages.truncate(bmp, bmp.length - 40), BadImageReason.TRUNCATED);
        addBad(t, "dogs/truncated.tif", TestImages.truncate(tiff, 60), BadImageReason.TRUNCATED);
        addBad(t, "dogs/truncated.ppm", TestImages.truncate(ppm, ppm.length - 5), BadImageReason.TRUNCATED);
        addBad(t, "dogs/ünïcödé bad 名前.jpg", TestImages.truncate(jpeg, 100), BadImageReason.TRUNCATED);
        addGood(t, "cats/good.jpg", jpeg);
        addGood(t, "cats/good_with_trailing_garbage.jpg", TestImages.withTrailingGarbage(jpeg, 64));
        addGood(t, "cats/cmyk.jpg", TestImages.jpegCmyk(8, 8, 8));
        addGood(t, "cats/rgba.png", TestImages.png(TestImages.random(8, 8, 4, 9)));
        addGood(t, "dogs/gray.png", TestImages.png(TestImages.random(8, 8, 1, 10)));
        addGood(t, "dogs/one_pixel.png", TestImages.png(TestImages.random(1, 1, 3, 11)));
        addGood(t, "dogs/chien noir é ü 名前.png", png);
        addGood(t, "dogs/good.bmp", bmp);
        addGood(t, "dogs/good.tif", tiff);
        addGood(t, "dogs/good.ppm", ppm);
        train = t.write();
    }

    private void addBad(TestImages.Tree t, String name, byte[] content, BadImageReason reason) {
        t.file(name, content);
        bad.put(name, reason);
    }

    private void addGood(TestImages.Tree t, String name, byte[] content) {
        t.file(name, content);
        good.add(name);
    }

    @Test
    void bomb_file_is_small_but_declares_900_megapixels() throws Exception {
        assertThat(Files.size(train.resolve("dogs/bomb_30000.png"))).isLessThan(200_000);
    }

    @Test
    void each_bad_file_fails_with_its_reason_and_name() {
        ImageDecoder decoder = ImageDecoder.create().targetSize(8, 8);
        for (Map.Entry<String, BadImageReason> e : bad.entrySet()) {
            Path file = train.resolve(e.getKey());
            assertThatThrownBy(() -> decoder.decode(file)).as(e.getKey())
                    .isInstanceOfSatisfying(BadImageException.class, ex -> {
                        assertThat(ex.reason()).as(e.getKey() + ": " + ex.getMessage()).isEqualTo(e.getValue());
                        assertThat(ex.file()).isEqualTo(file);
                        assertThat(ex.getMessage()).contains(file.toString()).contains(e.getValue().description());
                    });
        }
    }

    @Test
    void each_good_file_of_the_corpus_decodes() throws Exception {
        for (ColorMode mode : ColorMode.values()) {
            ImageDecoder decoder = ImageDecoder.create().colorMode(mode).targetSize(5, 7)
                    .interpolation(Interpolation.BILINEAR);
            for (String name : good) {
                assertThat(decoder.decode(train.resolve(name)).channels()).as(name).isEqualTo(mode.channels());
            }
        }
    }

    @Test
    void fail_policy_stops_at_the_first_bad_file_in_keras_order_and_names_it() throws Exception {
        ImageFolderBatches batches = ImageFolder.of(train).targetSize(8, 8).shuffle(false).batchSize(4).open();
        String firstBad = null;
        for (String f : batches.listing().filenames()) {
            if (bad.containsKey(f)) {
                firstBad = f;
                break;
            }
        }
        assertThat(firstBad).isNotNull();
        Path expected = train.resolve(firstBad);
        assertThatThrownBy(() -> {
            for (ImageBatch b : batches.epoch(0)) {
                assertThat(b.size()).isPositive();
            }
        }).isInstanceOfSatisfying(UncheckedBadImageException.class, e -> {
            assertThat(e.getCause().file()).isEqualTo(expected);
            assertThat(e.getMessage()).contains(expected.toString());
        });
    }

    @Test
    void skip_policy_reports_every_bad_file_once_and_still_yields_every_good_image() throws Exception {
        ImageFolderBatches batches = ImageFolder.of(train).targetSize(8, 8).batchSize(5).seed(3)
                .onBadImage(BadImagePolicy.SKIP).open();
        assertThat(batches.listing().samples()).isEqualTo(bad.size() + good.size());
        for (int epoch = 0; epoch < 2; epoch++) {
            Set<String> seen = new HashSet<>();
            for (ImageBatch b : batches.epoch(epoch)) {
                assertThat(b.size()).isLessThanOrEqualTo(5);
                assertThat(b.x()).hasSize(b.size() * 8 * 8 * 3);
                assertThat(b.y()).hasSize(b.size() * 2);
                for (int i = 0; i < b.size(); i++) {
                    String f = b.filenames().get(i);
                    assertThat(seen.add(f)).as("seen once: " + f).isTrue();
                    int cls = batches.listing().entries().get(b.indices()[i]).classIndex();
                    assertThat(b.y()[i * 2 + cls]).isEqualTo(1f);
                }
            }
            assertThat(seen).containsExactlyInAnyOrderElementsOf(good);
            BadImageReport report = batches.report();
            assertThat(report.size()).isEqualTo(bad.size());
            Map<String, BadImageReason> reported = new LinkedHashMap<>();
            for (SkippedImage s : report.skipped()) {
                reported.put(s.filename(), s.reason());
                assertThat(s.message()).contains(s.file().toString());
            }
            assertThat(reported).containsExactlyInAnyOrderEntriesOf(bad);
        }
        assertThat(batches.report().summary()).startsWith("skipped " + bad.size() + " bad images:");
    }

    @Test
    void a_regular_file_whose_read_fails_is_reported_as_unreadable() throws Exception {
        // A regular file that no user can read, root included (chmod 000 does not stop root, and CI runs as root):
        // reading /proc/self/mem at offset 0 fails with EIO, since address 0 is never mapped.
        Path f = Path.of("/proc/self/mem");
        assertThat(Files.isRegularFile(f)).as("%s is a regular file", f).isTrue();
        assertThatThrownBy(() -> ImageDecoder.create().decode(f)).isInstanceOfSatisfying(BadImageException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(BadImageReason.UNREADABLE);
                    assertThat(e.getMessage()).contains(f.toString()).contains("Input/output error");
                });
    }

    @Test
    void a_folder_or_fifo_named_like_an_image_is_unreadable_not_a_hang() throws Exception {
        Path d = Files.createDirectories(root.resolve("dir.png"));
        assertThatThrownBy(() -> ImageDecoder.create().decode(d)).isInstanceOfSatisfying(BadImageException.class,
                e -> assertThat(e.reason()).isEqualTo(BadImageReason.UNREADABLE));
        Path fifo = root.resolve("pipe.png");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeThat(mk.waitFor()).as("mkfifo available").isZero();
        assertThatThrownBy(() -> ImageDecoder.create().decode(fifo)).isInstanceOfSatisfying(BadImageException.class,
                e -> assertThat(e.getMessage()).contains("not a regular file"));
    }

    @Test
    void broken_symlink_fails_at_listing_under_fail_and_is_reported_under_skip() throws Exception {
        Path link = train.resolve("cats/dangling.png");
        Files.createSymbolicLink(link, train.resolve("cats/does-not-exist.png"));
        assertThatThrownBy(() -> ImageFolder.of(train).list()).isInstanceOfSatisfying(BadImageException.class, e -> {
            assertThat(e.file()).isEqualTo(link);
            assertThat(e.reason()).isEqualTo(BadImageReason.UNREADABLE);
            assertThat(e.getMessage()).contains("broken symbolic link");
        });
        FolderListing listing = ImageFolder.of(train).onBadImage(BadImagePolicy.SKIP).list();
        assertThat(listing.filenames()).doesNotContain("cats/dangling.png");
        assertThat(listing.skipped().skipped()).singleElement()
                .satisfies(s -> assertThat(s.filename()).isEqualTo("cats/dangling.png"));
    }

    @Test
    void pixel_cap_is_configurable_and_checked_before_decoding() throws Exception {
        Path p = train.resolve("dogs/gray.png");
        assertThatThrownBy(() -> ImageDecoder.create().maxPixels(63).decode(p))
                .isInstanceOfSatisfying(BadImageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BadImageReason.TOO_LARGE);
                    assertThat(e.getMessage()).contains("8x8 = 64 pixels").contains("63");
                });
        assertThat(ImageDecoder.create().maxPixels(64).decode(p).size()).isEqualTo(64 * 3);
    }
}
