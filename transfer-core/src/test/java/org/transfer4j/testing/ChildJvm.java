package org.transfer4j.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@code main} class run in a second JVM on the test class path, for tests across processes (locks, kills): its
 * output is collected line by line, and a latch opens when it prints a chosen marker line. Close kills it.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final CountDownLatch marker = new CountDownLatch(1);
    private final CompletableFuture<Void> reader;

    private ChildJvm(Process process, String markerLine) {
        this.process = process;
        this.reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.equals(markerLine)) {
                        marker.countDown();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Starts {@code main} with {@code args}; {@link #awaitMarker} waits for the line {@code markerLine}. */
    public static ChildJvm start(Class<?> main, String markerLine, String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start(), markerLine);
    }

    /** Whether the marker line came within the timeout. */
    public boolean awaitMarker(long seconds) throws InterruptedException {
        return marker.await(seconds, TimeUnit.SECONDS);
    }

    /** Everything printed so far. */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public Process process() {
        return process;
    }

    /** Waits for the child to exit and its output to be read; returns whether it exited in time. */
    public boolean awaitExit(long seconds) throws Exception {
        boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
        if (exited) {
            reader.get(10, TimeUnit.SECONDS);
        }
        return exited;
    }

    /** Kills the child (SIGKILL: no shutdown hook or finally block runs in it) and waits for it to go. */
    @Override
    public void close() throws Exception {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
        reader.get(10, TimeUnit.SECONDS);
    }
}
