package org.transfer4j.model;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transfer4j.datasets.Checksum;
import org.transfer4j.datasets.Downloader;
import org.transfer4j.internal.io.FileLocks;

/**
 * Finds pretrained ImageNet weights on this machine, or downloads them once, verified, into the cache directory.
 *
 * <p>Order of resolution: the cache directory ({@code ~/.transfer4j/models}; overridden by the system property
 * {@value #CACHE_PROPERTY} or the environment variable {@value #CACHE_ENV}), then a download from {@link #url()}
 * (Keras's {@code WEIGHTS_PATH_NO_TOP} in {@code keras/applications/vgg16.py}; overridden by the system property
 * {@value #URL_PROPERTY}, e.g. for a mirror) through {@link Downloader} (resumable, retried) into a temporary file that
 * is checked for its MD5 and then moved atomically into the cache. A file in the cache is verified the same way before it is trusted. DL4J's own zoo host
 * has been disabled, so it is not a source; a {@code vgg16_dl4j_inference.zip} you have can be named with
 * {@link WeightsSource#file(Path)}.
 *
 * <p>Thread-safe, also across processes: checking, downloading, verifying and moving the file into the cache happen
 * under the lock file {@code <cache>/<file>.lock} (an empty file left in place; the same lock {@link Downloader}
 * takes), so a second caller waits for the first and then finds the verified file instead of downloading it again. A verified file already in the cache is used without the lock, so a
 * read-only cache works.
 */
public final class ImagenetWeights {
    /** System property naming the cache directory. */
    public static final String CACHE_PROPERTY = "transfer4j.models";
    /** Environment variable naming the cache directory. */
    public static final String CACHE_ENV = "TRANSFER4J_MODELS";
    /** System property overriding the download URL. */
    public static final String URL_PROPERTY = "transfer4j.vgg16.url";

    static final String VGG16_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5";
    static final String VGG16_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" + VGG16_FILE;
    static final long VGG16_SIZE = 58_889_256L;
    static final String VGG16_MD5 = "6d6bbae143d832006294945121d1f1fc";

    static final String KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/";
    static final String VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
    static final String VGG19_MD5 = "253f8cb515780f3b799900260a226db6";
    static final String RESNET50_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5";
    static final String RESNET50_MD5 = "4d473c1dd8becc155b73f8504c6f6626";
    static final String MOBILENET_V2_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5";
    /** Size or MD5 not pinned. */
    static final long UNKNOWN_SIZE = -1;

    private static final Logger LOG = LoggerFactory.getLogger(ImagenetWeights.class);

    private final String fileName;
    private final URI url;
    private final long size;
    private final String md5;
    private final Path cacheDirectory;

    ImagenetWeights(String fileName, URI url, long size, String md5, Path cacheDirectory) {
        this.fileName = Objects.requireNonNull(fileName);
        this.url = Objects.requireNonNull(url);
        this.size = size;
        this.md5 = md5 == null ? null : md5.toLowerCase(Locale.ROOT);
        this.cacheDirectory = Objects.requireNonNull(cacheDirectory);
    }

    /** Keras's VGG16 notop weights, with the configured cache directory and URL. */
    public static ImagenetWeights vgg16() {
        return new ImagenetWeights(VGG16_FILE, URI.create(System.getProperty(URL_PROPERTY, VGG16_URL)), VGG16_SIZE,
                VGG16_MD5, defaultCacheDirectory());
    }

    /**
     * Keras's VGG19 notop weights ({@code vgg19.py}'s {@code WEIGHTS_PATH_NO_TOP}, MD5 pinned there); URL override
     * {@code -Dtransfer4j.vgg19.url}.
     */
    public static ImagenetWeights vgg19() {
        return keras("vgg19", "vgg19/" + VGG19_FILE, VGG19_MD5);
    }

    /**
     * Keras's ResNet50 notop weights ({@code resnet.py}'s {@code BASE_WEIGHTS_PATH} and {@code WEIGHTS_HASHES}); URL
     * override {@code -Dtransfer4j.resnet50.url}.
     */
    public static ImagenetWeights resnet50() {
        return keras("resnet50", "resnet/" + RESNET50_FILE, RESNET50_MD5);
    }

    /**
     * Keras's MobileNetV2 (alpha 1.0, trained at 224 px) no-top weights ({@code mobilenet_v2.py}'s
     * {@code BASE_WEIGHT_PATH}); Keras pins no hash for them, so the download is checked only for being a readable
     * HDF5 file with every layer's weights. The same file serves every input size (Keras picks 224 for sizes it has
     * no file for). URL override {@code -Dtransfer4j.mobilenet_v2.url}.
     */
    public static ImagenetWeights mobilenetV2() {
        return keras("mobilenet_v2", "mobilenet_v2/" + MOBILENET_V2_FILE, null);
    }

    /**
     * The ImageNet weights of base {@code base} ({@code vgg16}, {@code vgg19}, {@code resnet50}, {@code mobilenet_v2}).
     *
     * @throws IllegalArgumentException for another name, listing these
     */
    public static ImagenetWeights of(String base) {
        return switch (base) {
            case "vgg16" -> vgg16();
            case "vgg19" -> vgg19();
            case "resnet50" -> resnet50();
            case "mobilenet_v2" -> mobilenetV2();
            default -> throw new IllegalArgumentException("No ImageNet weights known for base '" + base
                    + "'; known: vgg16, vgg19, resnet50, mobilenet_v2");
        };
    }

