package org.transfer4j.augment;

/**
 * SplitMix64-style seed derivation: independent, well-mixed seeds for (seed, epoch, index) without a shared random
 * stream, so results do not depend on thread count or processing order. Stateless, thread-safe.
 */
final class Seeds {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private static final long IMAGE_DOMAIN = 0x5851f42d4c957f2dL;
    private static final long SHUFFLE_DOMAIN = 0x14057b7ef767814fL;

    private Seeds() {
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser, as used by {@link java.util.SplittableRandom}. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long image(long seed, long epoch, long index) {
        long h = mix64(seed ^ IMAGE_DOMAIN);
        h = mix64(h + (epoch + 1) * GOLDEN_GAMMA);
        return mix64(h + (index + 1) * GOLDEN_GAMMA);
    }

    static long shuffle(long seed, long epoch) {
        long h = mix64(seed ^ SHUFFLE_DOMAIN);
        return mix64(h + (epoch + 1) * GOLDEN_GAMMA);
    }
}
