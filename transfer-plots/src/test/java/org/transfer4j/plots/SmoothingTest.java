package org.transfer4j.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmoothingTest {

    @Test
    void smoothing_matches_hand_computed_values_of_the_books_formula() {
        // 1; 1*0.8 + 2*0.2 = 1.2; 1.2*0.8 + 3*0.2 = 1.56; 1.56*0.8 + 4*0.2 = 2.048
        assertThat(Smoothing.exponential(new double[] {1, 2, 3, 4}, 0.8))
                .containsExactly(new double[] {1, 1.2, 1.56, 2.048}, within(1e-12));
        // 0; 0*0.5 + 10*0.5 = 5; 5*0.5 + 0*0.5 = 2.5
        assertThat(Smoothing.exponential(new double[] {0, 10, 0}, 0.5))
                .containsExactly(new double[] {0, 5, 2.5}, within(1e-12));
    }

    @Test
    void default_factor_is_the_books_0_8() {
        double[] points = {0.3, 0.9, 0.1, 0.7};
        assertThat(Smoothing.DEFAULT_FACTOR).isEqualTo(0.8);
        assertThat(Smoothing.exponential(points)).containsExactly(Smoothing.exponential(points, 0.8));
    }

    @Test
    void first_point_is_kept_and_factor_zero_returns_the_curve() {
        double[] points = {0.42, 0.1, 0.9};
        assertThat(Smoothing.exponential(points, 0.99)[0]).isEqualTo(0.42);
        assertThat(Smoothing.exponential(points, 0.0)).containsExactly(points);
    }

    @Test
    void input_is_not_modified_and_empty_input_gives_empty_output() {
        double[] points = {1, 2, 3};
        Smoothing.exponential(points, 0.5);
        assertThat(points).containsExactly(1, 2, 3);
        assertThat(Smoothing.exponential(new double[0], 0.5)).isEmpty();
    }

    @Test
    void nan_stays_a_gap_and_does_not_enter_the_running_average() {
        // starts at the first number (2); 2*0.5 + 4*0.5 = 3
        double[] smoothed = Smoothing.exponential(new double[] {Double.NaN, 2, Double.NaN, 4}, 0.5);
        assertThat(smoothed[0]).isNaN();
        assertThat(smoothed[1]).isEqualTo(2.0);
        assertThat(smoothed[2]).isNaN();
        assertThat(smoothed[3]).isEqualTo(3.0);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 1.5, -0.1, Double.NaN, Double.POSITIVE_INFINITY})
    void factor_outside_zero_inclusive_to_one_exclusive_is_rejected(double factor) {
        assertThatThrownBy(() -> Smoothing.exponential(new double[] {1, 2}, factor))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)")
                .hasMessageContaining(String.valueOf(factor));
    }

    @Test
    void null_points_are_rejected() {
        assertThatThrownBy(() -> Smoothing.exponential(null, 0.8)).isInstanceOf(IllegalArgumentException.class);
    }
}
