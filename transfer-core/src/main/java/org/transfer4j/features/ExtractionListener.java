package org.transfer4j.features;

/** Progress of a feature extraction. Called from the extracting thread. */
@FunctionalInterface
public interface ExtractionListener {

    /**
     * @param done            images extracted so far in this run
     * @param total           images to extract in this run
     * @param imagesPerSecond rate so far
     * @param etaSeconds      estimated seconds left
     */
    void progress(int done, int total, double imagesPerSecond, double etaSeconds);

    /** A listener that ignores progress. */
    static ExtractionListener none() {
        return (done, total, rate, eta) -> { };
    }
}
