package org.transfer4j.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.transfer4j.features.ShardStore;

/**
 * A sharded feature cache on a Hadoop file system (HDFS, S3A, any {@code fs.<scheme>.impl} of the job's Hadoop
 * configuration).
 *
 * <p>Commit protocol: a shard's {@code .npy} files are written straight to their unique names (no manifest names
 * them yet: on HDFS a reader could see them half-written, on S3A they appear when whole); a manifest is written to a
 * temporary name and renamed onto its own. Hadoop's rename does not replace, so an existing manifest is deleted first:
 * on HDFS the rename is atomic and readers see the old manifest, none, or the new one; on an object store (S3A) the
 * rename is a copy then a delete, and a copy cut short leaves a prefix of the manifest, which does not parse and so
 * counts as not committed ({@link ShardStore}); a shard is trusted only when its {@code .npy} files have exactly the
 * sizes and headers its manifest implies.
 *
 * <p>Thread-safe (Hadoop's {@code FileSystem} is).
 */
final class HadoopShardStore implements ShardStore {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FileSystem fs;
    private final org.apache.hadoop.fs.Path root;

    private HadoopShardStore(FileSystem fs, org.apache.hadoop.fs.Path root) {
        this.fs = fs;
        this.root = root;
    }

    /**
     * The store of {@code location}: a local folder ({@link ShardStore#local}) for a path or a {@code file:} URI, else
     * the Hadoop file system of its scheme.
     */
    static ShardStore of(String location, Configuration conf) throws IOException {
        URI uri = SparkExtraction.uri(location);
        if (uri.getScheme() == null || uri.getScheme().equals("file")) {
            return ShardStore.local((uri.getScheme() == null ? Path.of(location) : Path.of(uri)).toAbsolutePath());
        }
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = root.getFileSystem(conf);
        return new HadoopShardStore(fs, fs.makeQualified(root));
    }

    /** {@code conf} as bytes, to travel to the executors (a {@code Configuration} is not {@code Serializable}). */
    static byte[] serialize(Configuration conf) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            conf.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The configuration {@link #serialize} wrote. */
    static Configuration deserialize(byte[] bytes) {
        Configuration conf = new Configuration(false);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            conf.readFields(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return conf;
    }

    private org.apache.hadoop.fs.Path path(String file) {
        return file.isEmpty() ? root : new org.apache.hadoop.fs.Path(root, file);
    }

    @Override
    public Optional<Path> localDirectory() {
        return Optional.empty();
    }

    @Override
    public String describe(String file) {
        return path(file).toString();
    }

    @Override
    public List<String> list(String folder) throws IOException {
        List<String> names = new ArrayList<>();
        try {
            for (FileStatus s : fs.listStatus(path(folder))) {
                if (s.isFile()) {
                    names.add(s.getPath().getName());
                }
            }
        } catch (FileNotFoundException e) {
            return names;
        }
        return names;
    }

    @Override
    public boolean exists(String file) throws IOException {
        try {
            return fs.getFileStatus(path(file)).isFile();
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    @Override
    public long length(String file) throws IOException {
        return fs.getFileStatus(path(file)).getLen();
    }

    @Override
    public InputStream open(String file) throws IOException {
        return fs.open(path(file));
    }

    @Override
    public void upload(Path from, String file) throws IOException {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(from.toUri()), path(file));
    }

    @Override
    public void commit(String file, byte[] content) throws IOException {
        org.apache.hadoop.fs.Path target = path(file);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                "." + target.getName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(content);
            }
            fs.delete(target, false); // Hadoop's rename does not replace
            if (!fs.rename(tmp, target)) {
                throw new IOException("Could not rename " + tmp + " to " + target);
            }
        } catch (IOException | RuntimeException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
    }

    @Override
    public void delete(String file) throws IOException {
        fs.delete(path(file), false);
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
