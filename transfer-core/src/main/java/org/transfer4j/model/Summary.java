package org.transfer4j.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A Keras-style model summary: one row per layer ({@code Layer (type)}, {@code Output Shape} with {@code None} for
 * the batch, {@code Param #}) and the totals of all, trainable and non-trainable parameters. {@link #toString()}
 * renders the table exactly as Keras 2 printed it in the book.
 *
 * @param model  the model's name
 * @param rows   the rows in order
 */
public record Summary(String model, List<Row> rows) {
    private static final int NAME_END = 29;
    private static final int SHAPE_END = 55;
    private static final int LINE = 65;

    public Summary {
        Objects.requireNonNull(model, "model");
        rows = List.copyOf(rows);
    }

    /**
     * One row.
     *
     * @param name        layer name
     * @param type        Keras class name
     * @param outputShape e.g. {@code (None, 4, 4, 512)}
     * @param parameters  parameter count
     * @param trainableParameters how many of them train (all, none, or part for a nested model)
     */
    public record Row(String name, String type, String outputShape, long parameters, long trainableParameters) {
        public Row {
            if (trainableParameters < 0 || trainableParameters > parameters) {
                throw new IllegalArgumentException("trainableParameters " + trainableParameters + " not in [0, "
                        + parameters + "]");
            }
        }

        /** A row whose parameters all train ({@code trainable}) or none do. */
        public static Row of(String name, String type, String outputShape, long parameters, boolean trainable) {
            return new Row(name, type, outputShape, parameters, trainable ? parameters : 0);
        }
    }

    public long totalParameters() {
        return rows.stream().mapToLong(Row::parameters).sum();
    }

    public long trainableParameters() {
        return rows.stream().mapToLong(Row::trainableParameters).sum();
    }

    public long nonTrainableParameters() {
        return totalParameters() - trainableParameters();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String thin = "_".repeat(LINE) + "\n";
        String thick = "=".repeat(LINE) + "\n";
        sb.append("Model: \"").append(model).append("\"\n");
        sb.append(thin);
        sb.append(line("Layer (type)", "Output Shape", "Param #"));
        sb.append(thick);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(line(r.name() + " (" + r.type() + ")", r.outputShape(), Long.toString(r.parameters())));
            sb.append(i == rows.size() - 1 ? thick : thin);
        }
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParameters()));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParameters()));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", nonTrainableParameters()));
        sb.append(thin);
        return sb.toString();
    }

    private static String line(String a, String b, String c) {
        StringBuilder sb = new StringBuilder(a);
        pad(sb, NAME_END);
        sb.append(b);
        pad(sb, SHAPE_END);
        sb.append(c);
        pad(sb, LINE);
        return sb.toString().stripTrailing() + "\n";
    }

    private static void pad(StringBuilder sb, int end) {
        // Keras truncates a cell to its column; keep one space so long names stay readable.
        if (sb.length() >= end) {
            sb.append(' ');
        }
        while (sb.length() < end) {
            sb.append(' ');
        }
    }
}
