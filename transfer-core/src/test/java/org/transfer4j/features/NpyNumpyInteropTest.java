package org.transfer4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks files against NumPy itself; skipped unless /usr/bin/python3 can import numpy. */
class NpyNumpyInteropTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireNumpy() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
        assumeTrue(run("import numpy").exitCode == 0, "python3 cannot import numpy");
    }

    @Test
    void numpy_loads_our_files_and_numpy_save_writes_the_same_bytes() throws Exception {
        float[] f = new float[2 * 3 * 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = i / 8f - 1;
        }
        Npy.write(dir.resolve("f.npy"), f, 2, 3, 4);
        Npy.write(dir.resolve("d.npy"), new double[] {Math.E, -0.5}, 2);
        Npy.write(dir.resolve("i.npy"), new int[] {-3, 0, 2_000_000_000}, 3, 1);
        Npy.write(dir.resolve("l.npy"), new long[] {Long.MAX_VALUE}, 1);
        Npy.write(dir.resolve("u.npy"), new byte[] {0, (byte) 200, 17, (byte) 255}, 2, 2);
        Npy.write(dir.resolve("s.npy"), new float[] {7.5f});
        try (NpyFloatWriter w = NpyFloatWriter.open(dir.resolve("w.npy"), 3)) {
            for (int r = 0; r < 11; r++) {
                w.append(new float[] {r, r + 0.5f, -r});
            }
        }
        Result r = run("""
                import numpy as np, io, sys
                d = sys.argv[1]
                def check(name, expected):
                    a = np.load(d + '/' + name)
                    assert a.dtype == expected.dtype and a.shape == expected.shape, (name, a.dtype, a.shape)
                    assert np.array_equal(a, expected), (name, a)
                    b = io.BytesIO(); np.save(b, expected)
                    assert open(d + '/' + name, 'rb').read() == b.getvalue(), name + ' differs from np.save bytes'
                check('f.npy', (np.arange(24, dtype='<f4') / 8 - 1).astype('<f4').reshape(2, 3, 4))
                check('d.npy', np.array([np.e, -0.5], dtype='<f8'))
                check('i.npy', np.array([[-3], [0], [2000000000]], dtype='<i4'))
                check('l.npy', np.array([2**63 - 1], dtype='<i8'))
                check('u.npy', np.array([[0, 200], [17, 255]], dtype='|u1'))
                check('s.npy', np.array(7.5, dtype='<f4'))
                rows = np.array([[r, r + 0.5, -r] for r in range(11)], dtype='<f4')
                check('w.npy', rows)
                print('ok')
                """, dir.toString());
        assertThat(r.output).as(r.output).contains("ok");
        assertThat(r.exitCode).isZero();
    }

    @Test
    void we_read_files_numpy_wrote() throws Exception {
        Result r = run("""
                import numpy as np, sys
                d = sys.argv[1]
                np.save(d + '/f.npy', np.arange(60, dtype='<f4').reshape(3, 4, 5) * 1.5)
                np.save(d + '/d.npy', np.linspace(0, 1, 5))
                np.save(d + '/i.npy', np.array([1, -2, 3], dtype=np.int32))
                np.save(d + '/l.npy', np.arange(4, dtype=np.int64).reshape(2, 2) - 2**40)
                np.save(d + '/u.npy', np.array([[0, 255, 128]], dtype=np.uint8))
                np.save(d + '/e.npy', np.zeros((0, 7), dtype='<f4'))
                np.lib.format.write_array(open(d + '/v2.npy', 'wb'), np.array([1.25, 2.5], dtype='<f4'), version=(2, 0))
                np.lib.format.write_array(open(d + '/v3.npy', 'wb'), np.array([3.0], dtype='<f4'), version=(3, 0))
                np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype='<f4')))
                print('ok')
                """, dir.toString());
        assertThat(r.exitCode).as(r.output).isZero();

        Npy.Floats f = Npy.readFloats(dir.resolve("f.npy"));
        assertThat(f.shape()).containsExactly(3, 4, 5);
        for (int i = 0; i < 60; i++) {
            assertThat(f.data()[i]).isEqualTo(i * 1.5f);
        }
        assertThat(Npy.readDoubles(dir.resolve("d.npy")).data()).containsExactly(0, 0.25, 0.5, 0.75, 1);
        assertThat(Npy.readInts(dir.resolve("i.npy")).data()).containsExactly(1, -2, 3);
        long base = -(1L << 40);
        assertThat(Npy.readLongs(dir.resolve("l.npy")).data()).containsExactly(base, base + 1, base + 2, base + 3);
        assertThat(Npy.readBytes(dir.resolve("u.npy")).data()).containsExactly(0, (byte) 255, (byte) 128);
        assertThat(Npy.readFloats(dir.resolve("e.npy")).shape()).containsExactly(0, 7);
        assertThat(Npy.readFloats(dir.resolve("v2.npy")).data()).containsExactly(1.25f, 2.5f);
        assertThat(Npy.readHeader(dir.resolve("v2.npy")).version()).isEqualTo(2);
        assertThat(Npy.readFloats(dir.resolve("v3.npy")).data()).containsExactly(3f);
        assertThat(Npy.readHeader(dir.resolve("v3.npy")).version()).isEqualTo(3);
        try (NpyReader reader = NpyReader.open(dir.resolve("f.npy"))) {
            float[] row = reader.readRows(2, 1);
            assertThat(row[0]).isEqualTo(40 * 1.5f);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Npy.readFloats(dir.resolve("fortran.npy")))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("Fortran");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON.toString(), "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("python3 did not finish: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
