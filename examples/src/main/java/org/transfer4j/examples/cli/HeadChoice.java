package org.transfer4j.examples.cli;

import java.io.IOException;
import java.util.List;

import org.transfer4j.Head;
import org.transfer4j.data.BadImageException;
import org.transfer4j.data.FolderListing;
import org.transfer4j.data.ImageFolder;

/**
 * The head a training command uses, and the run-header line that says which and why. Without {@code --head}, the
 * book's hidden layers ({@code dense(256).dropout(0.5)} for approach 1, {@code dense(256)} for approaches 2 and 3)
 * end with the output layer the training folder's class count calls for: {@code sigmoid()} for 2 classes,
 * {@code softmax(N)} for more, as a Keras user writes {@code Dense(N, activation='softmax')}. A {@code --head}
 * without an output layer ({@code dense(512).dropout(0.3)}) is completed the same way.
 *
 * @param head   the complete head
 * @param header e.g. {@code Head: dense(256).dropout(0.5).softmax(3) (default: 3 classes in DIR/train (a, b, c):
 *               softmax(3) with categorical cross-entropy; --head to change)}
 */
record HeadChoice(Head head, String header) {

    static HeadChoice of(String dsl, String defaultTrunk, ImageFolder train) throws IOException, BadImageException {
        FolderListing listing = train.list();
        return of(dsl, defaultTrunk, listing.classNames(), train.directory().toString());
    }

    /** The head for {@code classNames} found in {@code where} (an image folder or a feature set). */
    static HeadChoice of(String dsl, String defaultTrunk, List<String> classNames, String where) {
        int k = classNames.size();
        String classes = k + " classes in " + where + " (" + String.join(", ", classNames) + ")";
        if (dsl == null) {
            Head head = Head.parse(defaultTrunk).output(k);
            return new HeadChoice(head, "Head: " + head + " (default: the book's " + defaultTrunk + ", then for "
                    + Head.outputReason(k).replaceFirst("^\\d+ classes", classes) + "; --head to change)");
        }
        Head given = Head.parse(dsl);
        if (given.isComplete()) {
            return new HeadChoice(given, "Head: " + given + " (--head; " + classes + ")");
        }
        Head head = given.output(k);
        return new HeadChoice(head, "Head: " + head + " (--head " + dsl + ", completed for "
                + Head.outputReason(k).replaceFirst("^\\d+ classes", classes) + ")");
    }
}
