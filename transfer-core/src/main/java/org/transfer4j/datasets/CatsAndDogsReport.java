package org.transfer4j.datasets;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link CatsAndDogsSmall#build} produced.
 *
 * @param directory      the finished tree
 * @param layout         the source archive's layout
 * @param folderCounts   files per folder in book order, e.g. {@code "train/cats" → 1000}
 * @param skipped        images skipped as unusable, in the order examined; each slot went to the next good image
 * @param rejected       entries rejected for safety (paths escaping the target, links) or as duplicates
 * @param ignoredEntries entries that are not cat or dog images of the layout (folders, Thumbs.db, ...)
 * @param reused         true if the tree already existed complete and nothing was rebuilt
 */
public record CatsAndDogsReport(Path directory, ArchiveLayout layout, Map<String, Integer> folderCounts,
                                List<SkippedFile> skipped, List<SkippedFile> rejected, int ignoredEntries,
                                boolean reused) {

    /** Copies the collections. */
    public CatsAndDogsReport {
        folderCounts = Collections.unmodifiableMap(new LinkedHashMap<>(folderCounts));
        skipped = List.copyOf(skipped);
        rejected = List.copyOf(rejected);
    }
}
