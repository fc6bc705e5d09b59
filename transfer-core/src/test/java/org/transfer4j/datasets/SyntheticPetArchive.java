package org.transfer4j.datasets;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.transfer4j.io.AtomicFiles;

/**
 * Writes a small zip archive in the layout of Kaggle's dogs-vs-cats {@code train.zip} or Microsoft's
 * PetImages download, made of tiny generated JPEGs, optionally with damaged images and hostile entries. For
 * tests and for trying {@code transfer4j datasets cats-and-dogs} without the real 800 MB download.
 *
 * <p>Images of each class have ids {@code 0 … imagesPerClass-1}; entries are written in lexicographic name
 * order ({@code cat.0, cat.1, cat.10, cat.11, cat.2 …}), as in the real archives, so a builder that sorted
 * names instead of ids would pick the wrong files. Each image's content is a deterministic function of its
 * class and id, so tests can tell images apart. A {@code readme.txt} entry is added to be ignored.
 *
 * <p>Immutable and thread-safe; {@code with…} methods return new instances.
 *
 * @param layout         the archive layout
 * @param imagesPerClass images per class, ≥ 0
 * @param damaged        images to damage
 * @param hostileEntries whether to add entries a safe extractor must reject: {@code ../} and absolute paths
 *                       and a symbolic link, all named like images of the layout (ids from
 *                       {@code imagesPerClass} up)
 */
public record SyntheticPetArchive(ArchiveLayout layout, int imagesPerClass, List<Damaged> damaged,
                                  boolean hostileEntries) {

    /** Ways to damage an image. */
    public enum Damage {
        /** A zero-byte file. */
        EMPTY,
        /** The first 60% of a valid JPEG (a download cut short). */
        TRUNCATED,
        /** A PNG with a .jpg name. */
        NOT_JPEG,
        /** JPEG start and end markers around random bytes. */
        GARBLED
    }

    /**
     * An image to damage.
     *
     * @param pet    its class
     * @param id     its id
     * @param damage how
     */
    public record Damaged(Pet pet, long id, Damage damage) {
    }

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException if {@code imagesPerClass < 0} or a value is null
     */
    public SyntheticPetArchive {
        if (layout == null || damaged == null) {
            throw new IllegalArgumentException("layout and damaged must not be null");
        }
        if (imagesPerClass < 0) {
            throw new IllegalArgumentException("imagesPerClass must be >= 0; got " + imagesPerClass);
        }
        damaged = List.copyOf(damaged);
    }

    /** An archive of intact images only. */
    public static SyntheticPetArchive of(ArchiveLayout layout, int imagesPerClass) {
        return new SyntheticPetArchive(layout, imagesPerClass, List.of(), false);
    }

    /** A copy in which image {@code id} of {@code pet} is damaged. */
    public SyntheticPetArchive withDamage(Pet pet, long id, Damage damage) {
        List<Damaged> d = new ArrayList<>(damaged);
        d.add(new Damaged(pet, id, damage));
        return new SyntheticPetArchive(layout, imagesPerClass, d, hostileEntries);
    }

    /** A copy with hostile entries. */
    public SyntheticPetArchive withHostileEntries() {
        return new SyntheticPetArchive(layout, imagesPerClass, damaged, true);
    }

    /**
     * Writes the archive (to a temp file beside it, then renamed).
     *
     * @return {@code zip}
     * @throws IOException if it cannot be written
     */
    public Path writeTo(Path zip) throws IOException {
        TreeMap<String, byte[]> entries = new TreeMap<>();
        for (Pet pet : Pet.values()) {
            for (long id = 0; id < imagesPerClass; id++) {
                entries.put(layout.entryName(pet, id), content(pet, id));
            }
        }
        Path abs = zip.toAbsolutePath();
        Path tmp = AtomicFiles.tempBeside(abs, false);
        try {
            try (OutputStream os = Files.newOutputStream(tmp); ZipArchiveOutputStream z = new ZipArchiveOutputStream(os)) {
                String top = layout == ArchiveLayout.KAGGLE ? "train/" : "PetImages/";
                z.putArchiveEntry(new ZipArchiveEntry(top));
                z.closeArchiveEntry();
                for (var e : entries.entrySet()) {
                    put(z, e.getKey(), e.getValue());
                }
                put(z, "readme.txt", "Synthetic cats and dogs for transfer4j tests.\n".getBytes(StandardCharsets.UTF_8));
                if (hostileEntries) {
                    long id = imagesPerClass;
                    put(z, "../" + layout.entryName(Pet.CAT, id), image(Pet.CAT, id));
                    put(z, "/tmp/" + layout.entryName(Pet.CAT, id + 1), image(Pet.CAT, id + 1));
                    ZipArchiveEntry link = new ZipArchiveEntry(layout.entryName(Pet.DOG, id));
                    link.setUnixMode(0120777);
                    z.putArchiveEntry(link);
                    z.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
                    z.closeArchiveEntry();
                }
            }
            AtomicFiles.commit(tmp, abs);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return zip;
    }

    private static void put(ZipArchiveOutputStream z, String name, byte[] data) throws IOException {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setTime(0L); // same bytes on every run
        z.putArchiveEntry(e);
        z.write(data);
        z.closeArchiveEntry();
    }

    /** The bytes stored for an image: the intact JPEG or its damaged form. */
    public byte[] content(Pet pet, long id) {
        for (Damaged d : damaged) {
            if (d.pet == pet && d.id == id) {
                return damage(pet, id, d.damage);
            }
        }
        return image(pet, id);
    }

    private static byte[] damage(Pet pet, long id, Damage how) {
        byte[] good = image(pet, id);
        return switch (how) {
            case EMPTY -> new byte[0];
            case TRUNCATED -> java.util.Arrays.copyOf(good, good.length * 6 / 10);
            case NOT_JPEG -> encode(picture(pet, id), "png");
            case GARBLED -> {
                byte[] b = new byte[good.length];
                new Random(id).nextBytes(b);
                b[0] = (byte) 0xFF;
                b[1] = (byte) 0xD8;
                b[2] = (byte) 0xFF;
                b[b.length - 2] = (byte) 0xFF;
                b[b.length - 1] = (byte) 0xD9;
                yield b;
            }
        };
    }

    /** A tiny intact JPEG (24×16) whose colours depend on the class and id. */
    public static byte[] image(Pet pet, long id) {
        return encode(picture(pet, id), "jpeg");
    }

    private static BufferedImage picture(Pet pet, long id) {
        BufferedImage img = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        int base = pet == Pet.CAT ? 0xC04020 : 0x2040C0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                int v = (int) ((x * 7 + y * 3 + id * 13) & 0x3F);
                img.setRGB(x, y, base + (v << 8));
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("No ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
