/**
 * Curve smoothing, training charts and HTML reports of a Keras-shaped history; no DL4J, only XChart and Jackson.
 *
 * <p>Read Keras's {@code history.history} JSON with {@link org.transfer4j.io.History#readJson} (the one history type,
 * transfer-io's, which training writes; or build one from plain arrays with {@code History.empty().with(...)}), draw
 * the book's "Training and validation accuracy" and "Training and validation loss" figures with
 * {@link org.transfer4j.plots.TrainingChart} (raw, or smoothed with {@link org.transfer4j.plots.Smoothing}, as in
 * Chollet's listings 5.19 and 5.24), and write everything at once with {@link org.transfer4j.plots.TrainingPlots},
 * including the self-contained {@link org.transfer4j.plots.HtmlReport}.
 *
 * <pre>{@code
 * History history = History.readJson(Path.of("history.json"));
 * TrainingChart.accuracy(history).smoothed(0.8).writePng(Path.of("accuracy_smoothed.png"));
 * TrainingPlots.of(history).runInfo(Provenance.readRunInfoBeside(Path.of("history.json"))).writeTo(Path.of("plots"));
 * }</pre>
 *
 * <p>Every type here is immutable and thread-safe; every file is written through a temporary file and a rename.
 */
package org.transfer4j.plots;
