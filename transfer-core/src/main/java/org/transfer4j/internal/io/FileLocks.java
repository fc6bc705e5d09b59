package org.transfer4j.internal.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exclusive locks on files, across threads and processes: the one lock used by the feature cache, the weights cache
 * and the downloader. A lock is an empty file left in place ({@code <name>.lock}); holding it means holding a
 * {@link FileLock} on it (which serialises processes) and a {@link ReentrantLock} for it (which serialises threads of
 * this JVM, since the operating system grants a file lock to a process, not to a thread, and Java refuses a second
 * one on the same file in the same JVM).
 *
 * <p>Why there is process-wide state here: the JVM holds at most one {@code FileLock} per file, so whoever wants a lock
 * on a file must go through the same table; this class is that table, and nothing else keeps lock state. Entries are
 * per lock file and are never removed (one small object per lock file the process ever used).
 *
 * <p>Reentrant: a thread that holds a lock and asks for it again (a weights download inside a weights resolution)
 * gets it at once; the file lock is released when the outermost holder closes. Thread-safe.
 */
public final class FileLocks {
    private static final Logger LOG = LoggerFactory.getLogger(FileLocks.class);
    private static final ConcurrentHashMap<Path, Entry> LOCKS = new ConcurrentHashMap<>();

    private FileLocks() {
    }

    /** A held lock; close to release it. */
    public static final class Held implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Held(Entry entry) {
            this.entry = entry;
        }

        /** Releases this hold; the file lock goes with the outermost one. Idempotent. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (entry.local.getHoldCount() == 1 && entry.channel != null) {
                    FileChannel channel = entry.channel;
                    entry.channel = null;
                    channel.close(); // releases the file lock
                }
            } finally {
                entry.local.unlock();
            }
        }
    }

    private static final class Entry {
        final Path file;
        final ReentrantLock local = new ReentrantLock();
        /** Guarded by the entry's monitor. */
        int waiting;
        /** Set and read by the thread holding {@link #local}. */
        FileChannel channel;

        Entry(Path file) {
            this.file = file;
        }

        synchronized void waitingChanged(int delta) {
            waiting += delta;
            notifyAll();
        }

        synchronized boolean awaitWaiting(int count, long deadlineNanos) throws InterruptedException {
            while (waiting < count) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    private static Entry entry(Path lockFile) {
        return LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), Entry::new);
    }

    /**
     * Takes the lock on {@code lockFile} (created if missing, with its parent folders), waiting for other threads
     * and processes that hold it. A wait is logged once, naming {@code what} is being waited for.
     *
     * @param what for the log line, e.g. {@code "the feature cache /data/cache"}
     * @throws IOException naming the lock file if it cannot be created or locked; nothing is held then
     */
    public static Held acquire(Path lockFile, String what) throws IOException {
        Entry e = entry(lockFile);
        if (!e.local.tryLock()) {
            e.waitingChanged(1);
            LOG.info("Waiting for another thread using {} (lock {})", what, e.file);
            try {
                e.local.lock();
            } finally {
                e.waitingChanged(-1);
            }
        }
        if (e.local.getHoldCount() > 1) {
            return new Held(e);
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(e.file.getParent());
            channel = FileChannel.open(e.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                e.waitingChanged(1);
                LOG.info("Waiting for another process using {} (lock {})", what, e.file);
                try {
                    channel.lock();
                } finally {
                    e.waitingChanged(-1);
                }
            }
            e.channel = channel;
            return new Held(e);
        } catch (IOException | RuntimeException ex) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException c) {
                    ex.addSuppressed(c);
                }
            }
            e.local.unlock();
            if (ex instanceof IOException io) {
                throw new IOException("cannot take the lock " + e.file + " on " + what + ": " + io, io);
            }
            throw ex;
        }
    }

    /**
     * How many threads of this JVM are waiting for the lock on {@code lockFile} right now (held by another thread or
     * by another process). For diagnostics and tests.
     */
    public static int waiting(Path lockFile) {
        Entry e = entry(lockFile);
        synchronized (e) {
            return e.waiting;
        }
    }

    /**
     * Blocks until at least {@code count} threads of this JVM wait for the lock on {@code lockFile}, or the timeout
     * passes. Lets a test hold a lock until its rivals are known to be queued behind it.
     *
     * @return whether that many were waiting before the timeout
     */
    public static boolean awaitWaiting(Path lockFile, int count, Duration timeout) throws InterruptedException {
        return entry(lockFile).awaitWaiting(count, System.nanoTime() + timeout.toNanos());
    }
}
