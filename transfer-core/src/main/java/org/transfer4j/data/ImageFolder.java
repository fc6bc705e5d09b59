package org.transfer4j.data;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset over a folder whose sub-folders are classes, with the semantics of Keras's
 * {@code ImageDataGenerator.flow_from_directory} / {@code DirectoryIterator} (keras_preprocessing 1.1.0).
 *
 * <p><b>Listing</b> ({@link #list()}), as Keras:
 * <ul>
 *   <li>classes are the explicit {@link #classes(List)} in the given order, otherwise every sub-folder of the folder
 *       sorted by Unicode code point (hidden, empty and symbolically linked folders included); the class index is the
 *       position;</li>
 *   <li>per class, folders are walked recursively and ordered by their full path string (so {@code nested-b} comes
 *       before {@code nested/deeper}), files sorted by name inside each folder, the folder's own files before its
 *       sub-folders'; a symbolically linked sub-folder is entered only with {@link #followLinks(boolean)} (a linked
 *       class folder is always read); with {@code followLinks(true)} a link back to an enclosing folder is skipped
 *       with a warning instead of looping;</li>
 *   <li>a file is an image when its lower-cased name ends with png, jpg, jpeg, bmp, ppm, tif or tiff, <em>without a
 *       dot</em> ({@code cat_png} counts, as in Keras); hidden files count;</li>
 *   <li>with {@link #validationSplit(double)} and a {@link #subset(Subset)}, each class keeps files
 *       {@code [(int) (split * n), n)} (training) or {@code [0, (int) (split * n))} (validation).</li>
 * </ul>
 * Deliberate differences: a missing folder, a folder without class sub-folders, an explicit class without a folder,
 * and zero images are errors (Keras carries on with nothing); a split without a subset (or a subset without a split)
 * is refused. {@code class_mode='binary'} with other than two classes is allowed as in Keras (labels are class
 * indices) but logged as a warning.
 *
 * <p><b>Batches</b> ({@link #open()}): Keras's order with {@code shuffle(false)}; with shuffle, each epoch's
 * order is a permutation derived from ({@link #seed()}, epoch) only, never from global random state (so it differs
 * from NumPy's order in Keras). Images are decoded by {@link #decoder()} at {@link #targetHeight()} x
 * {@link #targetWidth()} (Keras default 256 x 256) with Keras's default {@code nearest} interpolation.
 *
 * <p><b>Bad files</b>: see {@link BadImagePolicy}. Under {@link BadImagePolicy#SKIP}, files that cannot be read at
 * listing time are left out of the listing; files that fail to decode are left out of their batch (which is then
 * shorter) and of later epochs; both appear in {@link ImageFolderBatches#report()}.
 *
 * <p>Immutable and thread-safe: every setter returns a new spec.
 * <pre>{@code
 * ImageFolder train = ImageFolder.of(Path.of("data/train")).targetSize(150, 150).classMode(ClassMode.BINARY)
 *         .batchSize(20).seed(42);
 * ImageFolderBatches batches = train.open();
 * for (ImageBatch b : batches.epoch(0)) { ... }
 * }</pre>
 */
public final class ImageFolder {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** Keras's {@code white_list_formats}; matched with {@code endswith} on the lower-cased name, no dot. */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff");

    /** Orders strings by Unicode code point, as Python's {@code sorted} on {@code str}. */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private final Path directory;
    private final int targetHeight;
    private final int targetWidth;
    private final ColorMode colorMode;
    private final ClassMode classMode;
    private final Interpolation interpolation;
    private final List<String> classes;
    private final double validationSplit;
    private final Subset subset;
    private final BadImagePolicy policy;
    private final long maxPixels;
    private final boolean followLinks;
    /** Batch settings for {@link #open()}; null = not set (Keras's default; see {@link #batchSettings()}). */
    private final Boolean shuffle;
    private final Long seed;
    private final Integer batchSize;

    private ImageFolder(Path directory, int targetHeight, int targetWidth, ColorMode colorMode, ClassMode classMode,
                        Interpolation interpolation, List<String> classes, double validationSplit, Subset subset,
                        BadImagePolicy policy, long maxPixels, boolean followLinks, Boolean shuffle, Long seed,
                        Integer batchSize) {
        this.directory = directory;
        this.targetHeight = targetHeight;
        this.targetWidth = targetWidth;
        this.colorMode = colorMode;
        this.classMode = classMode;
        this.interpolation = interpolation;
        this.classes = classes;
        this.validationSplit = validationSplit;
        this.subset = subset;
        this.policy = policy;
        this.maxPixels = maxPixels;
        this.followLinks = followLinks;
        this.shuffle = shuffle;
        this.seed = seed;
        this.batchSize = batchSize;
    }

    /**
     * A spec over {@code directory} with Keras's {@code flow_from_directory} defaults: target size 256 x 256, RGB,
     * categorical, nearest, batch size 32, shuffle on; plus seed 0, {@link BadImagePolicy#FAIL},
     * {@link ImageDecoder#DEFAULT_MAX_PIXELS} and no link following. Nothing is read until {@link #list()}.
     */
    public static ImageFolder of(Path directory) {
        return new ImageFolder(Objects.requireNonNull(directory, "directory"), 256, 256, ColorMode.RGB,
                ClassMode.CATEGORICAL, Interpolation.NEAREST, List.of(), 0.0, null, BadImagePolicy.FAIL,
                ImageDecoder.DEFAULT_MAX_PIXELS, false, null, null, null);
    }

    // ---------------------------------------------------------------- fluent steps

    /**
     * Size every image is resized to, {@code target_size=(height, width)}.
     *
     * @throws IllegalArgumentException if either is below 1
     */
    public ImageFolder targetSize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("targetSize must be >= 1x1 (height, width); got " + height + "x" + width);
        }
        return new ImageFolder(directory, height, width, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, maxPixels, followLinks, shuffle, seed, batchSize);
    }

    /** {@code color_mode}: RGB (default), grayscale or RGBA. */
    public ImageFolder colorMode(ColorMode mode) {
        return new ImageFolder(directory, targetHeight, targetWidth, Objects.requireNonNull(mode, "colorMode"),
                classMode, interpolation, classes, validationSplit, subset, policy, maxPixels, followLinks, shuffle,
                seed, batchSize);
    }

    /** {@code class_mode}: what batches carry as labels (default categorical). */
    public ImageFolder classMode(ClassMode mode) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, Objects.requireNonNull(mode,
                "classMode"), interpolation, classes, validationSplit, subset, policy, maxPixels, followLinks, shuffle,
                seed, batchSize);
    }

    /** {@code interpolation} used when resizing (default nearest, as Keras). */
    public ImageFolder interpolation(Interpolation filter) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode,
                Objects.requireNonNull(filter, "interpolation"), classes, validationSplit, subset, policy, maxPixels,
                followLinks, shuffle, seed, batchSize);
    }

    /**
     * {@code classes}: read only these class folders, indexed in this order; an empty list (default) means every
     * sub-folder, sorted.
     *
     * @throws IllegalArgumentException for a blank or duplicate name
     */
    public ImageFolder classes(List<String> names) {
        List<String> copy = List.copyOf(names);
        Set<String> seen = new HashSet<>();
        for (String n : copy) {
            if (n.isBlank()) {
                throw new IllegalArgumentException("class names must not be blank; got " + copy);
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException("duplicate class '" + n + "' in " + copy);
            }
        }
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, copy,
                validationSplit, subset, policy, maxPixels, followLinks, shuffle, seed, batchSize);
    }

    /** {@code classes}, varargs form of {@link #classes(List)}. */
    public ImageFolder classes(String... names) {
        return classes(List.of(names));
    }

    /**
     * {@code ImageDataGenerator(validation_split=split)}: fraction of each class reserved for validation, used with
     * {@link #subset(Subset)}; 0 (default) disables it.
     *
     * @throws IllegalArgumentException unless {@code 0 <= split < 1}
     */
    public ImageFolder validationSplit(double split) {
        if (!(split >= 0.0 && split < 1.0)) {
            throw new IllegalArgumentException("validationSplit must be in [0, 1) (0 disables it); got " + split);
        }
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                split, subset, policy, maxPixels, followLinks, shuffle, seed, batchSize);
    }

    /** {@code subset}: which side of the {@link #validationSplit(double)} to read. */
    public ImageFolder subset(Subset which) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, Objects.requireNonNull(which, "subset"), policy, maxPixels, followLinks, shuffle, seed,
                batchSize);
    }

    /** What to do with files that cannot be used (default {@link BadImagePolicy#FAIL}). */
    public ImageFolder onBadImage(BadImagePolicy p) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, Objects.requireNonNull(p, "policy"), maxPixels, followLinks, shuffle, seed,
                batchSize);
    }

    /**
     * Refuse images whose header declares more than {@code pixels} pixels, before decoding (default
     * {@link ImageDecoder#DEFAULT_MAX_PIXELS}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public ImageFolder maxPixels(long pixels) {
        if (pixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1; got " + pixels);
        }
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, pixels, followLinks, shuffle, seed, batchSize);
    }

    /** {@code follow_links}: enter symbolically linked sub-folders of class folders (default false, as Keras). */
    public ImageFolder followLinks(boolean follow) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, maxPixels, follow, shuffle, seed, batchSize);
    }

    /**
     * {@code shuffle}: a new order every epoch of {@link #open()} (default true, as Keras). A batch setting: a
     * {@code TransferPipeline} refuses a folder with one (see {@link #batchSettings()}).
     */
    public ImageFolder shuffle(boolean on) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, maxPixels, followLinks, on, seed, batchSize);
    }

    /**
     * Seed of {@link #open()}'s shuffle order (default 0); epoch e's order depends only on (seed, e). A batch
     * setting: a {@code TransferPipeline} refuses a folder with one (see {@link #batchSettings()}).
     */
    public ImageFolder seed(long s) {
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, maxPixels, followLinks, shuffle, s, batchSize);
    }

    /**
     * {@code batch_size} of {@link #open()} (default 32). A batch setting: a {@code TransferPipeline} refuses a
     * folder with one (see {@link #batchSettings()}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public ImageFolder batchSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1; got " + size);
        }
        return new ImageFolder(directory, targetHeight, targetWidth, colorMode, classMode, interpolation, classes,
                validationSplit, subset, policy, maxPixels, followLinks, shuffle, seed, size);
    }

    // ---------------------------------------------------------------- accessors

    public Path directory() {
        return directory;
    }

    public int targetHeight() {
        return targetHeight;
    }

    public int targetWidth() {
        return targetWidth;
    }

    public ColorMode colorMode() {
        return colorMode;
    }

    public ClassMode classMode() {
        return classMode;
    }

    public Interpolation interpolation() {
        return interpolation;
    }

    /** The explicit classes; empty when every sub-folder is a class. */
    public List<String> classes() {
        return classes;
    }

    public double validationSplit() {
        return validationSplit;
    }

    public Optional<Subset> subset() {
        return Optional.ofNullable(subset);
    }

    public BadImagePolicy onBadImage() {
        return policy;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public boolean followLinks() {
        return followLinks;
    }

    /** Whether {@link #open()} shuffles (true unless {@code shuffle(false)}). */
    public boolean shuffle() {
        return shuffle == null || shuffle;
    }

    /** The seed of {@link #open()}'s shuffle (0 unless set). */
    public long seed() {
        return seed == null ? 0L : seed;
    }

    /** {@link #open()}'s batch size (32 unless set). */
    public int batchSize() {
        return batchSize == null ? 32 : batchSize;
    }

    /**
     * The batch settings given explicitly, as calls ({@code [batchSize(64), shuffle(false), seed(7)]}); empty when
     * none was. They govern this folder's own batches ({@link #open()}). A {@code TransferPipeline} reads a folder
     * as a listing and batches, shuffles and seeds with its own settings ({@code batchSize(n)}, {@code seed(s)};
     * training shuffled, validation and test in order), so it refuses a folder whose batch settings would be
     * silently ignored.
     */
    public List<String> batchSettings() {
        List<String> set = new ArrayList<>();
        if (batchSize != null) {
            set.add("batchSize(" + batchSize + ")");
        }
        if (shuffle != null) {
            set.add("shuffle(" + shuffle + ")");
        }
        if (seed != null) {
            set.add("seed(" + seed + ")");
        }
        return List.copyOf(set);
    }

    /** The single-image decoder this spec uses: colour mode, target size, interpolation and pixel cap. */
    public ImageDecoder decoder() {
        return ImageDecoder.create().colorMode(colorMode).targetSize(targetHeight, targetWidth)
                .interpolation(interpolation).maxPixels(maxPixels);
    }

    // ---------------------------------------------------------------- listing

    /**
     * Lists classes and image files as Keras does (no image is decoded; each file's size and modification time are
     * read) and logs Keras's {@code "Found N images belonging to K classes."}.
     *
     * @throws NoSuchFileException      if the folder does not exist
     * @throws NotDirectoryException    if it is not a folder
     * @throws NoImagesException        if it has no class sub-folders, or no image is left
     * @throws IllegalArgumentException if an explicit class has no folder
     * @throws IllegalStateException    if a validation split is set without a subset or the reverse
     * @throws BadImageException        under {@link BadImagePolicy#FAIL}, for a listed file whose attributes cannot be
     *                                  read (e.g. a broken symbolic link)
     * @throws IOException              if a folder cannot be listed
     */
    public FolderListing list() throws IOException, BadImageException {
        if (validationSplit > 0 && subset == null) {
            throw new IllegalStateException("validationSplit(" + validationSplit
                    + ") needs subset(Subset.TRAINING) or subset(Subset.VALIDATION)");
        }
        if (subset != null && validationSplit == 0) {
            throw new IllegalStateException("subset(" + subset + ") needs a validationSplit in (0, 1)");
        }
        if (!Files.exists(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "image folder does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw new NotDirectoryException(directory + " (the image folder must be a directory of class folders)");
        }
        List<String> classNames = classNames();
        LinkedHashMap<String, Integer> classIndices = new LinkedHashMap<>();
        for (String c : classNames) {
            classIndices.put(c, classIndices.size());
        }
        if (classMode == ClassMode.BINARY && classNames.size() != 2) {
            LOG.warn("classMode BINARY with {} classes {} in {}: labels are the class indices 0..{}, as in Keras",
                    classNames.size(), classNames, directory, classNames.size() - 1);
        }
        List<ImageEntry> entries = new ArrayList<>();
        List<SkippedImage> skipped = new ArrayList<>();
        for (int ci = 0; ci < classNames.size(); ci++) {
            String cls = classNames.get(ci);
            List<String> names = filesOfClass(cls);
            int n = names.size();
            int from = 0;
            int to = n;
            if (subset == Subset.VALIDATION) {
                to = (int) (validationSplit * n);
            } else if (subset == Subset.TRAINING) {
                from = (int) (validationSplit * n);
            }
            for (String name : names.subList(from, to)) {
                Path path = directory.resolve(name);
                try {
                    BasicFileAttributes attrs = attributes(path);
                    entries.add(new ImageEntry(name, path, ci, cls, attrs.size(), attrs.lastModifiedTime()));
                } catch (BadImageException e) {
                    if (policy == BadImagePolicy.FAIL) {
                        throw e;
                    }
                    LOG.warn("Skipping {}", e.getMessage());
                    skipped.add(SkippedImage.of(name, e));
                }
            }
        }
        FolderListing listing = new FolderListing(directory, classIndices, entries, new BadImageReport(skipped));
        if (entries.isEmpty()) {
            throw new NoImagesException(directory, listing.message() + " No image in " + directory
                    + (subset == null ? "" : " (subset " + subset.kerasName() + " of validationSplit " + validationSplit + ")")
                    + " under classes " + classNames + "; images are files whose lower-cased name ends with one of "
                    + EXTENSIONS + (skipped.isEmpty() ? "" : "; " + new BadImageReport(skipped).summary()));
        }
        LOG.info("{}", listing.message());
        return listing;
    }

    /**
     * Lists the folder and prepares batches.
     *
     * @throws IOException       as {@link #list()}
     * @throws BadImageException as {@link #list()}
     */
    public ImageFolderBatches open() throws IOException, BadImageException {
        return new ImageFolderBatches(this, list());
    }

    private List<String> classNames() throws IOException {
        List<String> all = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    all.add(p.getFileName().toString());
                }
            }
        }
        all.sort(CODE_POINT_ORDER);
        if (!classes.isEmpty()) {
            for (String c : classes) {
                if (!Files.isDirectory(directory.resolve(c))) {
                    throw new IllegalArgumentException("Class '" + c + "' has no folder " + directory.resolve(c)
                            + "; class folders are " + all);
                }
            }
            return classes;
        }
        if (all.isEmpty()) {
            throw new NoImagesException(directory, "No class folders in " + directory
                    + ": flow_from_directory expects one sub-folder per class (e.g. " + directory.resolve("cats")
                    + ", " + directory.resolve("dogs") + ") holding the images");
        }
        return all;
    }

    private static BasicFileAttributes attributes(Path path) throws BadImageException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BadImageException(path, BadImageReason.UNREADABLE,
                    Files.isSymbolicLink(path) ? "broken symbolic link" : "no such file", e);
        } catch (AccessDeniedException e) {
            throw new BadImageException(path, BadImageReason.UNREADABLE, "permission denied", e);
        } catch (IOException e) {
            throw new BadImageException(path, BadImageReason.UNREADABLE, e.toString(), e);
        }
    }

    static boolean isImageName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            if (lower.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    /** Keras's filenames of one class, in Keras's order. */
    private List<String> filesOfClass(String cls) throws IOException {
        Path top = directory.resolve(cls);
        Map<String, List<String>> byRoot = new LinkedHashMap<>();
        List<Path> ancestors = new ArrayList<>();
        walk(top, "", byRoot, ancestors);
        List<String> roots = new ArrayList<>(byRoot.keySet());
        roots.sort(CODE_POINT_ORDER);
        List<String> out = new ArrayList<>();
        for (String rel : roots) {
            List<String> files = byRoot.get(rel);
            files.sort(CODE_POINT_ORDER);
            for (String f : files) {
                if (isImageName(f)) {
                    out.add(cls + "/" + (rel.isEmpty() ? "" : rel + "/") + f);
                }
            }
        }
        return out;
    }

    /** {@code os.walk(top, followlinks)}: records each folder's plain (non-folder) entries under its relative path. */
    private void walk(Path dir, String rel, Map<String, List<String>> byRoot, List<Path> ancestors) throws IOException {
        List<String> files = new ArrayList<>();
        List<Path> subdirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    subdirs.add(p);
                } else {
                    files.add(p.getFileName().toString());
                }
            }
        } catch (AccessDeniedException e) {
            LOG.warn("Cannot list folder {} (permission denied); its images are left out, as Keras's os.walk does", dir);
            return;
        }
        byRoot.put(rel, files);
        Path real = followLinks ? dir.toRealPath() : dir;
        ancestors.add(real);
        try {
            for (Path sub : subdirs) {
                String name = sub.getFileName().toString();
                if (Files.isSymbolicLink(sub)) {
                    if (!followLinks) {
                        continue;
                    }
                    Path target = sub.toRealPath();
                    if (ancestors.contains(target)) {
                        LOG.warn("Not following {}: it links back to the enclosing folder {}", sub, target);
                        continue;
                    }
                }
                walk(sub, rel.isEmpty() ? name : rel + "/" + name, byRoot, ancestors);
            }
        } finally {
            ancestors.remove(ancestors.size() - 1);
        }
    }

    @Override
    public String toString() {
        return "ImageFolder[" + directory + ", targetSize=(" + targetHeight + ", " + targetWidth + "), colorMode="
                + colorMode.kerasName() + ", classMode=" + classMode.kerasName() + ", interpolation="
                + interpolation.kerasName() + (classes.isEmpty() ? "" : ", classes=" + classes)
                + (subset == null ? "" : ", validationSplit=" + validationSplit + ", subset=" + subset.kerasName())
                + ", onBadImage=" + policy + ", maxPixels=" + maxPixels + ", followLinks=" + followLinks
                + ", shuffle=" + shuffle + ", seed=" + seed + ", batchSize=" + batchSize + "]";
    }
}
