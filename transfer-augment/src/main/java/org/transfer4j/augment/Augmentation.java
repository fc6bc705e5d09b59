package org.transfer4j.augment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * An immutable random-augmentation spec mirroring Keras's {@code ImageDataGenerator} arguments, with the same
 * sampling ({@code get_random_transform}), transform ({@code apply_transform}) and standardisation
 * ({@code standardize}, {@code fit}) semantics, verified against keras_preprocessing 1.1.0 golden fixtures.
 *
 * <pre>{@code
 * Augmentation aug = Augmentation.keras().rotation(40).widthShift(0.2).heightShift(0.2)
 *         .shear(0.2).zoom(0.2).horizontalFlip(true).fillMode(FillMode.NEAREST).seed(42);
 * RandomTransform t = aug.randomTransform(150, 150, epoch, index);   // sample (loggable, replayable)
 * HwcImage out = aug.applyTransform(image, t);                       // apply
 * }</pre>
 *
 * <p><b>Shear unit.</b> Current Keras reads {@code shear_range} in DEGREES ({@code shear(0.2)} = ±0.2°, practically
 * nothing); the book was written when Keras read it in radians (0.2 rad ≈ 11.5°). {@link #shear(double)} follows
 * current Keras; {@link #shearRadians(double)} gives the book-era reading. {@link #book()} is the book's generator
 * with current-Keras semantics.
 *
 * <p><b>Randomness.</b> Nothing reads global random state. {@link #randomTransform(int, int, RandomGenerator)}
 * draws from the generator you pass; {@link #randomTransform(int, int, long, long)} derives an independent
 * generator from ({@link #seed()}, epoch, index) by SplitMix64 mixing, so a whole epoch is reproducible whatever the
 * number of threads or the batch order. The distributions equal Keras's (quirks included: {@code tx} from
 * {@code height_shift_range} scaled by the rows, two independent zoom draws, integer shift ranges drawn as
 * {@code choice(n) * ±1}); the individual draws do not reproduce numpy's MT19937 stream.
 *
 * <p><b>Deliberate differences from Keras:</b> featurewise standardisation without fitted statistics throws
 * {@link IllegalStateException} (Keras warns and skips); out-of-range parameters that Keras silently accepts
 * (negative ranges, zoom ≤ 0) are rejected; {@code zca_whitening} and {@code preprocessing_function} are not
 * supported.
 *
 * <p>Immutable and thread-safe: every fluent step returns a new value.
 */
public final class Augmentation {

    private static final double EPSILON = 1e-6;
    private static final Set<String> KERAS_ARGUMENTS = Set.of("featurewise_center", "samplewise_center",
            "featurewise_std_normalization", "samplewise_std_normalization", "zca_whitening", "rotation_range",
            "width_shift_range", "height_shift_range", "brightness_range", "shear_range", "zoom_range",
            "channel_shift_range", "fill_mode", "cval", "horizontal_flip", "vertical_flip", "rescale",
            "preprocessing_function", "data_format", "interpolation_order", "dtype", "validation_split");

    private final double rotationRange;
    private final ShiftRange widthShift;
    private final ShiftRange heightShift;
    private final double shearRange;
    private final ShearUnit shearUnit;
    private final double zoomLow;
    private final double zoomHigh;
    private final boolean horizontalFlip;
    private final boolean verticalFlip;
    private final FillMode fillMode;
    private final double cval;
    private final double channelShiftRange;
    private final boolean brightnessEnabled;
    private final double brightnessLow;
    private final double brightnessHigh;
    private final double rescale;
    private final InterpolationOrder interpolation;
    private final boolean samplewiseCenter;
    private final boolean samplewiseStdNormalization;
    private final boolean featurewiseCenter;
    private final boolean featurewiseStdNormalization;
    private final FeaturewiseStats featurewiseStats;
    private final long seed;

    private Augmentation(Fields f) {
        rotationRange = f.rotationRange;
        widthShift = f.widthShift;
        heightShift = f.heightShift;
        shearRange = f.shearRange;
        shearUnit = f.shearUnit;
        zoomLow = f.zoomLow;
        zoomHigh = f.zoomHigh;
        horizontalFlip = f.horizontalFlip;
        verticalFlip = f.verticalFlip;
        fillMode = f.fillMode;
        cval = f.cval;
        channelShiftRange = f.channelShiftRange;
        brightnessEnabled = f.brightnessEnabled;
        brightnessLow = f.brightnessLow;
        brightnessHigh = f.brightnessHigh;
        rescale = f.rescale;
        interpolation = f.interpolation;
        samplewiseCenter = f.samplewiseCenter;
        samplewiseStdNormalization = f.samplewiseStdNormalization;
        featurewiseCenter = f.featurewiseCenter;
        featurewiseStdNormalization = f.featurewiseStdNormalization;
        featurewiseStats = f.featurewiseStats;
        seed = f.seed;
    }

    /**
     * {@code ImageDataGenerator()} with Keras's defaults: no random transform, {@code fill_mode='nearest'},
     * {@code cval=0}, bilinear interpolation, no rescale, no standardisation; seed 0.
     */
    public static Augmentation keras() {
        return new Augmentation(new Fields());
    }

    /**
     * The generator of Deep Learning with Python, section 5.3 ({@code rotation_range=40, width_shift_range=0.2,
     * height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True, fill_mode='nearest'}), with
     * current Keras semantics: shear ±0.2 DEGREES. For the book-era ±0.2 rad use {@code book().shearRadians(0.2)}.
     * The book's {@code rescale=1./255} is not included: in transfer4j it is the model's preprocessing; add
     * {@code .rescale(1 / 255.0)} when you use the augmentation on its own.
     */
    public static Augmentation book() {
        return keras().rotation(40).widthShift(0.2).heightShift(0.2).shear(0.2).zoom(0.2).horizontalFlip(true)
                .fillMode(FillMode.NEAREST);
    }

    /**
     * A spec from Keras {@code ImageDataGenerator} keyword arguments (e.g. parsed from JSON or a Python call).
     * Numbers keep Keras's int/float distinction for the shift ranges ({@code Integer 2} vs {@code Double 2.0});
     * lists are {@link List}s of numbers; {@code shear_range} is read in degrees, as current Keras does.
     *
     * @throws IllegalArgumentException for an unknown or unsupported argument, a value of the wrong type or out of
     *                                  range
     */
    public static Augmentation fromKerasArguments(Map<String, ?> kwargs) {
        Augmentation a = keras();
        for (Map.Entry<String, ?> e : kwargs.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (!KERAS_ARGUMENTS.contains(key)) {
                throw new IllegalArgumentException("Unknown ImageDataGenerator argument '" + key + "'; known: "
                        + KERAS_ARGUMENTS);
            }
            a = switch (key) {
                case "featurewise_center" -> a.featurewiseCenter(bool(key, v));
                case "samplewise_center" -> a.samplewiseCenter(bool(key, v));
                case "featurewise_std_normalization" -> a.featurewiseStdNormalization(bool(key, v));
                case "samplewise_std_normalization" -> a.samplewiseStdNormalization(bool(key, v));
                case "zca_whitening" -> {
                    if (bool(key, v)) {
                        throw new IllegalArgumentException("zca_whitening is not supported; accepted: False");
                    }
                    yield a;
                }
                case "rotation_range" -> a.rotation(num(key, v));
                case "width_shift_range" -> a.widthShift(shift(key, v));
                case "height_shift_range" -> a.heightShift(shift(key, v));
                case "brightness_range" -> {
                    if (v == null) {
                        yield a.noBrightness();
                    }
                    double[] r = pair(key, v);
                    yield a.brightness(r[0], r[1]);
                }
                case "shear_range" -> a.shear(num(key, v));
                case "zoom_range" -> {
                    if (v instanceof List<?>) {
                        double[] r = pair(key, v);
                        yield a.zoom(r[0], r[1]);
                    }
                    yield a.zoom(num(key, v));
                }
                case "channel_shift_range" -> a.channelShift(num(key, v));
                case "fill_mode" -> a.fillMode(FillMode.fromKeras(String.valueOf(v)));
                case "cval" -> a.cval(num(key, v));
                case "horizontal_flip" -> a.horizontalFlip(bool(key, v));
                case "vertical_flip" -> a.verticalFlip(bool(key, v));
                case "rescale" -> a.rescale(v == null ? 0 : num(key, v));
                case "interpolation_order" -> a.interpolationOrder(InterpolationOrder.fromOrder((int) num(key, v)));
                case "preprocessing_function" -> {
                    if (v != null) {
                        throw new IllegalArgumentException("preprocessing_function is not supported; accepted: None");
                    }
                    yield a;
                }
                case "data_format" -> {
                    if (v != null && !"channels_last".equals(v)) {
                        throw new IllegalArgumentException("data_format must be 'channels_last' (HWC); got '" + v + "'");
                    }
                    yield a;
                }
                case "dtype" -> {
                    if (v != null && !"float32".equals(v)) {
                        throw new IllegalArgumentException("dtype must be 'float32'; got '" + v + "'");
                    }
                    yield a;
                }
                case "validation_split" -> {
                    if (v != null && num(key, v) != 0) {
                        throw new IllegalArgumentException("validation_split belongs to the image folder (transfer-core), "
                                + "not to the augmentation; accepted here: 0");
                    }
                    yield a;
                }
                default -> throw new AssertionError(key);
            };
        }
        return a;
    }

    /**
     * The spec as Keras {@code ImageDataGenerator} keyword arguments (for logs and provenance). The shear range is
     * given in degrees, converted if the spec reads it in radians; the seed is not a Keras argument and is left out.
     */
    public Map<String, Object> toKerasArguments() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("featurewise_center", featurewiseCenter);
        m.put("samplewise_center", samplewiseCenter);
        m.put("featurewise_std_normalization", featurewiseStdNormalization);
        m.put("samplewise_std_normalization", samplewiseStdNormalization);
        m.put("rotation_range", rotationRange);
        m.put("width_shift_range", widthShift.toKeras());
        m.put("height_shift_range", heightShift.toKeras());
        m.put("brightness_range", brightnessEnabled ? List.of(brightnessLow, brightnessHigh) : null);
        m.put("shear_range", shearUnit == ShearUnit.RADIANS ? Math.toDegrees(shearRange) : shearRange);
        m.put("zoom_range", List.of(zoomLow, zoomHigh));
        m.put("channel_shift_range", channelShiftRange);
        m.put("fill_mode", fillMode.kerasName());
        m.put("cval", cval);
        m.put("horizontal_flip", horizontalFlip);
        m.put("vertical_flip", verticalFlip);
        m.put("rescale", rescale == 0 ? null : rescale);
        m.put("interpolation_order", interpolation.order());
        m.put("data_format", "channels_last");
        return m;
    }

    // ---------------------------------------------------------------- fluent steps

    /**
     * {@code rotation_range}: theta = uniform(-degrees, degrees).
     *
     * @throws IllegalArgumentException unless {@code 0 <= degrees <= 360}
     */
    public Augmentation rotation(double degrees) {
        if (!(degrees >= 0 && degrees <= 360)) {
            throw new IllegalArgumentException("rotation_range must be in [0, 360] degrees; got " + degrees);
        }
        return with(f -> f.rotationRange = degrees);
    }

    /**
     * {@code width_shift_range} as a Python float: a fraction of the width if {@code < 1}, pixels if {@code >= 1};
     * sets {@code ty} (columns).
     *
     * @throws IllegalArgumentException if {@code range} is negative or not finite
     */
    public Augmentation widthShift(double range) {
        return widthShift(rangeOf("width_shift_range", () -> ShiftRange.uniform(range)));
    }

    /**
     * {@code width_shift_range} as a Python int: {@code choice(n) * ±1} whole pixels.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public Augmentation widthShift(int n) {
        return widthShift(rangeOf("width_shift_range", () -> ShiftRange.integer(n)));
    }

    /**
     * {@code width_shift_range} as a Python list: a random element times ±1, scaled by the width if all are
     * {@code < 1}.
     *
     * @throws IllegalArgumentException if {@code values} is empty or not finite
     */
    public Augmentation widthShiftChoices(double... values) {
        return widthShift(rangeOf("width_shift_range", () -> ShiftRange.choices(values)));
    }

    /**
     * {@code width_shift_range} as a Python list of ints: a random element times ±1 whole pixels.
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public Augmentation widthShiftChoices(int... values) {
        return widthShift(rangeOf("width_shift_range", () -> ShiftRange.choices(values)));
    }

    /** {@code width_shift_range} as a {@link ShiftRange}. */
    public Augmentation widthShift(ShiftRange range) {
        Objects.requireNonNull(range, "width_shift_range");
        return with(f -> f.widthShift = range);
    }

    /**
     * {@code height_shift_range} as a Python float (see {@link #widthShift(double)}); sets {@code tx} (rows).
     *
     * @throws IllegalArgumentException if {@code range} is negative or not finite
     */
    public Augmentation heightShift(double range) {
        return heightShift(rangeOf("height_shift_range", () -> ShiftRange.uniform(range)));
    }

    /**
     * {@code height_shift_range} as a Python int (see {@link #widthShift(int)}).
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public Augmentation heightShift(int n) {
        return heightShift(rangeOf("height_shift_range", () -> ShiftRange.integer(n)));
    }

    /**
     * {@code height_shift_range} as a Python list (see {@link #widthShiftChoices(double...)}).
     *
     * @throws IllegalArgumentException if {@code values} is empty or not finite
     */
    public Augmentation heightShiftChoices(double... values) {
        return heightShift(rangeOf("height_shift_range", () -> ShiftRange.choices(values)));
    }

    /**
     * {@code height_shift_range} as a Python list of ints (see {@link #widthShiftChoices(int...)}).
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public Augmentation heightShiftChoices(int... values) {
        return heightShift(rangeOf("height_shift_range", () -> ShiftRange.choices(values)));
    }

    /** {@code height_shift_range} as a {@link ShiftRange}. */
    public Augmentation heightShift(ShiftRange range) {
        Objects.requireNonNull(range, "height_shift_range");
        return with(f -> f.heightShift = range);
    }

    /**
     * {@code shear_range} in DEGREES, as current Keras reads it: shear = uniform(-degrees, degrees) degrees. The
     * book's 0.2 therefore means ±0.2°; see {@link #shearRadians(double)}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= degrees < 90}
     */
    public Augmentation shear(double degrees) {
        if (!(degrees >= 0 && degrees < 90)) {
            throw new IllegalArgumentException("shear_range must be in [0, 90) degrees; got " + degrees);
        }
        return with(f -> {
            f.shearRange = degrees;
            f.shearUnit = ShearUnit.DEGREES;
        });
    }

    /**
     * {@code shear_range} in RADIANS, as Keras read it when Deep Learning with Python was written:
     * {@code shearRadians(0.2)} shears by up to ±0.2 rad ≈ ±11.46°.
     *
     * @throws IllegalArgumentException unless {@code 0 <= radians < pi/2}
     */
    public Augmentation shearRadians(double radians) {
        if (!(radians >= 0 && radians < Math.PI / 2)) {
            throw new IllegalArgumentException("shear_range must be in [0, pi/2) radians; got " + radians);
        }
        return with(f -> {
            f.shearRange = radians;
            f.shearUnit = ShearUnit.RADIANS;
        });
    }

    /**
     * {@code zoom_range} as a number z: zx and zy are two independent draws from uniform(1 - z, 1 + z); no draw
     * when z = 0.
     *
     * @throws IllegalArgumentException unless {@code 0 <= z < 1}
     */
    public Augmentation zoom(double z) {
        if (!(z >= 0 && z < 1)) {
            throw new IllegalArgumentException("zoom_range must be in [0, 1) as a number (or give [lo, hi]); got " + z);
        }
        return zoom(1 - z, 1 + z);
    }

    /**
     * {@code zoom_range=[low, high]}: zx and zy are two independent draws from uniform(low, high) (the aspect ratio
     * changes); values above 1 zoom out. No draw when both are 1.
     *
     * @throws IllegalArgumentException unless {@code 0 < low <= high} and both are finite
     */
    public Augmentation zoom(double low, double high) {
        if (!(low > 0 && low <= high && Double.isFinite(high))) {
            throw new IllegalArgumentException("zoom_range [lo, hi] must satisfy 0 < lo <= hi (finite); got ["
                    + low + ", " + high + "]");
        }
        return with(f -> {
            f.zoomLow = low;
            f.zoomHigh = high;
        });
    }

    /** {@code horizontal_flip}: reverse the columns with probability 1/2. */
    public Augmentation horizontalFlip(boolean enabled) {
        return with(f -> f.horizontalFlip = enabled);
    }

    /** {@code vertical_flip}: reverse the rows with probability 1/2. */
    public Augmentation verticalFlip(boolean enabled) {
        return with(f -> f.verticalFlip = enabled);
    }

    /** {@code fill_mode}: how points outside the input are filled (default {@link FillMode#NEAREST}). */
    public Augmentation fillMode(FillMode mode) {
        Objects.requireNonNull(mode, "fill_mode");
        return with(f -> f.fillMode = mode);
    }

    /**
     * {@code cval}: the fill value for {@link FillMode#CONSTANT}.
     *
     * @throws IllegalArgumentException if {@code value} is not finite
     */
    public Augmentation cval(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("cval must be a finite number; got " + value);
        }
        return with(f -> f.cval = value);
    }

    /**
     * {@code channel_shift_range}: add uniform(-range, range) to every value, clipped to the image's min/max.
     *
     * @throws IllegalArgumentException if {@code range} is negative or not finite
     */
    public Augmentation channelShift(double range) {
        if (!(range >= 0) || Double.isInfinite(range)) {
            throw new IllegalArgumentException("channel_shift_range must be a finite number >= 0; got " + range);
        }
        return with(f -> f.channelShiftRange = range);
    }

    /**
     * {@code brightness_range=(low, high)}: PIL brightness factor uniform(low, high). Note Keras's brightness stage
     * stretches the image to max 255 and quantises to integers even for factor 1; needs 1, 3 or 4 channels.
     *
     * @throws IllegalArgumentException unless {@code 0 <= low <= high} and both are finite
     */
    public Augmentation brightness(double low, double high) {
        if (!(low >= 0 && low <= high && Double.isFinite(high))) {
            throw new IllegalArgumentException("brightness_range (lo, hi) must satisfy 0 <= lo <= hi (finite); got ("
                    + low + ", " + high + ")");
        }
        return with(f -> {
            f.brightnessEnabled = true;
            f.brightnessLow = low;
            f.brightnessHigh = high;
        });
    }

    /** {@code brightness_range=None}. */
    public Augmentation noBrightness() {
        return with(f -> {
            f.brightnessEnabled = false;
            f.brightnessLow = 0;
            f.brightnessHigh = 0;
        });
    }

    /**
     * {@code rescale}: multiply by {@code (float) factor} in {@link #standardize}, after augmentation; 0 disables.
     *
     * @throws IllegalArgumentException if {@code factor} is not finite
     */
    public Augmentation rescale(double factor) {
        if (!Double.isFinite(factor)) {
            throw new IllegalArgumentException("rescale must be a finite number (0 = none); got " + factor);
        }
        return with(f -> f.rescale = factor);
    }

    /** {@code interpolation_order}: 0 nearest, 1 bilinear (default). */
    public Augmentation interpolationOrder(InterpolationOrder value) {
        Objects.requireNonNull(value, "interpolation");
        return with(f -> f.interpolation = value);
    }

    /** {@code samplewise_center}: subtract each image's mean (over all pixels and channels). */
    public Augmentation samplewiseCenter(boolean enabled) {
        return with(f -> f.samplewiseCenter = enabled);
    }

    /** {@code samplewise_std_normalization}: divide each image by its std + 1e-6; implies samplewise centring. */
    public Augmentation samplewiseStdNormalization(boolean enabled) {
        return with(f -> f.samplewiseStdNormalization = enabled);
    }

    /** {@code featurewise_center}: subtract the fitted per-channel mean; needs {@link #fit} first. */
    public Augmentation featurewiseCenter(boolean enabled) {
        return with(f -> f.featurewiseCenter = enabled);
    }

    /**
     * {@code featurewise_std_normalization}: divide by the fitted per-channel std + 1e-6; implies featurewise
     * centring (as in Keras); needs {@link #fit} first.
     */
    public Augmentation featurewiseStdNormalization(boolean enabled) {
        return with(f -> f.featurewiseStdNormalization = enabled);
    }

    /** The seed from which per-image random generators are derived (default 0). */
    public Augmentation seed(long value) {
        return with(f -> f.seed = value);
    }

    /**
     * Keras's {@code fit(x)}: a copy holding per-channel mean and std of {@code sample}, used by featurewise
     * standardisation. As in Keras, the images are taken as given ({@code rescale} is not applied to them).
     *
     * @throws IllegalArgumentException if the sample is empty or mixes channel counts
     */
    public Augmentation fit(Iterable<HwcImage> sample) {
        return withFeaturewiseStats(FeaturewiseStats.fit(sample));
    }

    /** A copy using the given (e.g. saved) featurewise statistics. */
    public Augmentation withFeaturewiseStats(FeaturewiseStats stats) {
        Objects.requireNonNull(stats, "stats");
        return with(f -> f.featurewiseStats = stats);
    }

    // ---------------------------------------------------------------- sampling

    /**
     * Keras's {@code get_random_transform(img_shape)}: draws one set of parameters for an image of the given size
     * from {@code rng}, in Keras's order (theta, tx, ty, shear, zx and zy, two flip coins that are always drawn,
     * channel shift, brightness).
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public RandomTransform randomTransform(int height, int width, RandomGenerator rng) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be >= 1x1; got " + height + "x" + width);
        }
        double theta = rotationRange != 0 ? uniform(rng, -rotationRange, rotationRange) : 0;
        double tx = heightShift.sample(rng, height);
        double ty = widthShift.sample(rng, width);
        double shear = 0;
        if (shearRange != 0) {
            shear = uniform(rng, -shearRange, shearRange);
            if (shearUnit == ShearUnit.RADIANS) {
                shear = Math.toDegrees(shear);
            }
        }
        double zx = 1;
        double zy = 1;
        if (!(zoomLow == 1 && zoomHigh == 1)) {
            zx = uniform(rng, zoomLow, zoomHigh);
            zy = uniform(rng, zoomLow, zoomHigh);
        }
        boolean coinH = rng.nextDouble() < 0.5;
        boolean coinV = rng.nextDouble() < 0.5;
        OptionalDouble shift = channelShiftRange != 0
                ? OptionalDouble.of(uniform(rng, -channelShiftRange, channelShiftRange)) : OptionalDouble.empty();
        OptionalDouble bright = brightnessEnabled
                ? OptionalDouble.of(uniform(rng, brightnessLow, brightnessHigh)) : OptionalDouble.empty();
        return new RandomTransform(theta, tx, ty, shear, zx, zy, coinH && horizontalFlip, coinV && verticalFlip,
                shift, bright);
    }

    /**
     * The parameters for image {@code index} of epoch {@code epoch}: {@link #randomTransform(int, int,
     * RandomGenerator)} with a generator seeded by {@link #imageSeed(long, long)}. Deterministic, independent of
     * threads and of the order in which images are processed.
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public RandomTransform randomTransform(int height, int width, long epoch, long index) {
        return randomTransform(height, width, new SplittableRandom(imageSeed(epoch, index)));
    }

    /** The seed of image {@code index} in epoch {@code epoch}: SplitMix64 mixing of (seed, epoch, index). */
    public long imageSeed(long epoch, long index) {
        return Seeds.image(seed, epoch, index);
    }

    // ---------------------------------------------------------------- applying

    /**
     * Keras's {@code apply_transform(x, params)}: affine resampling (skipped when {@link RandomTransform#isAffine()}
     * is false), channel shift, horizontal flip, vertical flip, brightness, with this spec's fill mode, cval and
     * interpolation. Returns a new image; {@code x} is not modified.
     *
     * @throws IllegalArgumentException if the transform has a brightness and the image has 2 or more than 4
     *                                  channels
     */
    public HwcImage applyTransform(HwcImage x, RandomTransform t) {
        HwcImage out = HwcImage.zeros(x.height(), x.width(), x.channels());
        applyTransform(x, t, out.pixels(), 0);
        return out;
    }

    /**
     * {@link #applyTransform(HwcImage, RandomTransform)} writing into {@code dst} at {@code offset} (e.g. a slot of
     * an NHWC batch array) without allocating an image. {@code dst} may be {@code x}'s own pixel array (in place).
     *
     * @throws IllegalArgumentException if {@code dst} is too small, or for brightness on 2 or more than 4 channels
     */
    public void applyTransform(HwcImage x, RandomTransform t, float[] dst, int offset) {
        int h = x.height();
        int w = x.width();
        int c = x.channels();
        int len = x.size();
        checkSlot(dst, offset, len);
        if (t.brightness().isPresent()) {
            checkBrightnessChannels(c);
        }
        float[] src = x.pixels() == dst ? x.pixels().clone() : x.pixels();   // in place: read from a copy
        if (t.isAffine()) {
            Warp.affineFast(src, 0, h, w, c, topRows(t.matrix(h, w)), interpolation.order(),
                    Warp.mode(fillMode), cval, t.flipHorizontal(), t.flipVertical(), dst, offset);
        } else {
            Warp.copyFlipped(src, 0, h, w, c, t.flipHorizontal(), t.flipVertical(), dst, offset);
        }
        if (t.channelShiftIntensity().isPresent()) {
            Warp.channelShift(dst, offset, len, t.channelShiftIntensity().getAsDouble());
        }
        if (t.brightness().isPresent()) {
            Warp.brightness(dst, offset, len, c, t.brightness().getAsDouble());
        }
    }

    /**
     * Keras's {@code random_transform(x)}: {@link #applyTransform} of a fresh {@link #randomTransform(int, int,
     * RandomGenerator)}.
     */
    public HwcImage augment(HwcImage x, RandomGenerator rng) {
        return applyTransform(x, randomTransform(x.height(), x.width(), rng));
    }

    /** {@link #applyTransform} of {@link #randomTransform(int, int, long, long)}: deterministic per (epoch, index). */
    public HwcImage augment(HwcImage x, long epoch, long index) {
        return applyTransform(x, randomTransform(x.height(), x.width(), epoch, index));
    }

    // ---------------------------------------------------------------- standardisation

    /**
     * Keras's {@code standardize(x)} on a copy: {@code x *= (float) rescale} (if non-zero), samplewise centring and
     * std normalisation (over all pixels and channels of the image), then featurewise centring and std
     * normalisation with the fitted per-channel statistics; float32 arithmetic, means and stds summed in double.
     *
     * @throws IllegalStateException if featurewise standardisation is on and no statistics were fitted
     * @throws IllegalArgumentException if the fitted statistics have another channel count than {@code x}
     */
    public HwcImage standardize(HwcImage x) {
        HwcImage out = x.copy();
        standardize(out.pixels(), 0, x.height(), x.width(), x.channels());
        return out;
    }

    /**
     * {@link #standardize(HwcImage)} in place on the HWC image stored at {@code offset} in {@code data}.
     *
     * @throws IllegalStateException if featurewise standardisation is on and no statistics were fitted
     * @throws IllegalArgumentException if the slot does not fit or the statistics' channel count differs
     */
    public void standardize(float[] data, int offset, int height, int width, int channels) {
        int len = Math.multiplyExact(Math.multiplyExact(height, width), channels);
        checkSlot(data, offset, len);
        checkStandardizable(channels);
        int end = offset + len;
        if (rescale != 0) {
            float r = (float) rescale;
            for (int i = offset; i < end; i++) {
                data[i] *= r;
            }
        }
        if (samplewiseCenter || samplewiseStdNormalization) {
            double sum = 0;
            for (int i = offset; i < end; i++) {
                sum += data[i];
            }
            float mean = (float) (sum / len);
            for (int i = offset; i < end; i++) {
                data[i] -= mean;
            }
        }
        if (samplewiseStdNormalization) {
            double sum = 0;
            for (int i = offset; i < end; i++) {
                sum += data[i];
            }
            double mean = sum / len;
            double sq = 0;
            for (int i = offset; i < end; i++) {
                double d = data[i] - mean;
                sq += d * d;
            }
            float div = (float) Math.sqrt(sq / len) + (float) EPSILON;
            for (int i = offset; i < end; i++) {
                data[i] /= div;
            }
        }
        if (featurewiseCenter || featurewiseStdNormalization) {
            for (int i = offset; i < end; i++) {
                data[i] -= featurewiseStats.meanAt((i - offset) % channels);
            }
        }
        if (featurewiseStdNormalization) {
            float[] div = new float[channels];
            for (int k = 0; k < channels; k++) {
                div[k] = featurewiseStats.stdAt(k) + (float) EPSILON;
            }
            for (int i = offset; i < end; i++) {
                data[i] /= div[(i - offset) % channels];
            }
        }
    }

    /** Whether {@link #standardize} changes anything. */
    public boolean standardizes() {
        return rescale != 0 || samplewiseCenter || samplewiseStdNormalization || featurewiseCenter
                || featurewiseStdNormalization;
    }

    /**
     * Checks that {@link #standardize} can run on images with {@code channels} channels.
     *
     * @throws IllegalStateException if featurewise standardisation is on and no statistics were fitted
     * @throws IllegalArgumentException if the statistics' channel count differs
     */
    void checkStandardizable(int channels) {
        if (featurewiseCenter || featurewiseStdNormalization) {
            if (featurewiseStats == null) {
                throw new IllegalStateException("featurewise_center / featurewise_std_normalization need statistics: "
                        + "call fit(sample) or withFeaturewiseStats(...) first");
            }
            if (featurewiseStats.channels() != channels) {
                throw new IllegalArgumentException("featurewise statistics have " + featurewiseStats.channels()
                        + " channels; the image has " + channels);
            }
        }
    }

    // ---------------------------------------------------------------- accessors

    /** {@code rotation_range} in degrees. */
    public double rotationRange() {
        return rotationRange;
    }

    /** {@code width_shift_range} (columns, {@code ty}). */
    public ShiftRange widthShiftRange() {
        return widthShift;
    }

    /** {@code height_shift_range} (rows, {@code tx}). */
    public ShiftRange heightShiftRange() {
        return heightShift;
    }

    /** {@code shear_range}, in {@link #shearUnit()}. */
    public double shearRange() {
        return shearRange;
    }

    /** The unit {@link #shearRange()} is read in. */
    public ShearUnit shearUnit() {
        return shearUnit;
    }

    /** {@code zoom_range} as {@code [low, high]}. */
    public double[] zoomRange() {
        return new double[] {zoomLow, zoomHigh};
    }

    /** {@code horizontal_flip}. */
    public boolean horizontalFlip() {
        return horizontalFlip;
    }

    /** {@code vertical_flip}. */
    public boolean verticalFlip() {
        return verticalFlip;
    }

    /** {@code fill_mode}. */
    public FillMode fillMode() {
        return fillMode;
    }

    /** {@code cval}. */
    public double cval() {
        return cval;
    }

    /** {@code channel_shift_range}. */
    public double channelShiftRange() {
        return channelShiftRange;
    }

    /** {@code brightness_range} as {@code [low, high]}, or null when disabled. */
    public double[] brightnessRange() {
        return brightnessEnabled ? new double[] {brightnessLow, brightnessHigh} : null;
    }

    /** {@code rescale} (0 = none). */
    public double rescale() {
        return rescale;
    }

    /** {@code interpolation_order}. */
    public InterpolationOrder interpolationOrder() {
        return interpolation;
    }

    /** {@code samplewise_center} as set (std normalisation also centres). */
    public boolean samplewiseCenter() {
        return samplewiseCenter;
    }

    /** {@code samplewise_std_normalization}. */
    public boolean samplewiseStdNormalization() {
        return samplewiseStdNormalization;
    }

    /** {@code featurewise_center} as set (std normalisation also centres). */
    public boolean featurewiseCenter() {
        return featurewiseCenter;
    }

    /** {@code featurewise_std_normalization}. */
    public boolean featurewiseStdNormalization() {
        return featurewiseStdNormalization;
    }

    /** The fitted featurewise statistics, or null before {@link #fit}. */
    public FeaturewiseStats featurewiseStats() {
        return featurewiseStats;
    }

    /** The seed per-image generators are derived from. */
    public long seed() {
        return seed;
    }

    // ---------------------------------------------------------------- object

    @Override
    public boolean equals(Object o) {
        return o instanceof Augmentation a && fields().equals(a.fields());
    }

    @Override
    public int hashCode() {
        return fields().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Augmentation[");
        List<String> parts = new ArrayList<>();
        if (rotationRange != 0) {
            parts.add("rotation_range=" + rotationRange);
        }
        if (widthShift.isEnabled()) {
            parts.add("width_shift_range=" + widthShift);
        }
        if (heightShift.isEnabled()) {
            parts.add("height_shift_range=" + heightShift);
        }
        if (shearRange != 0) {
            parts.add("shear_range=" + shearRange + (shearUnit == ShearUnit.RADIANS ? " rad" : " deg"));
        }
        if (!(zoomLow == 1 && zoomHigh == 1)) {
            parts.add("zoom_range=[" + zoomLow + ", " + zoomHigh + "]");
        }
        if (horizontalFlip) {
            parts.add("horizontal_flip=True");
        }
        if (verticalFlip) {
            parts.add("vertical_flip=True");
        }
        if (channelShiftRange != 0) {
            parts.add("channel_shift_range=" + channelShiftRange);
        }
        if (brightnessEnabled) {
            parts.add("brightness_range=(" + brightnessLow + ", " + brightnessHigh + ")");
        }
        parts.add("fill_mode='" + fillMode.kerasName() + "'");
        if (cval != 0) {
            parts.add("cval=" + cval);
        }
        parts.add("interpolation_order=" + interpolation.order());
        if (rescale != 0) {
            parts.add("rescale=" + rescale);
        }
        if (samplewiseCenter) {
            parts.add("samplewise_center=True");
        }
        if (samplewiseStdNormalization) {
            parts.add("samplewise_std_normalization=True");
        }
        if (featurewiseCenter) {
            parts.add("featurewise_center=True");
        }
        if (featurewiseStdNormalization) {
            parts.add("featurewise_std_normalization=True");
        }
        if (featurewiseStats != null) {
            parts.add("stats=" + featurewiseStats);
        }
        parts.add("seed=" + seed);
        sb.append(String.join(", ", parts)).append(']');
        return sb.toString();
    }

    // ---------------------------------------------------------------- internals

    static double uniform(RandomGenerator rng, double low, double high) {
        return low + (high - low) * rng.nextDouble();
    }

    static double[] topRows(double[][] m) {
        return new double[] {m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2]};
    }

    private static void checkSlot(float[] dst, int offset, int len) {
        if (offset < 0 || (long) offset + len > dst.length) {
            throw new IllegalArgumentException("destination holds " + dst.length + " values; an image of " + len
                    + " values at offset " + offset + " does not fit");
        }
    }

    private static void checkBrightnessChannels(int c) {
        if (c != 1 && c != 3 && c != 4) {
            throw new IllegalArgumentException("brightness_range needs images with 1, 3 or 4 channels (PIL L, RGB, "
                    + "RGBA); got " + c);
        }
    }

    private interface Change {
        void apply(Fields f);
    }

    private Augmentation with(Change change) {
        Fields f = fields();
        change.apply(f);
        return new Augmentation(f);
    }

    private ShiftRange rangeOf(String name, Supplier<ShiftRange> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private Fields fields() {
        Fields f = new Fields();
        f.rotationRange = rotationRange;
        f.widthShift = widthShift;
        f.heightShift = heightShift;
        f.shearRange = shearRange;
        f.shearUnit = shearUnit;
        f.zoomLow = zoomLow;
        f.zoomHigh = zoomHigh;
        f.horizontalFlip = horizontalFlip;
        f.verticalFlip = verticalFlip;
        f.fillMode = fillMode;
        f.cval = cval;
        f.channelShiftRange = channelShiftRange;
        f.brightnessEnabled = brightnessEnabled;
        f.brightnessLow = brightnessLow;
        f.brightnessHigh = brightnessHigh;
        f.rescale = rescale;
        f.interpolation = interpolation;
        f.samplewiseCenter = samplewiseCenter;
        f.samplewiseStdNormalization = samplewiseStdNormalization;
        f.featurewiseCenter = featurewiseCenter;
        f.featurewiseStdNormalization = featurewiseStdNormalization;
        f.featurewiseStats = featurewiseStats;
        f.seed = seed;
        return f;
    }

    private static double num(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new IllegalArgumentException(key + " must be a number; got " + v);
    }

    private static boolean bool(String key, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        throw new IllegalArgumentException(key + " must be True or False; got " + v);
    }

    private static double[] pair(String key, Object v) {
        if (v instanceof List<?> list && list.size() == 2) {
            return new double[] {num(key, list.get(0)), num(key, list.get(1))};
        }
        throw new IllegalArgumentException(key + " must be a list of two numbers [lo, hi]; got " + v);
    }

    private static ShiftRange shift(String key, Object v) {
        try {
            if (v == null || v instanceof Boolean b && !b) {
                return ShiftRange.none();
            }
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                return ShiftRange.integer(Math.toIntExact(((Number) v).longValue()));
            }
            if (v instanceof Number n) {
                return ShiftRange.uniform(n.doubleValue());
            }
            if (v instanceof List<?> list) {
                if (!list.isEmpty() && list.stream().allMatch(x -> x instanceof Integer || x instanceof Long
                        || x instanceof Short || x instanceof Byte)) {
                    return ShiftRange.choices(list.stream().mapToInt(x -> Math.toIntExact(((Number) x).longValue())).toArray());
                }
                double[] d = new double[list.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = num(key, list.get(i));
                }
                return ShiftRange.choices(d);
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(key + " must be a float, an int or a list of numbers; got " + v);
    }

    /** Mutable carrier used only while building a new immutable value. */
    private static final class Fields {
        double rotationRange;
        ShiftRange widthShift = ShiftRange.none();
        ShiftRange heightShift = ShiftRange.none();
        double shearRange;
        ShearUnit shearUnit = ShearUnit.DEGREES;
        double zoomLow = 1;
        double zoomHigh = 1;
        boolean horizontalFlip;
        boolean verticalFlip;
        FillMode fillMode = FillMode.NEAREST;
        double cval;
        double channelShiftRange;
        boolean brightnessEnabled;
        double brightnessLow;
        double brightnessHigh;
        double rescale;
        InterpolationOrder interpolation = InterpolationOrder.BILINEAR;
        boolean samplewiseCenter;
        boolean samplewiseStdNormalization;
        boolean featurewiseCenter;
        boolean featurewiseStdNormalization;
        FeaturewiseStats featurewiseStats;
        long seed;

        private List<Object> values() {
            return Arrays.asList(rotationRange, widthShift, heightShift, shearRange, shearUnit, zoomLow,
                    zoomHigh, horizontalFlip, verticalFlip, fillMode, cval, channelShiftRange, brightnessEnabled,
                    brightnessLow, brightnessHigh, rescale, interpolation, samplewiseCenter,
                    samplewiseStdNormalization, featurewiseCenter, featurewiseStdNormalization, featurewiseStats, seed);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fields f && values().equals(f.values());
        }

        @Override
        public int hashCode() {
            return values().hashCode();
        }
    }
}
