package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir
    Path dir;

    @Test
    void header_bytes_follow_the_npy_1_0_spec_exactly() throws IOException {
        Path f = dir.resolve("a.npy");
        Npy.write(f, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        byte[] b = Files.readAllBytes(f);

        // magic, version 1.0, little-endian header length 118 = 128 - 10
        assertThat(Arrays.copyOf(b, 10)).containsExactly(0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        // 10 prefix + 59 dict + 20 growth spaces (21 - digits of "2") + 1 newline = 90; padded to 128
        String header = new String(b, 10, 118, StandardCharsets.US_ASCII);
        assertThat(header).isEqualTo(dict + " ".repeat(20 + 38) + "\n");
        assertThat(b.length).isEqualTo(128 + 6 * 4);
        ByteBuffer data = ByteBuffer.wrap(b, 128, 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            assertThat(data.getFloat()).isEqualTo(i);
        }
    }

    @Test
    void data_starts_at_a_multiple_of_64_for_every_rank_and_dtype() {
        long[][] shapes = {{}, {0}, {7}, {12345678901L}, {3, 4}, {2000, 4, 4, 512}, {1, 2, 3, 4, 5, 6, 7, 8}};
        for (NpyDtype t : NpyDtype.values()) {
            for (long[] s : shapes) {
                NpyHeader h = NpyHeader.of(t, s);
                byte[] enc = h.encode();
                assertThat(enc.length).isEqualTo(h.dataOffset());
                assertThat(h.dataOffset() % 64).as("%s %s", t, h.shapeText()).isZero();
                assertThat(enc[enc.length - 1]).isEqualTo((byte) '\n');
                int len = (enc[8] & 0xFF) | (enc[9] & 0xFF) << 8;
                assertThat(len).isEqualTo(enc.length - 10);
            }
        }
    }

    @Test
    void header_length_does_not_depend_on_the_first_dimension() {
        long offset = NpyHeader.of(NpyDtype.FLOAT32, 0, 4, 4, 512).dataOffset();
        for (long n : new long[] {1, 9, 10, 999_999, Long.MAX_VALUE / (4 * 4 * 512 * 4)}) {
            assertThat(NpyHeader.of(NpyDtype.FLOAT32, n, 4, 4, 512).dataOffset()).isEqualTo(offset);
        }
    }

    @Test
    void shapes_are_written_as_python_tuples() throws IOException {
        Npy.write(dir.resolve("s.npy"), new float[] {3f});
        Npy.write(dir.resolve("v.npy"), new int[] {1, 2, 3, 4, 5}, 5);
        // a 0-d array gets no growth spaces: 10 + 55 + 1 = 66 bytes, padded to 128 with 62 spaces
        assertThat(headerText(dir.resolve("s.npy")))
                .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n");
        assertThat(headerText(dir.resolve("v.npy"))).contains("'descr': '<i4'").contains("'shape': (5,), }");
        assertThat(Npy.readFloats(dir.resolve("s.npy")).shape()).isEmpty();
        assertThat(Npy.readFloats(dir.resolve("s.npy")).data()).containsExactly(3f);
    }

    @Test
    void every_dtype_round_trips_with_its_shape() throws IOException {
        float[] f = {1.5f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, 3e38f};
        Npy.write(dir.resolve("f.npy"), f, 3, 2);
        // Arrays.equals compares bit patterns: NaN equals NaN, -0 differs from 0
        assertThat(Arrays.equals(Npy.readFloats(dir.resolve("f.npy")).data(), f)).isTrue();
        assertThat(Npy.readFloats(dir.resolve("f.npy")).shape()).containsExactly(3, 2);

        double[] d = {Math.PI, -1e-300, Double.NaN, 0};
        Npy.write(dir.resolve("d.npy"), d, 2, 1, 2);
        Npy.Doubles dd = Npy.readDoubles(dir.resolve("d.npy"));
        assertThat(Arrays.equals(dd.data(), d)).isTrue();
        assertThat(dd.shape()).containsExactly(2, 1, 2);

        int[] i = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 42};
        Npy.write(dir.resolve("i.npy"), i, 6);
        assertThat(Npy.readInts(dir.resolve("i.npy")).data()).containsExactly(i);

        long[] l = {Long.MIN_VALUE, Long.MAX_VALUE};
        Npy.write(dir.resolve("l.npy"), l, 1, 2);
        assertThat(Npy.readLongs(dir.resolve("l.npy")).data()).containsExactly(l);
        assertThat(NpyTestFiles.descr(dir.resolve("l.npy"))).isEqualTo("<i8");

        byte[] u = {0, 1, (byte) 128, (byte) 255};
        Npy.write(dir.resolve("u.npy"), u, 2, 2);
        assertThat(Npy.readBytes(dir.resolve("u.npy")).data()).containsExactly(u);
        assertThat(NpyTestFiles.descr(dir.resolve("u.npy"))).isEqualTo("|u1");
    }

    @Test
    void large_arrays_round_trip_across_chunk_boundaries() throws IOException {
        float[] f = new float[NpyData.CHUNK_BYTES / 4 * 2 + 13];
        for (int k = 0; k < f.length; k++) {
            f[k] = k * 0.5f;
        }
        Npy.write(dir.resolve("big.npy"), f, f.length);
        assertThat(Arrays.equals(Npy.readFloats(dir.resolve("big.npy")).data(), f)).isTrue();
    }

    @Test
    void empty_arrays_round_trip() throws IOException {
        Npy.write(dir.resolve("e.npy"), new float[0], 0, 4, 4, 512);
        Npy.Floats e = Npy.readFloats(dir.resolve("e.npy"));
        assertThat(e.shape()).containsExactly(0, 4, 4, 512);
        assertThat(e.data()).isEmpty();
    }

    @Test
    void write_rejects_a_shape_that_does_not_match_the_data() {
        assertThatThrownBy(() -> Npy.write(dir.resolve("x.npy"), new float[5], 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x.npy").hasMessageContaining("(2, 3)").hasMessageContaining("6 elements")
                .hasMessageContaining("5");
        assertThatThrownBy(() -> Npy.write(dir.resolve("x.npy"), new float[0], -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(-1,)");
        assertThat(dir.resolve("x.npy")).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void write_replaces_an_existing_file_and_leaves_no_temp_file() throws IOException {
        Path f = dir.resolve("r.npy");
        Npy.write(f, new float[] {1, 2}, 2);
        Npy.write(f, new float[] {3, 4, 5}, 3);
        assertThat(Npy.readFloats(f).data()).containsExactly(3, 4, 5);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(f);
        }
    }

    @Test
    void truncated_file_is_reported_with_file_name_and_expected_and_actual_sizes() throws IOException {
        Path f = dir.resolve("t.npy");
        Npy.write(f, new float[12], 3, 4);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 5));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("Truncated").hasMessageContaining(f.toString())
                .hasMessageContaining("needs 176 bytes").hasMessageContaining("has 171 bytes");
        assertThatThrownBy(() -> NpyReader.open(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("Truncated");

        Files.write(f, Arrays.copyOf(b, 40));
        assertThatThrownBy(() -> Npy.readHeader(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("Truncated").hasMessageContaining("header needs 128 bytes")
                .hasMessageContaining("has 40");
    }

    @Test
    void trailing_bytes_are_reported_as_corruption() throws IOException {
        Path f = dir.resolve("t.npy");
        Npy.write(f, new int[] {1, 2}, 2);
        Files.write(f, new byte[] {9, 9, 9}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> Npy.readInts(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("3 trailing bytes").hasMessageContaining(f.toString());
    }

    @Test
    void bad_magic_and_unsupported_versions_are_rejected() throws IOException {
        Path f = dir.resolve("m.npy");
        Files.write(f, "PK\u0003\u0004 this is a zip, not npy".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("Not a .npy file").hasMessageContaining("50 4b 03 04");

        byte[] good = NpyTestFiles.file(4, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
        Files.write(f, good);
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("version 4.0").hasMessageContaining("1.0, 2.0, 3.0");
    }

    @Test
    void versions_2_and_3_headers_are_read() throws IOException {
        Path v2 = dir.resolve("v2.npy");
        Files.write(v2, NpyTestFiles.file(2, 0, "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}",
                new int[] {7, -8}));
        Npy.Ints i = Npy.readInts(v2);
        assertThat(i.data()).containsExactly(7, -8);
        assertThat(Npy.readHeader(v2).version()).isEqualTo(2);

        Path v3 = dir.resolve("v3.npy");
        Files.write(v3, NpyTestFiles.file(3, 0, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1, 1)}",
                new double[] {2.5}));
        assertThat(Npy.readDoubles(v3).data()).containsExactly(2.5);
        assertThat(Npy.readDoubles(v3).shape()).containsExactly(1, 1);
    }

    @Test
    void python2_long_suffixes_and_16_byte_alignment_are_accepted() throws IOException {
        Path f = dir.resolve("old.npy");
        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }", 16,
                new float[] {1, 2}));
        assertThat(Npy.readFloats(f).shape()).containsExactly(2, 1);
    }

    @Test
    void fortran_order_is_rejected_with_a_clear_message() throws IOException {
        Path f = dir.resolve("fo.npy");
        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                new float[4]));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("Fortran")
                .hasMessageContaining("ascontiguousarray");
    }

    @Test
    void unsupported_dtypes_and_malformed_headers_are_rejected() throws IOException {
        Path f = dir.resolve("bad.npy");
        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                new float[1]));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("'>f4'").hasMessageContaining("<f4, <f8, <i4, <i8, |u1")
                .hasMessageContaining("big-endian");

        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1), }",
                new float[1]));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("Malformed").hasMessageContaining("(n,)");

        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': '<f4', 'shape': (1,), }", new float[1]));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("expected exactly [descr, fortran_order, shape]");

        Files.write(f, NpyTestFiles.file(1, 0, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                new float[1]));
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("structured dtype");
    }

    @Test
    void reading_with_the_wrong_type_names_the_right_method() throws IOException {
        Path f = dir.resolve("i.npy");
        Npy.write(f, new int[] {1}, 1);
        assertThatThrownBy(() -> Npy.readFloats(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("<i4").hasMessageContaining("Npy.readInts");
    }

    private static String headerText(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        int len = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        return new String(b, 10, len, StandardCharsets.US_ASCII);
    }
}
