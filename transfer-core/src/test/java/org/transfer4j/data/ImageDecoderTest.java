package org.transfer4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transfer4j.augment.HwcImage;
import org.transfer4j.testing.TestImages;
import org.transfer4j.testing.TestImages.Pixels;

class ImageDecoderTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void opencv_natives_decode_a_png_written_by_imageio() throws Exception {
        BufferedImage bi = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        bi.setRGB(0, 0, 0x112233);
        bi.setRGB(2, 1, 0xA0B0C0);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(bi, "png", bos);
        HwcImage img = ImageDecoder.create().decode(write("imageio.png", bos.toByteArray()));
        assertThat(img.height()).isEqualTo(2);
        assertThat(img.width()).isEqualTo(3);
        assertThat(new float[] {img.get(0, 0, 0), img.get(0, 0, 1), img.get(0, 0, 2)}).containsExactly(0x11, 0x22, 0x33);
        assertThat(new float[] {img.get(1, 2, 0), img.get(1, 2, 1), img.get(1, 2, 2)}).containsExactly(0xA0, 0xB0, 0xC0);
        assertThat(img.get(1, 0, 0)).isZero();
    }

    @Test
    void lossless_formats_decode_to_their_exact_pixels() throws Exception {
        Pixels rgb = TestImages.random(7, 9, 3, 1);
        Pixels gray = TestImages.random(5, 6, 1, 2);
        ImageDecoder rgbDec = ImageDecoder.create();
        ImageDecoder grayDec = ImageDecoder.create().colorMode(ColorMode.GRAYSCALE);
        assertThat(rgbDec.decode(write("a.png", TestImages.png(rgb))).pixels()).containsExactly(rgb.asFloats());
        assertThat(rgbDec.decode(write("a.bmp", TestImages.bmp(rgb))).pixels()).containsExactly(rgb.asFloats());
        assertThat(rgbDec.decode(write("a.tif", TestImages.tiff(rgb))).pixels()).containsExactly(rgb.asFloats());
        assertThat(rgbDec.decode(write("a.ppm", TestImages.ppm(rgb))).pixels()).containsExactly(rgb.asFloats());
        assertThat(grayDec.decode(write("g.png", TestImages.png(gray))).pixels()).containsExactly(gray.asFloats());
        assertThat(grayDec.decode(write("g.pgm.ppm", TestImages.ppm(gray))).pixels()).containsExactly(gray.asFloats());
        assertThat(grayDec.decode(write("g.gif", TestImages.gif(gray))).pixels()).containsExactly(gray.asFloats());
    }

    @Test
    void tiff_with_rows_per_strip_beyond_the_height_decodes() throws Exception {
        Pixels rgb = TestImages.random(8, 8, 3, 4);
        assertThat(ImageDecoder.create().decode(write("huge_rps.tif", TestImages.tiffHugeRowsPerStrip(rgb))).pixels())
                .containsExactly(rgb.asFloats());
    }

    @Test
    void rgba_keeps_alpha_in_rgba_mode_and_drops_it_in_rgb_mode() throws Exception {
        Pixels rgba = TestImages.random(4, 5, 4, 3);
        Path p = write("a.png", TestImages.png(rgba));
        HwcImage asRgba = ImageDecoder.create().colorMode(ColorMode.RGBA).decode(p);
        assertThat(asRgba.pixels()).containsExactly(rgba.asFloats());
        HwcImage asRgb = ImageDecoder.create().decode(p);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 5; c++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertThat(asRgb.get(r, c, ch)).isEqualTo(rgba.get(r, c, ch));
                }
            }
        }
    }

    @Test
    void gray_with_alpha_is_replicated_for_rgb_and_keeps_alpha_for_rgba() throws Exception {
        Pixels la = TestImages.random(3, 4, 2, 4);
        Path p = write("la.png", TestImages.png(la));
        HwcImage rgb = ImageDecoder.create().decode(p);
        HwcImage rgba = ImageDecoder.create().colorMode(ColorMode.RGBA).decode(p);
        HwcImage gray = ImageDecoder.create().colorMode(ColorMode.GRAYSCALE).decode(p);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                int l = la.get(r, c, 0);
                assertThat(new float[] {rgb.get(r, c, 0), rgb.get(r, c, 1), rgb.get(r, c, 2)}).containsExactly(l, l, l);
                assertThat(rgba.get(r, c, 3)).isEqualTo(la.get(r, c, 1));
                assertThat(gray.get(r, c, 0)).isEqualTo(l);
            }
        }
    }

    @Test
    void rgb_to_grayscale_uses_pillows_integer_formula() throws Exception {
        // (19595 * 255 + 32768) >> 16 = 76 for pure red; (38470 * 255 + 32768) >> 16 = 150 for pure green
        Path red = write("red.png", TestImages.png(TestImages.solid(2, 2, 255, 0, 0)));
        Path green = write("green.png", TestImages.png(TestImages.solid(2, 2, 0, 255, 0)));
        ImageDecoder dec = ImageDecoder.create().colorMode(ColorMode.GRAYSCALE);
        assertThat(dec.decode(red).pixels()).containsOnly(76f);
        assertThat(dec.decode(green).pixels()).containsOnly(150f);
        HwcImage rgba = ImageDecoder.create().colorMode(ColorMode.RGBA).decode(red);
        assertThat(rgba.get(1, 1, 3)).isEqualTo(255f);
    }

    @Test
    void nearest_upscale_of_2x2_repeats_each_pixel_as_pillow() throws Exception {
        // scale 0.5: positions 0.25, 0.75, 1.25, 1.75 -> sources 0, 0, 1, 1
        Pixels p = new Pixels(2, 2, 1, new byte[] {10, 20, 30, 40});
        HwcImage img = ImageDecoder.create().colorMode(ColorMode.GRAYSCALE).targetSize(4, 4)
                .decode(write("two.png", TestImages.png(p)));
        assertThat(img.pixels()).containsExactly(
                10, 10, 20, 20,
                10, 10, 20, 20,
                30, 30, 40, 40,
                30, 30, 40, 40);
    }

    @Test
    void one_by_one_image_decodes_and_resizes() throws Exception {
        Path p = write("one.png", TestImages.png(TestImages.solid(1, 1, 9, 99, 199)));
        for (Interpolation f : Interpolation.values()) {
            HwcImage img = ImageDecoder.create().targetSize(3, 2).interpolation(f).decode(p);
            assertThat(img.height()).isEqualTo(3);
            assertThat(img.width()).isEqualTo(2);
            for (int i = 0; i < 6; i++) {
                assertThat(new float[] {img.pixels()[i * 3], img.pixels()[i * 3 + 1], img.pixels()[i * 3 + 2]})
                        .as("%s pixel %d", f, i).containsExactly(9, 99, 199);
            }
        }
    }

    @Test
    void flat_jpeg_decodes_within_two_levels_and_trailing_garbage_after_eoi_is_accepted() throws Exception {
        byte[] jpg = TestImages.jpeg(TestImages.solid(8, 8, 120, 60, 200), 0.95f);
        HwcImage img = ImageDecoder.create().decode(write("flat.jpg", jpg));
        for (int i = 0; i < img.size(); i += 3) {
            assertThat(img.pixels()[i]).isCloseTo(120f, org.assertj.core.data.Offset.offset(2f));
            assertThat(img.pixels()[i + 1]).isCloseTo(60f, org.assertj.core.data.Offset.offset(2f));
            assertThat(img.pixels()[i + 2]).isCloseTo(200f, org.assertj.core.data.Offset.offset(2f));
        }
        HwcImage withGarbage = ImageDecoder.create().decode(write("garbage.jpg", TestImages.withTrailingGarbage(jpg, 300)));
        assertThat(withGarbage).isEqualTo(img);
    }

    @Test
    void exif_orientation_is_ignored_as_pillow_does() throws Exception {
        byte[] jpg = TestImages.jpeg(TestImages.solid(4, 8, 50, 100, 150), 0.95f);
        // APP1 Exif segment with Orientation = 6 (rotate 90) inserted right after SOI
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0).putInt(0);
        byte[] exifId = {'E', 'x', 'i', 'f', 0, 0};
        int segLen = 2 + exifId.length + tiff.capacity();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(segLen >> 8);
        out.write(segLen & 0xFF);
        out.writeBytes(exifId);
        out.writeBytes(tiff.array());
        out.write(jpg, 2, jpg.length - 2);
        HwcImage img = ImageDecoder.create().decode(write("rotated.jpg", out.toByteArray()));
        assertThat(img.height()).isEqualTo(4);
        assertThat(img.width()).isEqualTo(8);
    }

    @Test
    void cmyk_jpeg_decodes_to_three_channels() throws Exception {
        HwcImage img = ImageDecoder.create().decode(write("cmyk.jpg", TestImages.jpegCmyk(6, 5, 7)));
        assertThat(new int[] {img.height(), img.width(), img.channels()}).containsExactly(6, 5, 3);
    }

    @Test
    void format_is_taken_from_content_not_from_the_name() throws Exception {
        Pixels rgb = TestImages.random(3, 3, 3, 5);
        assertThat(ImageDecoder.create().decode(write("really_a_png.jpg", TestImages.png(rgb))).pixels())
                .containsExactly(rgb.asFloats());
    }

    @Test
    void static_form_equals_fluent_form() throws Exception {
        Path p = write("r.png", TestImages.png(TestImages.random(11, 13, 3, 6)));
        assertThat(ImageDecoder.decode(p, ColorMode.RGB, 5, 4, Interpolation.BICUBIC, 1000))
                .isEqualTo(ImageDecoder.create().targetSize(5, 4).interpolation(Interpolation.BICUBIC).decode(p));
    }

    @Test
    void invalid_parameters_are_rejected_with_the_value() {
        assertThatThrownBy(() -> ImageDecoder.create().targetSize(0, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x5");
        assertThatThrownBy(() -> ImageDecoder.create().maxPixels(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> ImageDecoder.create().targetHeight()).isInstanceOf(IllegalStateException.class);
    }
}
