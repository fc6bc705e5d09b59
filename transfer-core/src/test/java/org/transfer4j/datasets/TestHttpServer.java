package org.transfer4j.datasets;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves one file on 127.0.0.1 with HTTP Range support, and can misbehave on purpose: drop the connection
 * part-way through the first responses, ignore Range headers, or answer with an error status.
 */
final class TestHttpServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final byte[] body;
    private final List<String> rangeHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int dropsLeft;
    private volatile int dropAfterBytes;
    private volatile boolean ignoreRange;
    private volatile int status = 200;
    private volatile Gate gate;
    private volatile boolean gateTimedOut;
    private final java.util.concurrent.CountDownLatch firstRequest = new java.util.concurrent.CountDownLatch(1);

    TestHttpServer(byte[] body) throws IOException {
        this.body = body;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The next {@code times} responses stop after {@code afterBytes} body bytes and close the connection. */
    TestHttpServer dropConnections(int times, int afterBytes) {
        this.dropsLeft = times;
        this.dropAfterBytes = afterBytes;
        return this;
    }

    TestHttpServer ignoreRange() {
        this.ignoreRange = true;
        return this;
    }

    TestHttpServer status(int code) {
        this.status = code;
        return this;
    }

    /** What the server waits for before answering the first request; false means it timed out. */
    @FunctionalInterface
    interface Gate {
        boolean await() throws InterruptedException;
    }

    /**
     * Holds the first answer until {@code g} returns: e.g. until rival downloads are known to wait for the lock the
     * first one holds. A gate that times out makes the server answer HTTP 500 and {@link #gateTimedOut()} true.
     */
    TestHttpServer holdFirstAnswerUntil(Gate g) {
        this.gate = g;
        return this;
    }

    boolean gateTimedOut() {
        return gateTimedOut;
    }

    /** Blocks until the first request has arrived. */
    boolean awaitFirstRequest(java.time.Duration timeout) throws InterruptedException {
        return firstRequest.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The Range header of each request ("" when absent). */
    List<String> rangeHeaders() {
        return rangeHeaders;
    }

    int requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        rangeHeaders.add(range == null ? "" : range);
        firstRequest.countDown();
        Gate g = gate;
        gate = null;
        if (g != null) {
            try {
                if (!g.await()) {
                    gateTimedOut = true;
                    status = 500;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        try (ex) {
            if (status != 200) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            int from = 0;
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (m != null && m.matches() && !ignoreRange) {
                from = Integer.parseInt(m.group(1));
                if (from >= body.length) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders().add("Content-Range",
                        "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            OutputStream out = ex.getResponseBody();
            if (dropsLeft > 0) {
                dropsLeft--;
                int n = Math.min(dropAfterBytes, body.length - from);
                out.write(body, from, n);
                out.flush();
                // Closing the exchange before Content-Length bytes were sent makes the server close the
                // connection, which is exactly the failure under test.
                ex.close();
                rangeHeaders.add("dropped at " + (from + n));
                return;
            }
            out.write(body, from, body.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
