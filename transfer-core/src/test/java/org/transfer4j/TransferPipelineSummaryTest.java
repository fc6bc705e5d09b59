package org.transfer4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.transfer4j.Heads.dense;

import org.junit.jupiter.api.Test;
import org.transfer4j.model.Summary;
import org.transfer4j.model.Vgg16;

class TransferPipelineSummaryTest {

    @Test
    void the_books_model_has_16_812_353_parameters() {
        Summary s = TransferPipeline.from(Vgg16.imagenet(150, 150)).freezeUntil("block1_conv1")
                .head(dense(256).sigmoid()).summary();
        assertThat(s.totalParameters()).isEqualTo(16_812_353L);
        assertThat(s.trainableParameters()).isEqualTo(16_812_353L);
        String text = s.toString();
        assertThat(text).contains("vgg16 (Functional)           (None, 4, 4, 512)         14714688");
        assertThat(text).contains("flatten_1 (Flatten)          (None, 8192)              0");
        assertThat(text).contains("dense_1 (Dense)              (None, 256)               2097408");
        assertThat(text).contains("dense_2 (Dense)              (None, 1)                 257");
        assertThat(text).contains("Total params: 16,812,353");
    }

    @Test
    void freezing_the_base_leaves_the_head_trainable() {
        Summary s = TransferPipeline.from(Vgg16.imagenet(150, 150)).head(dense(256).dropout(0.5).sigmoid()).summary();
        assertThat(s.trainableParameters()).isEqualTo(2_097_665L);
        assertThat(s.nonTrainableParameters()).isEqualTo(14_714_688L);
        assertThat(s.toString()).contains("dropout_1 (Dropout)          (None, 256)               0")
                .contains("Trainable params: 2,097,665").contains("Non-trainable params: 14,714,688");
    }

    @Test
    void freeze_until_block5_conv1_trains_block5_and_the_head() {
        TransferPipeline p = TransferPipeline.from(Vgg16.imagenet(150, 150)).freezeUntil("block5_conv1")
                .head(dense(256).dropout(0.5).sigmoid());
        assertThat(p.summary().trainableParameters()).isEqualTo(3L * 2_359_808 + 2_097_665L);
        assertThat(p.cutLayer().name()).isEqualTo("block4_pool");
        assertThat(p.firstTrainableLayer()).get().extracting(l -> l.name()).isEqualTo("block5_conv1");
    }

    @Test
    void freeze_until_an_unknown_layer_lists_the_valid_ones() {
        assertThatThrownBy(() -> TransferPipeline.from(Vgg16.imagenet(150, 150)).freezeUntil("block5_conv"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown layer 'block5_conv' in vgg16; layers are block1_conv1, block1_conv2, block1_pool, "
                        + "block2_conv1, block2_conv2, block2_pool, block3_conv1, block3_conv2, block3_conv3, "
                        + "block3_pool, block4_conv1, block4_conv2, block4_conv3, block4_pool, block5_conv1, "
                        + "block5_conv2, block5_conv3, block5_pool");
    }
}