    private static ImagenetWeights keras(String base, String path, String md5) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        return new ImagenetWeights(file, URI.create(System.getProperty("transfer4j." + base + ".url",
                KERAS_APPLICATIONS + path)), UNKNOWN_SIZE, md5, defaultCacheDirectory());
    }

    /** The cache directory: {@value #CACHE_PROPERTY}, else {@value #CACHE_ENV}, else {@code ~/.transfer4j/models}. */
    public static Path defaultCacheDirectory() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".transfer4j", "models");
    }

    /** A copy that uses another cache directory. */
    public ImagenetWeights withCacheDirectory(Path directory) {
        return new ImagenetWeights(fileName, url, size, md5, directory);
    }

    /** A copy that downloads from another URL, expecting the given size and MD5. */
    public ImagenetWeights withDownload(URI from, long expectedSize, String expectedMd5) {
        return new ImagenetWeights(fileName, from, expectedSize, expectedMd5, cacheDirectory);
    }

    /** Where the verified file lives (or will live) in the cache. */
    public Path cachedFile() {
        return cacheDirectory.resolve(fileName);
    }

    public URI url() {
        return url;
    }

    public long size() {
        return size;
    }

    public String md5() {
        return md5;
    }

    /** True if the cache holds the file with the expected size (the checksum is verified on {@link #resolve}). */
    public boolean isCached() {
        try {
            return Files.isRegularFile(cachedFile()) && (size == UNKNOWN_SIZE || Files.size(cachedFile()) == size);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Returns the path of a verified weight file, downloading it if needed and allowed.
     *
     * @param allowDownload whether to download a missing file
     * @throws WeightsUnavailableException offline, refused, or the download failed verification; the message names
     *                                     the URL, size, MD5 and the exact path to put the file at
     * @throws WeightsException            the cached file is corrupt (it is left in place, renamed aside)
     */
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    public Path resolve(boolean allowDownload) throws WeightsException {
        Path target = cachedFile();
        if (Files.exists(target) && verify(target) == null) {
            return target;
        }
        if (!allowDownload && !Files.exists(target)) {
            throw unavailable("it is not in the cache and downloading is off", null);
        }
        try (FileLocks.Held lock = FileLocks.acquire(Downloader.lockFile(target), "the weights " + target)) {
            return resolveLocked(allowDownload);
        } catch (WeightsException e) {
            throw e;
        } catch (IOException e) {
            throw unavailable(e.getMessage(), e);
        }
    }

    /** Null if {@code file} has the expected size and MD5, else what is wrong. */
    private String verify(Path file) throws WeightsException {
        try {
            long actual = Files.size(file);
            if (size != UNKNOWN_SIZE && actual != size) {
                return "size " + actual + " bytes, expected " + size;
            }
            if (md5 == null) {
                return null;
            }
            Checksum digest = Checksum.of(file, Checksum.Algorithm.MD5);
            return digest.hex().equals(md5) ? null : digest + ", expected " + md5;
        } catch (IOException e) {
            throw new WeightsException("Cannot read cached weights " + file + ": " + e.getMessage(), e);
        }
    }

    private Path resolveLocked(boolean allowDownload) throws WeightsException {
        Path target = cachedFile();
        if (Files.exists(target)) {
            String problem = verify(target);
            if (problem == null) {
                return target;
            }
            Path aside = target.resolveSibling(fileName + ".corrupt");
            try {
                Files.move(target, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new WeightsException("Cached weights " + target + " are corrupt (" + problem
                        + ") and could not be moved aside: " + e.getMessage(), e);
            }
            if (!allowDownload) {
                throw unavailable("the cached file was corrupt (" + problem + ") and was moved to " + aside, null);
            }
        } else if (!allowDownload) {
            throw unavailable("it is not in the cache and downloading is off", null);
        }
        try {
            Downloader.defaults().withProgress(ImagenetWeights::logProgress)
                    .download(url, target, md5 == null ? Optional.empty() : Optional.of(Checksum.md5(md5)));
        } catch (IOException e) {
            throw unavailable("the download failed: " + e.getMessage(), e);
        }
        // the Downloader has checked the MD5: hashing 58 MB again would add nothing, the size is what is left
        try {
            long actual = Files.size(target);
            if (size != UNKNOWN_SIZE && actual != size) {
                throw unavailable("the downloaded file " + target + " does not match: size " + actual
                        + " bytes, expected " + size, null);
            }
        } catch (IOException e) {
            throw new WeightsException("Cannot read downloaded weights " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    /** Logs a download's progress every 10 %. */
    private static void logProgress(String file, long done, OptionalLong total) {
        if (total.isPresent() && total.getAsLong() > 0) {
            long step = Math.max(1, total.getAsLong() / 10);
            if (done == total.getAsLong() || done / step != (done - Math.min(done, 1 << 16)) / step) {
                LOG.info(String.format(Locale.ROOT, "  %s: %.1f / %.1f MB", file, done / 1e6, total.getAsLong() / 1e6));
            }
        }
    }

    private WeightsUnavailableException unavailable(String why, Throwable cause) {
        String facts = (size == UNKNOWN_SIZE ? "" : String.format(Locale.ROOT, "%,d bytes, ", size))
                + (md5 == null ? "no MD5 pinned by Keras" : "MD5 " + md5);
        String message = "ImageNet weights are not available: " + why + ". Download " + url + " (" + facts
                + ") and put it at " + cachedFile().toAbsolutePath()
                + " (or set -D" + CACHE_PROPERTY + " / " + CACHE_ENV + " to the folder that holds it, or name the file"
                + " with WeightsSource.file / --weights FILE).";
        return new WeightsUnavailableException(message, cause);
    }

    @Override
    public String toString() {
        return "ImagenetWeights[" + url + " -> " + cachedFile() + "]";
    }
}
