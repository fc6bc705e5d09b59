package org.transfer4j.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * The cat and dog images of a zip archive in one of the known layouts, by numeric id, with unsafe entries
 * (absolute paths, {@code ..} segments, symbolic links) rejected before their names are even matched.
 * Not thread-safe; read entries from one thread.
 */
final class PetArchive implements AutoCloseable {

    /** Entries larger than this are not read (a guard against zip bombs); real photos are far smaller. */
    static final long MAX_ENTRY_BYTES = 64L << 20;

    private static final Pattern KAGGLE = Pattern.compile("(?:^|.*/)train/(cat|dog)\\.(\\d{1,18})\\.jpe?g",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern MICROSOFT = Pattern.compile("(?:^|.*/)PetImages/(Cat|Dog)/(\\d{1,18})\\.jpe?g",
            Pattern.CASE_INSENSITIVE);

    private final Path file;
    private final ZipFile zip;
    private final ArchiveLayout layout;
    private final Map<Pet, TreeMap<Long, ZipArchiveEntry>> images;
    private final List<SkippedFile> rejected;
    private final int ignored;

    private PetArchive(Path file, ZipFile zip, ArchiveLayout layout, Map<Pet, TreeMap<Long, ZipArchiveEntry>> images,
                       List<SkippedFile> rejected, int ignored) {
        this.file = file;
        this.zip = zip;
        this.layout = layout;
        this.images = images;
        this.rejected = rejected;
        this.ignored = ignored;
    }

    /**
     * Opens and scans a zip archive.
     *
     * @throws IOException if the file is not a readable zip or holds no cat/dog images in a known layout
     */
    static PetArchive open(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a readable zip archive: " + e.getMessage(), e);
        }
        try {
            Map<ArchiveLayout, Map<Pet, TreeMap<Long, ZipArchiveEntry>>> found = new EnumMap<>(ArchiveLayout.class);
            for (ArchiveLayout l : ArchiveLayout.values()) {
                Map<Pet, TreeMap<Long, ZipArchiveEntry>> m = new EnumMap<>(Pet.class);
                for (Pet p : Pet.values()) {
                    m.put(p, new TreeMap<>());
                }
                found.put(l, m);
            }
            List<SkippedFile> rejected = new ArrayList<>();
            List<String> firstNames = new ArrayList<>();
            String nestedZip = null;
            int others = 0;
            for (Enumeration<ZipArchiveEntry> en = zip.getEntriesInPhysicalOrder(); en.hasMoreElements(); ) {
                ZipArchiveEntry e = en.nextElement();
                String name = e.getName();
                if (firstNames.size() < 5) {
                    firstNames.add(name);
                }
                Optional<String> unsafe = unsafe(name);
                if (unsafe.isPresent()) {
                    rejected.add(new SkippedFile(name, unsafe.get()));
                    continue;
                }
                if (e.isUnixSymlink()) {
                    rejected.add(new SkippedFile(name, "is a symbolic link"));
                    continue;
                }
                if (e.isDirectory()) {
                    others++;
                    continue;
                }
                if (name.toLowerCase(Locale.ROOT).endsWith("train.zip")) {
                    nestedZip = name;
                }
                Matcher k = KAGGLE.matcher(name);
                Matcher m = MICROSOFT.matcher(name);
                ArchiveLayout l;
                Matcher hit;
                if (k.matches()) {
                    l = ArchiveLayout.KAGGLE;
                    hit = k;
                } else if (m.matches()) {
                    l = ArchiveLayout.MICROSOFT;
                    hit = m;
                } else {
                    others++;
                    continue;
                }
                Pet pet = hit.group(1).equalsIgnoreCase("cat") ? Pet.CAT : Pet.DOG;
                long id = Long.parseLong(hit.group(2));
                ZipArchiveEntry previous = found.get(l).get(pet).putIfAbsent(id, e);
                if (previous != null) {
                    rejected.add(new SkippedFile(name, "duplicate of " + previous.getName()));
                }
            }
            int kaggle = size(found.get(ArchiveLayout.KAGGLE));
            int microsoft = size(found.get(ArchiveLayout.MICROSOFT));
            if (kaggle == 0 && microsoft == 0) {
                String hint = nestedZip != null ? " It contains " + nestedZip + ": extract that file and pass it "
                        + "instead." : "";
                throw new IOException(file + " holds no cat or dog images in a known layout; expected entries like "
                        + ArchiveLayout.KAGGLE.entryName(Pet.CAT, 0) + " (Kaggle dogs-vs-cats train.zip) or "
                        + ArchiveLayout.MICROSOFT.entryName(Pet.CAT, 0) + " (Microsoft PetImages). First entries: "
                        + firstNames + "." + hint);
            }
            ArchiveLayout layout = kaggle >= microsoft ? ArchiveLayout.KAGGLE : ArchiveLayout.MICROSOFT;
            others += Math.min(kaggle, microsoft);
            return new PetArchive(file, zip, layout, found.get(layout), Collections.unmodifiableList(rejected),
                    others);
        } catch (IOException | RuntimeException e) {
            try {
                zip.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** Why an entry name is unsafe to extract, if it is: absolute, or with a {@code ..} segment. */
    static Optional<String> unsafe(String name) {
        String n = name.replace('\\', '/');
        if (n.startsWith("/") || n.matches("^[A-Za-z]:.*")) {
            return Optional.of("absolute path: would be written outside the target directory");
        }
        if (n.indexOf('\0') >= 0) {
            return Optional.of("name contains a NUL character");
        }
        for (String segment : n.split("/")) {
            if (segment.equals("..")) {
                return Optional.of("path escapes the target directory ('..')");
            }
        }
        return Optional.empty();
    }

    private static int size(Map<Pet, TreeMap<Long, ZipArchiveEntry>> m) {
        return m.values().stream().mapToInt(Map::size).sum();
    }

    Path file() {
        return file;
    }

    ArchiveLayout layout() {
        return layout;
    }

    /** The images of a class by numeric id, ascending. */
    TreeMap<Long, ZipArchiveEntry> images(Pet pet) {
        return images.get(pet);
    }

    List<SkippedFile> rejected() {
        return rejected;
    }

    int ignoredEntries() {
        return ignored;
    }

    /**
     * Reads an entry whole.
     *
     * @throws IOException if it cannot be read (bad compression, CRC error) or exceeds {@link #MAX_ENTRY_BYTES}
     */
    byte[] read(ZipArchiveEntry e) throws IOException {
        if (e.getSize() > MAX_ENTRY_BYTES) {
            throw new IOException("entry is " + e.getSize() + " bytes, more than the " + MAX_ENTRY_BYTES
                    + " accepted");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) MAX_ENTRY_BYTES + 1);
            if (b.length > MAX_ENTRY_BYTES) {
                throw new IOException("entry is more than " + MAX_ENTRY_BYTES + " bytes");
            }
            return b;
        }
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
