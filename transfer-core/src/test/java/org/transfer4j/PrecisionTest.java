package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.transfer4j.internal.engine.Dnnl;

class PrecisionTest {

    @Test
    void parse_accepts_the_cli_names_in_any_case_and_rejects_others_naming_the_valid_ones() {
        assertThat(Precision.parse("fp32")).isEqualTo(Precision.FP32);
        assertThat(Precision.parse("BF16")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse(" Auto ")).isEqualTo(Precision.AUTO);
        assertThatThrownBy(() -> Precision.parse("fp16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fp16'").hasMessageContaining("[fp32, bf16, auto]");
    }

    @Test
    void auto_resolves_to_bf16_exactly_where_bf16_resolves() {
        boolean bf16 = Dnnl.bf16Unsupported() == null;
        assertThat(Precision.AUTO.resolve()).isEqualTo(bf16 ? Precision.BF16 : Precision.FP32);
        assertThat(Precision.FP32.resolve()).isEqualTo(Precision.FP32);
        if (bf16) {
            assertThat(Precision.BF16.resolve()).isEqualTo(Precision.BF16);
        } else {
            assertThatThrownBy(Precision.BF16::resolve).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("BF16").hasMessageContaining("FP32");
        }
    }

    @Test
    void a_pipeline_carries_its_precision_through_later_steps() {
        TransferPipeline p = TransferPipeline.from(org.transfer4j.model.Vgg16.random(32, 32, 1))
                .precision(Precision.AUTO).freezeUntil("block5_conv1").epochs(2);
        assertThat(p.precision()).isEqualTo(Precision.AUTO);
        assertThat(TransferPipeline.from(org.transfer4j.model.Vgg16.random(32, 32, 1)).precision())
                .isEqualTo(Precision.FP32);
    }
}
