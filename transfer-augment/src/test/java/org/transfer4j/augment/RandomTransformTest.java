package org.transfer4j.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class RandomTransformTest {

    @Test
    void keras_parameter_dictionaries_round_trip_with_defaults_for_missing_keys() {
        Map<String, Object> p = new HashMap<>();
        p.put("theta", 12.5);
        p.put("ty", -3);
        p.put("flip_horizontal", 1);            // Keras returns ints 0/1
        p.put("brightness", null);
        RandomTransform t = RandomTransform.fromKerasParams(p);
        assertThat(t).isEqualTo(new RandomTransform(12.5, 0, -3, 0, 1, 1, true, false, OptionalDouble.empty(), OptionalDouble.empty()));
        assertThat(RandomTransform.fromKerasParams(t.toKerasParams())).isEqualTo(t);
        assertThat(RandomTransform.identity().isAffine()).isFalse();
        assertThat(t.isAffine()).isTrue();
    }

    @Test
    void a_pure_shift_is_not_affected_by_centring() {
        double[][] m = new RandomTransform(0, 5, -2, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.empty())
                .matrix(61, 47);
        assertThat(m).isDeepEqualTo(new double[][] {{1, 0, 5}, {0, 1, -2}, {0, 0, 1}});
    }

    @Test
    void rotation_pivots_half_a_pixel_past_the_centre_as_keras() {
        // theta = 180 on 4x4: in = 2o - out with o = 4/2 + 0.5 = 2.5, so output (0, 0) reads input (5, 5)
        double[][] m = new RandomTransform(180, 0, 0, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.empty())
                .matrix(4, 4);
        assertThat(m[0][2]).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m[1][2]).isCloseTo(5.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(m[0][0]).isCloseTo(-1.0, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void invalid_parameters_are_rejected_with_their_name() {
        assertThatThrownBy(() -> RandomTransform.fromKerasParams(Map.of("rotation", 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'rotation'").hasMessageContaining("theta");
        assertThatThrownBy(() -> new RandomTransform(0, 0, 0, 0, 0, 1, false, false, OptionalDouble.empty(), OptionalDouble.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zx");
        assertThatThrownBy(() -> new RandomTransform(Double.NaN, 0, 0, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("theta");
        assertThatThrownBy(() -> new RandomTransform(0, 0, 0, 0, 1, 1, false, false, OptionalDouble.empty(), OptionalDouble.of(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brightness").hasMessageContaining(">= 0");
    }
}
