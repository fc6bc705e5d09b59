package org.transfer4j.datasets;

import java.util.OptionalLong;

/**
 * Receives download progress; called from the downloading thread after each chunk (every 64 KiB or so), so
 * implementations should be quick and throttle their own output.
 */
@FunctionalInterface
public interface DownloadProgress {

    /** Ignores progress. */
    DownloadProgress NONE = (file, done, total) -> { };

    /**
     * Reports progress.
     *
     * @param file  the file being downloaded (its final name)
     * @param done  bytes on disk so far, including bytes from an earlier, resumed attempt
     * @param total the full size, when the server said
     */
    void update(String file, long done, OptionalLong total);
}
