package org.transfer4j.data;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files left out under {@link BadImagePolicy#SKIP}, in the order they were met. Immutable snapshot.
 *
 * @param skipped the skipped files, each once
 */
public record BadImageReport(List<SkippedImage> skipped) {

    /** An empty report. */
    public static final BadImageReport EMPTY = new BadImageReport(List.of());

    public BadImageReport {
        skipped = List.copyOf(skipped);
    }

    /** Whether no file was skipped. */
    public boolean isEmpty() {
        return skipped.isEmpty();
    }

    /** Number of skipped files. */
    public int size() {
        return skipped.size();
    }

    /** Count of skipped files per reason, in reason order. */
    public Map<BadImageReason, Integer> countsByReason() {
        Map<BadImageReason, Integer> m = new TreeMap<>();
        for (SkippedImage s : skipped) {
            m.merge(s.reason(), 1, Integer::sum);
        }
        return m;
    }

    /** A one-line summary such as {@code "skipped 2 bad images: 1 empty file (0 bytes), 1 image file is truncated"}. */
    public String summary() {
        if (skipped.isEmpty()) {
            return "no bad images";
        }
        StringBuilder sb = new StringBuilder("skipped " + skipped.size() + " bad image" + (skipped.size() == 1 ? "" : "s") + ":");
        String sep = " ";
        for (Map.Entry<BadImageReason, Integer> e : countsByReason().entrySet()) {
            sb.append(sep).append(e.getValue()).append(' ').append(e.getKey().description());
            sep = ", ";
        }
        return sb.toString();
    }
}
