package org.transfer4j.datasets;

/**
 * Images per class in each split of a train / validation / test tree.
 *
 * @param train      images per class in {@code train}, ≥ 1
 * @param validation images per class in {@code validation}, ≥ 0
 * @param test       images per class in {@code test}, ≥ 0
 */
public record SplitCounts(int train, int validation, int test) {

    /** The book's {@code cats_and_dogs_small}: 1,000 / 500 / 500 per class (listing 5.4). */
    public static final SplitCounts BOOK = new SplitCounts(1000, 500, 500);

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if train &lt; 1, another count is negative, or the sum overflows
     */
    public SplitCounts {
        if (train < 1 || validation < 0 || test < 0) {
            throw new IllegalArgumentException("Split counts must be train >= 1, validation >= 0, test >= 0; got "
                    + train + "/" + validation + "/" + test);
        }
        Math.addExact(Math.addExact(train, validation), test);
    }

    /** Images per class over all splits. */
    public int total() {
        return train + validation + test;
    }

    /** The split of the {@code k}-th image of a class (0-based): train, then validation, then test. */
    String splitOf(int k) {
        if (k < train) {
            return "train";
        }
        return k < train + validation ? "validation" : "test";
    }

    @Override
    public String toString() {
        return train + " train + " + validation + " validation + " + test + " test";
    }
}
