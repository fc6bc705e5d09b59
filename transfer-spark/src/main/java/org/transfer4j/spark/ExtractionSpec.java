package org.transfer4j.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

import org.transfer4j.Precision;
import org.transfer4j.data.BadImagePolicy;
import org.transfer4j.data.Interpolation;
import org.transfer4j.model.Bases;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Preprocessing;
import org.transfer4j.model.WeightsSource;

/**
 * What a Spark extraction runs, in a form that travels to the executors: a base ({@code vgg16}, {@code vgg19},
 * {@code resnet50}, {@code mobilenet_v2}) at an input size, its weights ({@code imagenet}, {@code random} seeded by
 * {@code seed}, or a Keras h5 / DL4J zip file), preprocessing, cut layer, batch and shard sizes, the bad-image policy,
 * the resize filter and the precision of the base's arithmetic. {@code ExtractionSpec.of("resnet50", 150, 150)} gives
 * the defaults of {@code transfer4j extract --base resnet50}: the base's own preprocessing, features where
 * {@code TransferPipeline} cuts it (after the base's default pooling, {@link ConvBase#defaultPooling()}: VGG's
 * {@code block5_pool} feature maps, which the head flattens; ResNet50's {@code avg_pool} and MobileNetV2's
 * {@code global_average_pooling2d}, Keras's {@code pooling='avg'}), fp32. So the single-machine
 * {@code transfer4j extract} and {@code train} keys equal Spark's, and {@code train --features} takes its caches.
 *
 * @param base          the base's name, as {@link Bases#of} takes it
 * @param height        input height
 * @param width         input width
 * @param weights       {@code imagenet}, {@code random}, or a file the driver can read (shipped to executors)
 * @param seed          seed of {@code random} weights
 * @param preprocessing {@code caffe}, {@code tf} or {@code rescale}
 * @param cutLayer      last layer run
 * @param batchSize     images per forward pass
 * @param shardSize     images per shard (one Spark task each)
 * @param onBadImage    FAIL stops the job naming the image; SKIP reports it
 * @param interpolation resize filter
 * @param precision     {@code FP32} (the default) or {@code BF16}; {@code AUTO} is resolved where the spec is made (the
 *                      driver). {@code BF16} is checked where it runs: on the executors, which fail the job naming
 *                      their CPU if they cannot run it (a cluster's executors may be other CPUs than the driver's)
 */
public record ExtractionSpec(String base, int height, int width, String weights, long seed, String preprocessing,
        String cutLayer, int batchSize, int shardSize, BadImagePolicy onBadImage, Interpolation interpolation,
        Precision precision) implements Serializable {

    private static final long serialVersionUID = 3L;

    public ExtractionSpec {
        Objects.requireNonNull(base, "base");
        if (!Bases.NAMES.contains(base)) {
            // an unknown name fails naming the known ones; another spelling (MobileNetV2) becomes the base's name
            base = Bases.of(base, height, width, WeightsSource.random(seed)).name();
        }
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(cutLayer, "cutLayer");
        Objects.requireNonNull(onBadImage, "onBadImage");
        Objects.requireNonNull(interpolation, "interpolation");
        Objects.requireNonNull(precision, "precision");
        if (precision == Precision.AUTO) {
            precision = Precision.AUTO.resolve(); // on the driver: the executors get FP32 or BF16, never AUTO
        }
        Preprocessing.of(preprocessing);
        if (batchSize < 1 || shardSize < 1) {
            throw new IllegalArgumentException("batch size and shard size must be >= 1; got " + batchSize + " and "
                    + shardSize);
        }
    }

    /** VGG16 at {@code height × width} with ImageNet weights, caffe preprocessing, cut after block5_pool, batch 20,
     * 500 images per shard, FAIL on bad images, nearest resize. */
    public static ExtractionSpec vgg16(int height, int width) {
        return of("vgg16", height, width);
    }

    /**
     * Base {@code base} at {@code height × width} with ImageNet weights, the base's preprocessing ({@code caffe} for
     * VGG and ResNet50, {@code tf} for MobileNetV2), cut after its default pooling ({@code block5_pool} in VGG,
     * {@code avg_pool} in ResNet50, {@code global_average_pooling2d} in MobileNetV2), batch 20, 500 images per shard,
     * FAIL on bad images, nearest resize, fp32: what {@code transfer4j extract --base NAME} does on one machine.
     *
     * @throws IllegalArgumentException for an unknown base (naming the known ones) or a too small input
     */
    public static ExtractionSpec of(String base, int height, int width) {
        ConvBase b = Bases.of(base, height, width, WeightsSource.random(42));
        return new ExtractionSpec(b.name(), height, width, "imagenet", 42, b.preprocessing().id(),
                b.withPooling(b.defaultPooling()).lastLayer().name(), 20, 500, BadImagePolicy.FAIL, Interpolation.NEAREST, Precision.FP32);
    }

    public ExtractionSpec weights(String weights, long seed) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, batchSize, shardSize,
                onBadImage, interpolation, precision);
    }

    public ExtractionSpec preprocessing(String id) {
        return new ExtractionSpec(base, height, width, weights, seed, id, cutLayer, batchSize, shardSize, onBadImage,
                interpolation, precision);
    }

    public ExtractionSpec cutLayer(String layer) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, layer, batchSize, shardSize,
                onBadImage, interpolation, precision);
    }

    public ExtractionSpec batchSize(int n) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, n, shardSize, onBadImage,
                interpolation, precision);
    }

    public ExtractionSpec shardSize(int n) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, batchSize, n, onBadImage,
                interpolation, precision);
    }

    public ExtractionSpec onBadImage(BadImagePolicy policy) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, batchSize, shardSize,
                policy, interpolation, precision);
    }

    public ExtractionSpec interpolation(Interpolation filter) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, batchSize, shardSize,
                onBadImage, filter, precision);
    }

    /**
     * The same extraction computing in {@code p}: {@code FP32}, {@code BF16}, or {@code AUTO}, resolved here (on the
     * driver) to what this CPU runs. The executors run the resolved precision; where they cannot run {@code BF16}
     * (another CPU than the driver's), the job fails saying so. The precision is part of the cache key, as on one
     * machine: shards of another precision are extracted again.
     */
    public ExtractionSpec precision(Precision p) {
        return new ExtractionSpec(base, height, width, weights, seed, preprocessing, cutLayer, batchSize, shardSize,
                onBadImage, interpolation, p);
    }

    /** Whether the weights come from a file (shipped to the executors with the job). */
    boolean weightsFromFile() {
        String w = weights.toLowerCase(Locale.ROOT);
        return !w.equals("random");
    }

    /**
     * The conv base with its default pooling (as a pipeline has it), its weights read from {@code weightsFile} when
     * given (an executor's copy of the shipped file), else from the spec.
     */
    ConvBase base(Path weightsFile) {
        WeightsSource source;
        if (weightsFile != null) {
            source = WeightsSource.file(weightsFile);
        } else {
            source = switch (weights.toLowerCase(Locale.ROOT)) {
                case "imagenet" -> WeightsSource.imagenet();
                case "random" -> WeightsSource.random(seed);
                default -> WeightsSource.file(Path.of(weights));
            };
        }
        ConvBase b = Bases.of(base, height, width, source).withPreprocessing(Preprocessing.of(preprocessing));
        return b.withPooling(b.defaultPooling()); // every layer, and the pooling layer a pipeline cuts after
    }
}
