package org.transfer4j.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A test-only Hadoop file system for {@code s3t://bucket/key} with an object store's semantics, kept in a local folder
 * ({@code fs.s3t.root}): no real directories (a "directory" is a prefix of some object: {@code mkdirs} does nothing, an
 * emptied prefix disappears), an object becomes visible when its writer closes (as S3A uploads on close), and
 * {@code rename} is a copy then a delete, visible while it copies. {@link #crashRenameOnto} makes the next rename onto
 * a matching key stop half-way through the copy, as a killed process would leave it.
 */
public final class ObjectStoreFileSystem extends FileSystem {
    /** Renames onto keys this accepts stop half-way (then the predicate is reset). */
    static volatile Predicate<String> crashRenameOnto = key -> false;
    /** Renames that were cut short. */
    static final AtomicInteger CRASHES = new AtomicInteger();

    private URI uri;
    private Path root;
    private final RawLocalFileSystem local = new RawLocalFileSystem();
    private org.apache.hadoop.fs.Path workingDirectory;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        uri = URI.create(name.getScheme() + "://" + name.getAuthority());
        String dir = conf.get("fs.s3t.root");
        if (dir == null) {
            throw new IOException("fs.s3t.root is not set");
        }
        root = Path.of(dir).resolve(name.getAuthority());
        Files.createDirectories(root);
        local.initialize(URI.create("file:///"), conf);
        workingDirectory = new org.apache.hadoop.fs.Path(uri.toString() + "/");
    }

    @Override
    public String getScheme() {
        return "s3t";
    }

    @Override
    public URI getUri() {
        return uri;
    }

    private Path file(org.apache.hadoop.fs.Path p) {
        String key = makeQualified(p).toUri().getPath();
        return root.resolve(key.startsWith("/") ? key.substring(1) : key);
    }

    private static boolean hasObjects(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.walk(dir)) {
            return s.anyMatch(Files::isRegularFile);
        }
    }

    @Override
    public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
        Path file = file(f);
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException(f.toString());
        }
        return local.open(new org.apache.hadoop.fs.Path(file.toUri()), bufferSize);
    }

    @Override
    public FSDataOutputStream create(org.apache.hadoop.fs.Path f, FsPermission permission, boolean overwrite,
            int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
        Path target = file(f);
        if (!overwrite && Files.exists(target)) {
            throw new IOException(f + " exists");
        }
        Path upload = Files.createTempFile(root.getParent(), ".upload-", ".tmp");
        OutputStream out = Files.newOutputStream(upload);
        OutputStream visibleOnClose = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.close();
                Files.createDirectories(target.getParent());
                Files.move(upload, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        };
        return new FSDataOutputStream(visibleOnClose, statistics);
    }

    @Override
    public FSDataOutputStream append(org.apache.hadoop.fs.Path f, int bufferSize, Progressable progress)
            throws IOException {
        throw new IOException("append is not supported by an object store");
    }

    @Override
    public boolean rename(org.apache.hadoop.fs.Path src, org.apache.hadoop.fs.Path dst) throws IOException {
        Path from = file(src);
        Path to = file(dst);
        if (!Files.isRegularFile(from) || Files.exists(to)) {
            return false;
        }
        Files.createDirectories(to.getParent());
        byte[] bytes = Files.readAllBytes(from);
        boolean crash = crashRenameOnto.test(makeQualified(dst).toUri().getPath());
        try (OutputStream out = Files.newOutputStream(to)) { // the copy is visible while it is written
            if (crash) {
                crashRenameOnto = key -> false;
                CRASHES.incrementAndGet();
                out.write(bytes, 0, bytes.length / 2);
                throw new IOException("Injected crash copying " + src + " to " + dst + " half-way");
            }
            out.write(bytes);
        }
        delete(src, false);
        return true;
    }

    @Override
    public boolean delete(org.apache.hadoop.fs.Path f, boolean recursive) throws IOException {
        Path target = file(f);
        boolean deleted;
        if (Files.isRegularFile(target)) {
            deleted = Files.deleteIfExists(target);
        } else if (hasObjects(target)) {
            if (!recursive) {
                throw new IOException(f + " is not empty");
            }
            List<Path> all;
            try (var s = Files.walk(target)) {
                all = s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
            }
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
            deleted = true;
        } else {
            deleted = false;
        }
        // no empty prefixes: remove emptied parent folders up to the bucket
        for (Path p = target.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isDirectory(p) && !hasObjects(p)) {
                try (var s = Files.walk(p)) {
                    for (Path q : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            }
        }
        return deleted;
    }

    @Override
    public FileStatus[] listStatus(org.apache.hadoop.fs.Path f) throws IOException {
        Path dir = file(f);
        org.apache.hadoop.fs.Path q = makeQualified(f);
        if (Files.isRegularFile(dir)) {
            return new FileStatus[] {getFileStatus(q)};
        }
        if (!hasObjects(dir)) {
            throw new FileNotFoundException(f.toString());
        }
        List<FileStatus> list = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isRegularFile(p) || hasObjects(p)) {
                    list.add(getFileStatus(new org.apache.hadoop.fs.Path(q, p.getFileName().toString())));
                }
            }
        }
        return list.toArray(new FileStatus[0]);
    }

    @Override
    public void setWorkingDirectory(org.apache.hadoop.fs.Path dir) {
        workingDirectory = makeQualified(dir);
    }

    @Override
    public org.apache.hadoop.fs.Path getWorkingDirectory() {
        return workingDirectory;
    }

    @Override
    public boolean mkdirs(org.apache.hadoop.fs.Path f, FsPermission permission) {
        return true; // no directories in an object store
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws IOException {
        Path p = file(f);
        org.apache.hadoop.fs.Path q = makeQualified(f);
        if (Files.isRegularFile(p)) {
            return new FileStatus(Files.size(p), false, 1, 32 << 20, Files.getLastModifiedTime(p).toMillis(), q);
        }
        if (p.equals(root) || hasObjects(p)) {
            return new FileStatus(0, true, 1, 0, 0, q);
        }
        throw new FileNotFoundException(f.toString());
    }

    /** Bytes of an object, for assertions. */
    static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
