package org.transfer4j.datasets;

/** The source archives {@link CatsAndDogsSmall} understands. */
public enum ArchiveLayout {
    /** Kaggle's dogs-vs-cats competition {@code train.zip}: entries {@code train/cat.0.jpg}, {@code train/dog.0.jpg}. */
    KAGGLE("Kaggle dogs-vs-cats train.zip (train/cat.N.jpg)"),
    /** Microsoft's Kaggle Cats and Dogs download: entries {@code PetImages/Cat/0.jpg}, {@code PetImages/Dog/0.jpg}. */
    MICROSOFT("Microsoft PetImages (PetImages/Cat/N.jpg)");

    private final String description;

    ArchiveLayout(String description) {
        this.description = description;
    }

    /** A human-readable description with an example entry. */
    public String description() {
        return description;
    }

    /** The archive entry name of an image in this layout. */
    public String entryName(Pet pet, long id) {
        return switch (this) {
            case KAGGLE -> "train/" + pet.prefix() + "." + id + ".jpg";
            case MICROSOFT -> "PetImages/" + pet.petImagesFolder() + "/" + id + ".jpg";
        };
    }
}
