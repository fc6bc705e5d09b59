package org.transfer4j.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.transfer4j.Precision;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.ImageFolder;
import org.transfer4j.data.Interpolation;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.ImagenetWeights;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.Bases;
import org.transfer4j.model.WeightsSource;
import picocli.CommandLine.Option;

/** Model and data options shared by extract, train, fine-tune and quickstart. */
final class ModelOptions {

    @Option(names = "--base", paramLabel = "vgg16|vgg19|resnet50|mobilenet_v2", defaultValue = "vgg16",
            description = "The pretrained conv base (Keras's layer names and notop weights). Default: ${DEFAULT-VALUE}.")
    String base = "vgg16";

    @Option(names = "--weights", paramLabel = "FILE|imagenet|random", defaultValue = "imagenet",
            description = "Base weights: 'imagenet' (cache dir, else download of Keras's notop h5), a Keras h5 or "
                    + "DL4J zoo zip FILE, or 'random' (He-normal, seeded by --seed). Default: ${DEFAULT-VALUE}.")
    String weights;

    @Option(names = "--input", paramLabel = "SIZE", defaultValue = "150",
            description = "Input size fed to the base: H (square) or HxW. Default: ${DEFAULT-VALUE}.")
    String input;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "20", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--preprocess", paramLabel = "caffe|rescale|tf",
            description = "Input preprocessing: 'caffe' (what VGG and ResNet50's ImageNet weights expect: BGR, mean "
                    + "subtracted), 'tf' (MobileNetV2's: scaled to [-1, 1]) or 'rescale' (the book's 1/255). "
                    + "Default: the base's.")
    String preprocess;

    @Option(names = "--on-bad-image", paramLabel = "fail|skip", defaultValue = "fail",
            description = "What a corrupt or unreadable image does: stop naming it, or skip and report it. "
                    + "Default: ${DEFAULT-VALUE}.")
    String onBadImage;

    @Option(names = "--interpolation", paramLabel = "nearest|bilinear|bicubic", defaultValue = "nearest",
            description = "Resize filter (Keras's default is nearest). Default: ${DEFAULT-VALUE}.")
    String interpolation;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of shuffles, dropout, head initialisation, augmentation and random weights. "
                    + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--precision", paramLabel = "fp32|bf16|auto", defaultValue = "fp32",
            description = "Arithmetic of the frozen base and of the conv layers fine-tuning trains (fp32 master "
                    + "weights either way): 'fp32', 'bf16' (about twice as fast on CPUs with AVX512-BF16 or AMX; "
                    + "features within 2e-2 of fp32; an error elsewhere) or 'auto' (bf16 where the CPU has it). Part of "
                    + "the feature-cache key. Default: ${DEFAULT-VALUE}.")
    String precision;

    /** The precision asked for; AUTO is resolved, and what it chose is said once, where the base first runs. */
    Precision precision() {
        try {
            return Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--precision " + precision + ": expected fp32, bf16 or auto");
        }
    }

    /** One line saying which precision runs, e.g. {@code Precision: bf16 (auto: the CPU has AVX512-BF16)}. */
    String precisionLine() {
        Precision asked = precision();
        Precision runs = asked.resolve();
        return "Precision: " + runs.cliName() + (asked == Precision.AUTO
                ? (runs == Precision.BF16 ? " (auto: the CPU has bf16)" : " (auto: the CPU has no bf16)") : "");
    }

    /** The conv base these options describe. */
    ConvBase base() {
        int[] hw = CliSupport.parseSize(input);
        ConvBase b = Bases.of(base, hw[0], hw[1], weightsSource());
        return preprocess == null ? b : b.withPreprocessing(Preprocessing.of(preprocess));
    }

    WeightsSource weightsSource() {
        return switch (weights.toLowerCase(Locale.ROOT)) {
            case "imagenet" -> WeightsSource.imagenet();
            case "random" -> WeightsSource.random(seed);
            default -> {
                Path file = Path.of(weights);
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("--weights " + weights + ": no such file (or use imagenet / random)");
                }
                yield WeightsSource.file(file);
            }
        };
    }

    /**
     * Image folder spec with these options (size and colour mode are set by the pipeline; batch size and seed are
     * the pipeline's too).
     */
    ImageFolder folder(Path dir) {
        return ImageFolder.of(dir).onBadImage(policy()).interpolation(interpolationValue());
    }

    BadImagePolicy policy() {
        return switch (onBadImage.toLowerCase(Locale.ROOT)) {
            case "fail" -> BadImagePolicy.FAIL;
            case "skip" -> BadImagePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-bad-image " + onBadImage + ": expected fail or skip");
        };
    }

    Interpolation interpolationValue() {
        for (Interpolation i : Interpolation.values()) {
            if (i.name().equalsIgnoreCase(interpolation)) {
                return i;
            }
        }
        throw new IllegalArgumentException("--interpolation " + interpolation + ": expected nearest, bilinear or bicubic");
    }

    /** One line saying where ImageNet weights would be put by hand. */
    static String imagenetHint() {
        return imagenetHint("vgg16");
    }

    /** One line saying where base {@code base}'s ImageNet weights would be put by hand. */
    static String imagenetHint(String base) {
        ImagenetWeights w = ImagenetWeights.of(base);
        return "put " + w.url() + (w.md5() == null ? "" : " (MD5 " + w.md5() + ")") + " at " + w.cachedFile().toAbsolutePath()
                + ", or pass --weights FILE";
    }
}
