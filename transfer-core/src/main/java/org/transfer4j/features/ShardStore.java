package org.transfer4j.features;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.transfer4j.io.AtomicFiles;

/**
 * Where a {@link ShardedFeatureCache}'s files live: a local folder ({@link #local}), or another file system such as
 * HDFS or an object store ({@code transfer-spark} stores on any Hadoop file system). Files are named relative to the
 * cache's root, {@code /}-separated ({@code manifest.json}, {@code shards/shard-00000.json}).
 *
 * <p>The cache's commit protocol asks two things of a store, and nothing of its rename: {@link #upload} may make a
 * file visible before it is whole (a shard's {@code .npy} files have unique names that no manifest names until they
 * are whole), and {@link #commit} writes a manifest, the commit point, so that readers see the old content, the new
 * content, or — on a store whose rename copies and may be interrupted — an unparseable prefix of the new one, which
 * counts as not committed. A shard is trusted only when its manifest parses and its {@code .npy} files have exactly the
 * sizes and headers the manifest implies, so a half-copied file is never read as features.
 *
 * <p>Implementations must be safe for concurrent use on distinct files.
 */
public interface ShardStore {

    /** The local folder of a cache on the local file system, if this store is one (readers of rows need it). */
    Optional<Path> localDirectory();

    /** {@code file} as a user would find it: a path or a URI, for messages. */
    String describe(String file);

    /** Names of the files (not folders) directly in {@code folder} ({@code ""}: the root); empty if it is absent. */
    List<String> list(String folder) throws IOException;

    /** Whether {@code file} exists. */
    boolean exists(String file) throws IOException;

    /**
     * The size of {@code file} in bytes.
     *
     * @throws IOException if it does not exist (naming it)
     */
    long length(String file) throws IOException;

    /**
     * Reads {@code file}.
     *
     * @throws IOException if it does not exist (naming it)
     */
    InputStream open(String file) throws IOException;

    /** Copies the local file {@code from} to {@code file}, which no manifest names yet; replaces an existing one. */
    void upload(Path from, String file) throws IOException;

    /** Writes a manifest (a commit point): readers never take a part of {@code content} for the whole (see above). */
    void commit(String file, byte[] content) throws IOException;

    /** Deletes {@code file} if it exists. */
    void delete(String file) throws IOException;

    /** The store of a cache in the local folder {@code directory}: atomic renames, file locks for updates. */
    static ShardStore local(Path directory) {
        return new Local(directory);
    }

    /** {@link #local}: java.nio on a folder. */
    record Local(Path directory) implements ShardStore {
        @Override
        public Optional<Path> localDirectory() {
            return Optional.of(directory);
        }

        private Path path(String file) {
            return file.isEmpty() ? directory : directory.resolve(file);
        }

        @Override
        public String describe(String file) {
            return path(file).toString();
        }

        @Override
        public List<String> list(String folder) throws IOException {
            List<String> names = new ArrayList<>();
            Path dir = path(folder);
            if (!Files.isDirectory(dir)) {
                return names;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path p : files) {
                    if (Files.isRegularFile(p)) {
                        names.add(p.getFileName().toString());
                    }
                }
            }
            return names;
        }

        @Override
        public boolean exists(String file) {
            return Files.isRegularFile(path(file));
        }

        @Override
        public long length(String file) throws IOException {
            return Files.size(path(file));
        }

        @Override
        public InputStream open(String file) throws IOException {
            return Files.newInputStream(path(file));
        }

        @Override
        public void upload(Path from, String file) throws IOException {
            Path target = path(file);
            Files.createDirectories(target.getParent());
            Path tmp = AtomicFiles.tempBeside(target);
            try {
                Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
                AtomicFiles.commit(tmp, target);
            } catch (IOException | RuntimeException e) {
                AtomicFiles.discard(tmp, e);
                throw e;
            }
        }

        @Override
        public void commit(String file, byte[] content) throws IOException {
            Path target = path(file);
            Files.createDirectories(target.getParent());
            AtomicFiles.write(target, o -> o.write(content));
        }

        @Override
        public void delete(String file) throws IOException {
            Files.deleteIfExists(path(file));
        }

        @Override
        public String toString() {
            return directory.toString();
        }
    }
}
