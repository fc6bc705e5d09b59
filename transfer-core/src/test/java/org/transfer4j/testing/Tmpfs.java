package org.transfer4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted on a test folder, to make a disk run full. Needs root (CI runs as root); where
 * {@code mount} fails the calling test is skipped with the reason. Close to unmount.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (e.g. {@code "256k"}) on {@code dir} (created), or skips the test. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String output;
        int code;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                    .redirectErrorStream(true).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                code = -1;
            } else {
                code = p.exitValue();
            }
        } catch (IOException e) {
            output = e.toString();
            code = -1;
        }
        Assumptions.assumeTrue(code == 0, "skipped: cannot mount a tmpfs on " + dir
                + " to simulate a full disk (needs root): exit " + code + ", " + output);
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Unmounts; fails loudly if the file system cannot be unmounted. */
    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException("umount " + dir + " failed: " + output);
        }
    }
}
