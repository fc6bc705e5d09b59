package org.transfer4j.features;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The NumPy element types transfer4j reads and writes: little-endian {@code <f4}, {@code <f8}, {@code <i4},
 * {@code <i8} and unsigned bytes {@code |u1} (NumPy's {@code float32}, {@code float64}, {@code int32},
 * {@code int64}, {@code uint8}).
 */
public enum NpyDtype {
    /** {@code <f4}, Java {@code float}. */
    FLOAT32("<f4", 4),
    /** {@code <f8}, Java {@code double}. */
    FLOAT64("<f8", 8),
    /** {@code <i4}, Java {@code int}. */
    INT32("<i4", 4),
    /** {@code <i8}, Java {@code long}. */
    INT64("<i8", 8),
    /** {@code |u1}, unsigned 8-bit, held in Java {@code byte} (read with {@code b & 0xFF}). */
    UINT8("|u1", 1);

    private final String descr;
    private final int itemSize;

    NpyDtype(String descr, int itemSize) {
        this.descr = descr;
        this.itemSize = itemSize;
    }

    /** The NumPy type string as written in the header, e.g. {@code <f4}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /**
     * The dtype for a header's {@code descr} value. For one-byte types NumPy's byte-order characters
     * {@code |}, {@code <}, {@code >} and {@code =} all mean the same and are accepted.
     *
     * @param descr  the {@code descr} text from the header
     * @param source the file name, for the error message
     * @throws NpyFormatException if the type is not one of {@code <f4 <f8 <i4 <i8 |u1}
     */
    public static NpyDtype fromDescr(String descr, String source) throws NpyFormatException {
        for (NpyDtype t : values()) {
            if (t.descr.equals(descr)) {
                return t;
            }
        }
        if (descr.length() == 3 && descr.endsWith("u1") && "|<>=".indexOf(descr.charAt(0)) >= 0) {
            return UINT8;
        }
        String accepted = Arrays.stream(values()).map(NpyDtype::descr).collect(Collectors.joining(", "));
        String hint = descr.startsWith(">") ? " (big-endian data is not supported; save it with "
                + "arr.astype(arr.dtype.newbyteorder('<')))" : "";
        throw new NpyFormatException("Unsupported dtype '" + descr + "' in " + source + "; accepted: " + accepted
                + hint);
    }
}
