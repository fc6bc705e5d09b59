package org.transfer4j.plots;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.transfer4j.io.History;

/**
 * The two curves the book draws for every training run: accuracy and loss.
 *
 * <p>Each metric knows the Keras {@code history.history} keys it may appear under (training key, and the validation
 * key {@code "val_" + training key}) and the titles and legend labels of the book's figures (listing 5.19 and, smoothed,
 * listing 5.24). Keras before 2.3 names accuracy {@code acc}; Keras 2.3+ names it {@code accuracy}; both are accepted.
 *
 * <p>Immutable and thread-safe.
 */
public enum Metric {
    /** Accuracy: keys {@code acc}/{@code val_acc} or {@code accuracy}/{@code val_accuracy}. */
    ACCURACY(List.of("acc", "accuracy"), "accuracy", "acc", "Accuracy", "accuracy"),
    /** Loss: keys {@code loss}/{@code val_loss}. */
    LOSS(List.of("loss"), "loss", "loss", "Loss", "loss");

    private final List<String> trainingKeys;
    private final String titleWord;
    private final String legendWord;
    private final String axisTitle;
    private final String fileBaseName;

    Metric(List<String> trainingKeys, String titleWord, String legendWord, String axisTitle, String fileBaseName) {
        this.trainingKeys = trainingKeys;
        this.titleWord = titleWord;
        this.legendWord = legendWord;
        this.axisTitle = axisTitle;
        this.fileBaseName = fileBaseName;
    }

    /** The history keys this metric's training series may have, in order of preference (e.g. acc, accuracy). */
    public List<String> trainingKeys() {
        return trainingKeys;
    }

    /** The history key of the validation series that goes with a training key: {@code "val_" + trainingKey}. */
    public static String validationKeyOf(String trainingKey) {
        return "val_" + trainingKey;
    }

    /**
     * The book's chart title: "Training and validation accuracy", or "Training accuracy" without validation data.
     *
     * @param withValidation whether a validation series is drawn
     */
    public String title(boolean withValidation) {
        return (withValidation ? "Training and validation " : "Training ") + titleWord;
    }

    /** The book's legend label of the training series: "Training acc" or, smoothed, "Smoothed training acc". */
    public String trainingLabel(boolean smoothed) {
        return (smoothed ? "Smoothed training " : "Training ") + legendWord;
    }

    /** The book's legend label of the validation series: "Validation acc" or "Smoothed validation acc". */
    public String validationLabel(boolean smoothed) {
        return (smoothed ? "Smoothed validation " : "Validation ") + legendWord;
    }

    /** The y axis title: "Accuracy" or "Loss". */
    public String axisTitle() {
        return axisTitle;
    }

    /** Base name of this metric's chart files: {@code accuracy} or {@code loss}. */
    public String fileBaseName() {
        return fileBaseName;
    }

    /**
     * The key of this metric's training series in {@code history}, e.g. {@code acc} or {@code accuracy}.
     *
     * @throws IllegalArgumentException if there is none, or both {@code acc} and {@code accuracy} are present
     */
    public String trainingKey(History history) {
        List<String> found = new ArrayList<>();
        for (String key : trainingKeys()) {
            if (history.contains(key)) {
                found.add(key);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("history has no " + name().toLowerCase(Locale.ROOT)
                    + " series: expected key " + String.join(" or ", quoted(trainingKeys()))
                    + "; keys are " + history.names());
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("history has both " + String.join(" and ", quoted(found))
                    + "; which one is the " + name().toLowerCase(Locale.ROOT)
                    + " is ambiguous: keep one");
        }
        return found.get(0);
    }

    /**
     * The key of this metric's validation series in {@code history} ({@code "val_" + training key}), or empty if the
     * history has training data only.
     *
     * @throws IllegalArgumentException if {@link #trainingKey(History)} does, or the validation key does not match the
     *                                  training key's naming (e.g. {@code acc} with {@code val_accuracy})
     */
    public Optional<String> validationKey(History history) {
        String training = trainingKey(history);
        String validation = Metric.validationKeyOf(training);
        if (history.contains(validation)) {
            return Optional.of(validation);
        }
        for (String other : trainingKeys()) {
            String otherValidation = Metric.validationKeyOf(other);
            if (history.contains(otherValidation)) {
                throw new IllegalArgumentException("history pairs training key '" + training + "' with '"
                        + otherValidation + "'; expected '" + validation + "'");
            }
        }
        return Optional.empty();
    }

    private static List<String> quoted(List<String> keys) {
        return keys.stream().map(k -> "'" + k + "'").toList();
    }
}
