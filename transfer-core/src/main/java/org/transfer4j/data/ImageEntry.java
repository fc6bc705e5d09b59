package org.transfer4j.data;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One image file of a {@link FolderListing}. Immutable.
 *
 * @param filename     the name as Keras reports it in {@code filenames}: class folder, '/', path inside the class
 *                     folder ('/'-separated on every OS), e.g. {@code "cats/nested/cat_n1.png"}
 * @param path         the file's path (the folder passed to {@link ImageFolder#of(Path)} resolved with the filename)
 * @param classIndex   index of its class in {@link FolderListing#classIndices()}
 * @param className    its class (folder) name
 * @param sizeBytes    file size in bytes when listed (of the link target for a symbolic link)
 * @param lastModified modification time when listed (of the link target for a symbolic link)
 */
public record ImageEntry(String filename, Path path, int classIndex, String className, long sizeBytes,
                         FileTime lastModified) {

    public ImageEntry {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(lastModified, "lastModified");
        if (classIndex < 0) {
            throw new IllegalArgumentException("classIndex must be >= 0; got " + classIndex);
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must be >= 0; got " + sizeBytes);
        }
    }
}
