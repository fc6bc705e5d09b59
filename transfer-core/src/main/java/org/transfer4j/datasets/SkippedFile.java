package org.transfer4j.datasets;

/**
 * An archive entry that was not used, and why (corrupt image, unsafe path, link, duplicate).
 *
 * @param entry  the entry name in the archive
 * @param reason a short reason, e.g. {@code "empty file (0 bytes)"}
 */
public record SkippedFile(String entry, String reason) {

    @Override
    public String toString() {
        return entry + ": " + reason;
    }
}
