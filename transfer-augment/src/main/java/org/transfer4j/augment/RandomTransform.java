package org.transfer4j.augment;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One sampled set of augmentation parameters: the dictionary Keras's
 * {@code ImageDataGenerator.get_random_transform} returns and {@code apply_transform} takes. Sampling and applying
 * are separate so that a draw can be logged, replayed or applied to another image (e.g. a mask).
 *
 * <p>Keras's names follow the array axes, not the screen: {@code tx} is the ROW (vertical) offset in pixels,
 * positive moving content up; {@code ty} the COLUMN (horizontal) offset, positive moving content left;
 * {@code zx} scales rows and {@code zy} columns ({@code > 1} zooms out). {@code theta} and {@code shear} are in
 * degrees; positive theta turns the content clockwise on screen.
 *
 * <p>Immutable and thread-safe.
 *
 * @param theta                  rotation in degrees
 * @param tx                     row shift in pixels
 * @param ty                     column shift in pixels
 * @param shear                  shear angle in degrees (Keras applies {@code np.deg2rad})
 * @param zx                     row zoom factor (1 = none)
 * @param zy                     column zoom factor (1 = none)
 * @param flipHorizontal         reverse the columns (after the affine stage)
 * @param flipVertical           reverse the rows (after the affine stage)
 * @param channelShiftIntensity  value added to every channel, clipped to the image's min/max; empty for none
 * @param brightness             PIL brightness factor; empty for none
 */
