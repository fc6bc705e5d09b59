package org.transfer4j.examples.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One progress line on stderr with a rate and an ETA, rewritten in place ({@code \r}) on a terminal and
 * printed as a new line every few seconds otherwise. Not thread-safe; update it from one thread.
 */
final class ProgressLine {

    private final PrintWriter err;
    private final String label;
    private final String unit;
    private final double unitSize;
    private final boolean interactive;
    private final long intervalNanos;
    private final long startNanos = System.nanoTime();
    private long startDone = -1;
    private long lastPrint;
    private boolean printed;

    /**
     * @param err         where to print
     * @param label       what is progressing, e.g. {@code "Downloading train.zip"}
     * @param unit        unit of the rate, e.g. {@code "MB"} or {@code "img"}
     * @param unitSize    amount per unit, e.g. 1e6 for MB
     * @param interactive true to rewrite one line with {@code \r}
     */
    ProgressLine(PrintWriter err, String label, String unit, double unitSize, boolean interactive) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.unitSize = unitSize;
        this.interactive = interactive;
        this.intervalNanos = interactive ? 250_000_000L : 5_000_000_000L;
    }

    /** Reports {@code done} of {@code total} (total ≤ 0 if unknown), printing if enough time has passed. */
    void update(long done, long total, String suffix) {
        long now = System.nanoTime();
        if (startDone < 0) {
            startDone = done;
        }
        boolean finished = total > 0 && done >= total;
        if (!finished && now - (printed ? lastPrint : startNanos) < intervalNanos) {
            return; // the first line waits one interval too, so that it shows a meaningful rate
        }
        lastPrint = now;
        printed = true;
        double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
        double rate = (done - startDone) / unitSize / seconds;
        StringBuilder sb = new StringBuilder(label).append("  ");
        if (unitSize == 1) {
            sb.append(done).append(total > 0 ? "/" + total : "");
        } else {
            sb.append(String.format(Locale.ROOT, "%.1f", done / unitSize))
                    .append(total > 0 ? String.format(Locale.ROOT, "/%.1f", total / unitSize) : "").append(' ')
                    .append(unit);
        }
        sb.append(String.format(Locale.ROOT, "  %.1f %s/s", rate, unit));
        if (total > 0 && rate > 0 && !finished) {
            long eta = Math.round((total - done) / unitSize / rate);
            sb.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta / 60, eta % 60));
        }
        if (!suffix.isEmpty()) {
            sb.append("  ").append(suffix);
        }
        if (interactive) {
            err.print("\r" + sb + "   ");
            if (finished) {
                err.println();
            }
        } else {
            err.println(sb);
        }
        err.flush();
    }
}
