package org.transfer4j.data;

import java.util.Objects;

/**
 * Wraps a {@link BadImageException} where a checked exception cannot be thrown (the {@link java.util.Iterator} of
 * {@link ImageFolderBatches#epoch(int)}), like {@link java.io.UncheckedIOException}. Immutable.
 */
public class UncheckedBadImageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param cause the checked exception, not null */
    public UncheckedBadImageException(BadImageException cause) {
        super(Objects.requireNonNull(cause, "cause").getMessage(), cause);
    }

    /** The wrapped checked exception. */
    @Override
    public synchronized BadImageException getCause() {
        return (BadImageException) super.getCause();
    }
}
