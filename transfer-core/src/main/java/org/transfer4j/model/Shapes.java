package org.transfer4j.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shape helpers shared by the model classes. */
final class Shapes {
    private Shapes() {
    }

    /** {@code (None, 4, 4, 512)} for {@code [4, 4, 512]}. */
    static String keras(int[] shape) {
        return "(None, " + Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ")) + ")";
    }

    static long product(int[] shape) {
        long p = 1;
        for (int s : shape) {
            p *= s;
        }
        return p;
    }
}