public record RandomTransform(double theta, double tx, double ty, double shear, double zx, double zy,
                              boolean flipHorizontal, boolean flipVertical,
                              OptionalDouble channelShiftIntensity, OptionalDouble brightness) {

    private static final double DEG_TO_RAD = Math.PI / 180.0;
    private static final Set<String> KERAS_KEYS = Set.of("theta", "tx", "ty", "shear", "zx", "zy",
            "flip_horizontal", "flip_vertical", "channel_shift_intensity", "brightness");

    /**
     * Validates the parameters.
     *
     * @throws IllegalArgumentException if a number is NaN or infinite, a zoom factor is 0, or brightness is negative
     */
    public RandomTransform {
        requireFinite("theta", theta);
        requireFinite("tx", tx);
        requireFinite("ty", ty);
        requireFinite("shear", shear);
        requireFinite("zx", zx);
        requireFinite("zy", zy);
        if (zx == 0 || zy == 0) {
            throw new IllegalArgumentException("zoom factors zx and zy must be non-zero; got zx=" + zx + ", zy=" + zy);
        }
        if (channelShiftIntensity == null) {
            channelShiftIntensity = OptionalDouble.empty();
        }
        if (brightness == null) {
            brightness = OptionalDouble.empty();
        }
        if (channelShiftIntensity.isPresent()) {
            requireFinite("channel_shift_intensity", channelShiftIntensity.getAsDouble());
        }
        if (brightness.isPresent() && !(brightness.getAsDouble() >= 0 && Double.isFinite(brightness.getAsDouble()))) {
            throw new IllegalArgumentException("brightness must be a finite factor >= 0; got " + brightness.getAsDouble());
        }
    }

    /** The neutral transform: {@link Augmentation#applyTransform} returns the input unchanged. */
    public static RandomTransform identity() {
        return new RandomTransform(0, 0, 0, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.empty());
    }

    /**
     * Builds a transform from a Keras parameter dictionary; missing keys take Keras's defaults (0, 1, False,
     * None). Numbers may be any {@link Number}, flips a Boolean or a Number (Keras returns ints 0/1).
     *
     * @throws IllegalArgumentException for an unknown key or a value of the wrong type
     */
    public static RandomTransform fromKerasParams(Map<String, ?> params) {
        for (String key : params.keySet()) {
            if (!KERAS_KEYS.contains(key)) {
                throw new IllegalArgumentException("Unknown transform parameter '" + key + "'; known: " + KERAS_KEYS);
            }
        }
        return new RandomTransform(number(params, "theta", 0), number(params, "tx", 0), number(params, "ty", 0),
                number(params, "shear", 0), number(params, "zx", 1), number(params, "zy", 1),
                flag(params, "flip_horizontal"), flag(params, "flip_vertical"),
                optional(params, "channel_shift_intensity"), optional(params, "brightness"));
    }

    /** The Keras parameter dictionary, in Keras's key order (None as {@code null}, flips as booleans). */
    public Map<String, Object> toKerasParams() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("theta", theta);
        m.put("tx", tx);
        m.put("ty", ty);
        m.put("shear", shear);
        m.put("zx", zx);
        m.put("zy", zy);
        m.put("flip_horizontal", flipHorizontal);
        m.put("flip_vertical", flipVertical);
        m.put("channel_shift_intensity", channelShiftIntensity.isPresent() ? channelShiftIntensity.getAsDouble() : null);
        m.put("brightness", brightness.isPresent() ? brightness.getAsDouble() : null);
        return m;
    }

    /**
     * Whether the affine stage runs: Keras skips resampling entirely (the output is the input) when theta, tx, ty
     * and shear are 0 and zx, zy are 1.
     */
    public boolean isAffine() {
        return theta != 0 || tx != 0 || ty != 0 || shear != 0 || zx != 1 || zy != 1;
    }

    /**
     * The product rotation · shift · shear · zoom before centring, as {@code apply_affine_transform} builds it
     * (neutral factors left out); the identity when {@link #isAffine()} is false. Maps output to input
     * (row, col, 1).
     */
    public double[][] uncenteredMatrix() {
        double[][] m = null;
        if (theta != 0) {
            double t = theta * DEG_TO_RAD;
            double c = StrictMath.cos(t);
            double s = StrictMath.sin(t);
            m = new double[][] {{c, -s, 0}, {s, c, 0}, {0, 0, 1}};
        }
        if (tx != 0 || ty != 0) {
            double[][] shift = {{1, 0, tx}, {0, 1, ty}, {0, 0, 1}};
            m = m == null ? shift : dot(m, shift);
        }
        if (shear != 0) {
            double s = shear * DEG_TO_RAD;
            double[][] sh = {{1, -StrictMath.sin(s), 0}, {0, StrictMath.cos(s), 0}, {0, 0, 1}};
            m = m == null ? sh : dot(m, sh);
        }
        if (zx != 1 || zy != 1) {
            double[][] zoom = {{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}};
            m = m == null ? zoom : dot(m, zoom);
        }
        return m == null ? new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} : m;
    }

    /**
     * The 3×3 matrix Keras hands to {@code scipy.ndimage.affine_transform} for an image of the given size:
     * {@link #uncenteredMatrix()} conjugated by a shift to the centre {@code (height/2 + 0.5, width/2 + 0.5)}
     * (Keras's {@code transform_matrix_offset_center}; note the centre is half a pixel past the true centre).
     * Maps OUTPUT (row, col, 1) to INPUT (row, col, 1).
     *
     * @throws IllegalArgumentException if a size is below 1
     */
    public double[][] matrix(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be >= 1x1; got " + height + "x" + width);
        }
        double or = height / 2.0 + 0.5;
        double oc = width / 2.0 + 0.5;
        double[][] offset = {{1, 0, or}, {0, 1, oc}, {0, 0, 1}};
        double[][] reset = {{1, 0, -or}, {0, 1, -oc}, {0, 0, 1}};
        return dot(dot(offset, uncenteredMatrix()), reset);
    }

    /** A copy with the given flips; the other parameters are kept. */
    public RandomTransform withFlips(boolean horizontal, boolean vertical) {
        return new RandomTransform(theta, tx, ty, shear, zx, zy, horizontal, vertical, channelShiftIntensity, brightness);
    }

    static double[][] dot(double[][] a, double[][] b) {
        double[][] c = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
            }
        }
        return c;
    }

    private static void requireFinite(String name, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number; got " + v);
        }
    }

    private static double number(Map<String, ?> params, String key, double dflt) {
        Object v = params.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(key + " must be a number; got " + v);
    }

    private static boolean flag(Map<String, ?> params, String key) {
        Object v = params.get(key);
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        throw new IllegalArgumentException(key + " must be a boolean or 0/1; got " + v);
    }

    private static OptionalDouble optional(Map<String, ?> params, String key) {
        Object v = params.get(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (v instanceof Number n) {
            return OptionalDouble.of(n.doubleValue());
        }
        throw new IllegalArgumentException(key + " must be a number or None; got " + v);
    }
}
