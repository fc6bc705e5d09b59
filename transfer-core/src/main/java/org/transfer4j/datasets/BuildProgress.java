package org.transfer4j.datasets;

/** Receives progress of a dataset build; called from the building thread after each examined image. */
@FunctionalInterface
public interface BuildProgress {

    /** Ignores progress. */
    BuildProgress NONE = (accepted, needed, skipped) -> { };

    /**
     * Reports progress.
     *
     * @param accepted images checked and written so far (all classes)
     * @param needed   images needed in total (all classes and splits)
     * @param skipped  corrupt images skipped so far
     */
    void update(int accepted, int needed, int skipped);
}
