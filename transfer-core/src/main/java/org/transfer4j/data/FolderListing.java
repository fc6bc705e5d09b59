package org.transfer4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ImageFolder#list()} found: the class indices and the image files in Keras's order, each with its
 * Keras filename, path, label, size and modification time. No image has been decoded. Immutable and thread-safe.
 *
 * <p>Keras equivalents: {@link #classIndices()} = {@code class_indices}, {@link #filenames()} = {@code filenames},
 * {@link #classes()} = {@code classes}, {@link #samples()} = {@code samples}, {@link #message()} = the printed
 * {@code "Found N images belonging to K classes."}.
 */
public final class FolderListing {

    private final Path directory;
    private final Map<String, Integer> classIndices;
    private final List<ImageEntry> entries;
    private final BadImageReport skipped;

    /**
     * @param directory    the image folder
     * @param classIndices class name to index, in index order (0, 1, ...)
     * @param entries      the images in order
     * @param skipped      files left out while listing under {@link BadImagePolicy#SKIP}
     * @throws IllegalArgumentException if the indices are not 0..K-1 in order or an entry's class index is out of range
     */
    public FolderListing(Path directory, Map<String, Integer> classIndices, List<ImageEntry> entries,
                         BadImageReport skipped) {
        this.directory = Objects.requireNonNull(directory, "directory");
        LinkedHashMap<String, Integer> ci = new LinkedHashMap<>(classIndices);
        int expected = 0;
        for (Map.Entry<String, Integer> e : ci.entrySet()) {
            if (e.getValue() != expected++) {
                throw new IllegalArgumentException("class indices must be 0..K-1 in order; got " + ci);
            }
        }
        this.classIndices = Collections.unmodifiableMap(ci);
        this.entries = List.copyOf(entries);
        for (ImageEntry e : this.entries) {
            if (e.classIndex() >= ci.size()) {
                throw new IllegalArgumentException("entry " + e.filename() + " has class index " + e.classIndex()
                        + " but there are " + ci.size() + " classes");
            }
        }
        this.skipped = Objects.requireNonNull(skipped, "skipped");
    }

    /** The image folder. */
    public Path directory() {
        return directory;
    }

    /** Class name to index, iterating in index order (an unmodifiable {@link LinkedHashMap}). */
    public Map<String, Integer> classIndices() {
        return classIndices;
    }

    /** Class names in index order. */
    public List<String> classNames() {
        return List.copyOf(classIndices.keySet());
    }

    /** Number of classes (class folders, including empty ones). */
    public int numClasses() {
        return classIndices.size();
    }

    /** The images, in Keras's order. */
    public List<ImageEntry> entries() {
        return entries;
    }

    /** Number of images. */
    public int samples() {
        return entries.size();
    }

    /** Keras's {@code filenames}: class folder + '/' + path inside it, in order. */
    public List<String> filenames() {
        List<String> out = new ArrayList<>(entries.size());
        for (ImageEntry e : entries) {
            out.add(e.filename());
        }
        return out;
    }

    /** Keras's {@code classes}: the class index of each image, in order. */
    public int[] classes() {
        int[] out = new int[entries.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = entries.get(i).classIndex();
        }
        return out;
    }

    /** Files left out while listing (under {@link BadImagePolicy#SKIP}). */
    public BadImageReport skipped() {
        return skipped;
    }

    /** Keras's message, e.g. {@code "Found 18 images belonging to 3 classes."}. */
    public String message() {
        return "Found " + entries.size() + " images belonging to " + classIndices.size() + " classes.";
    }

    @Override
    public String toString() {
        return "FolderListing[" + directory + ": " + message() + "]";
    }
}
