package org.transfer4j.datasets;

/** The two classes of the cats-and-dogs datasets, with their folder and file names in the book's tree. */
public enum Pet {
    /** Cats: {@code cats/cat.N.jpg}; Kaggle {@code train/cat.N.jpg}; Microsoft {@code PetImages/Cat/N.jpg}. */
    CAT("cats", "cat", "Cat"),
    /** Dogs: {@code dogs/dog.N.jpg}; Kaggle {@code train/dog.N.jpg}; Microsoft {@code PetImages/Dog/N.jpg}. */
    DOG("dogs", "dog", "Dog");

    private final String folder;
    private final String prefix;
    private final String petImagesFolder;

    Pet(String folder, String prefix, String petImagesFolder) {
        this.folder = folder;
        this.prefix = prefix;
        this.petImagesFolder = petImagesFolder;
    }

    /** The class folder in the book's tree: {@code cats} or {@code dogs}. */
    public String folder() {
        return folder;
    }

    /** The file-name prefix: {@code cat} or {@code dog}. */
    public String prefix() {
        return prefix;
    }

    /** The folder in Microsoft's PetImages archive: {@code Cat} or {@code Dog}. */
    public String petImagesFolder() {
        return petImagesFolder;
    }
}
