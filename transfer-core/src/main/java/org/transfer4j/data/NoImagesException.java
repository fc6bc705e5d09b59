package org.transfer4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An image folder yields nothing to train on: it has no class sub-folders, or no file in its classes (or in the
 * chosen subset) has an accepted extension. The message names the folder and what was looked for. Immutable.
 */
public class NoImagesException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    /**
     * @param directory the image folder
     * @param message   what is missing and what was accepted
     */
    public NoImagesException(Path directory, String message) {
        super(message);
        this.directory = directory;
    }

    /** The image folder. */
    public Path directory() {
        return directory;
    }
}
