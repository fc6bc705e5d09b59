package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;

import org.junit.jupiter.api.Test;

class HeadTest {

    @Test
    void the_books_head_is_dense_relu_dropout_sigmoid_with_binary_loss() {
        Head head = dense(256).dropout(0.5).sigmoid();
        assertThat(head.layers()).containsExactly(new HeadLayer.Dense(256, Activation.RELU),
                new HeadLayer.Dropout(0.5), new HeadLayer.Dense(1, Activation.SIGMOID));
        assertThat(head.loss()).isEqualTo(Head.Loss.BINARY_CROSSENTROPY);
        assertThat(head.outputUnits()).isEqualTo(1);
        assertThat(head.parameterCount(8192)).isEqualTo(2_097_665L);
    }

    @Test
    void softmax_implies_categorical_loss() {
        Head head = dense(64).softmax(5);
        assertThat(head.loss()).isEqualTo(Head.Loss.CATEGORICAL_CROSSENTROPY);
        assertThat(head.outputUnits()).isEqualTo(5);
    }

    @Test
    void steps_return_new_values() {
        Head a = dense(256);
        Head b = a.dropout(0.5);
        assertThat(a.layers()).hasSize(1);
        assertThat(b.layers()).hasSize(2);
        assertThat(a.isComplete()).isFalse();
    }

    @Test
    void parse_reads_back_the_dsl_text() {
        Head head = dense(256).dropout(0.5).sigmoid();
        assertThat(Head.parse(head.toString())).isEqualTo(head);
        assertThat(Head.parse(" dense(128, tanh) . softmax(3) ")).isEqualTo(dense(128, Activation.TANH).softmax(3));
        assertThat(head.toString()).isEqualTo("dense(256).dropout(0.5).sigmoid()");
    }

    @Test
    void bad_heads_are_rejected_with_the_reason() {
        assertThatThrownBy(() -> dense(0)).hasMessageContaining("units must be >= 1; got 0");
        assertThatThrownBy(() -> dense(8).dropout(1.0)).hasMessageContaining("[0, 1); got 1.0");
        assertThatThrownBy(() -> dense(8).sigmoid().dense(3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing can follow");
        assertThatThrownBy(() -> dense(8).softmax(1)).hasMessageContaining("at least 2 classes");
        assertThatThrownBy(() -> dense(8).loss()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sigmoid() or softmax(n)");
        assertThatThrownBy(() -> Head.parse("dense(256).maxout(2)")).hasMessageContaining("'maxout'");
        assertThatThrownBy(() -> Head.parse("dense(abc)")).hasMessageContaining("dense(abc)");
    }
}
