package org.transfer4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.augment.AugmentedBatch;
import org.transfer4j.augment.HwcImage;

class Nd4jArraysTest {

    private static HwcImage ramp(int h, int w, int c, float start) {
        float[] p = new float[h * w * c];
        for (int i = 0; i < p.length; i++) {
            p[i] = start + i;
        }
        return new HwcImage(h, w, c, p);
    }

    @Test
    void hwc_array_keeps_row_column_channel_order() {
        HwcImage img = ramp(2, 3, 2, 0);
        INDArray a = Nd4jArrays.toHwc(img);
        assertThat(a.shape()).containsExactly(2, 3, 2);
        assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(a.getFloat(1, 2, 1)).isEqualTo(img.get(1, 2, 1)).isEqualTo(11f);
        assertThat(Nd4jArrays.fromHwc(a)).isEqualTo(img);
    }

    @Test
    void batch_becomes_nhwc_and_images_come_back_by_index() {
        HwcImage a = ramp(2, 2, 3, 0);
        HwcImage b = ramp(2, 2, 3, 100);
        INDArray nhwc = Nd4jArrays.toNhwc(List.of(a, b));
        assertThat(nhwc.shape()).containsExactly(2, 2, 2, 3);
        assertThat(nhwc.getFloat(1, 0, 1, 2)).isEqualTo(b.get(0, 1, 2));
        assertThat(Nd4jArrays.fromNhwc(nhwc, 1)).isEqualTo(b);
        assertThat(Nd4jArrays.fromNhwc(nhwc, 0)).isEqualTo(a);

        float[] data = new float[24];
        System.arraycopy(a.pixels(), 0, data, 0, 12);
        System.arraycopy(b.pixels(), 0, data, 12, 12);
        AugmentedBatch batch = new AugmentedBatch(0, 0, new int[] {4, 9}, 2, 2, 3, data);
        assertThat(Nd4jArrays.toNhwc(batch).equals(nhwc)).isTrue();
    }

    @Test
    void other_data_types_and_orders_are_converted() {
        INDArray d = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6}, new long[] {1, 3, 2}, 'f');
        HwcImage img = Nd4jArrays.fromHwc(d);
        assertThat(img.height()).isEqualTo(1);
        assertThat(img.get(0, 2, 1)).isEqualTo((float) d.getDouble(0, 2, 1));
        assertThat(img.get(0, 1, 0)).isEqualTo((float) d.getDouble(0, 1, 0));
    }

    @Test
    void wrong_rank_is_rejected_with_the_shape() {
        assertThatThrownBy(() -> Nd4jArrays.fromHwc(Nd4j.zeros(DataType.FLOAT, 4, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[4, 4]");
        assertThatThrownBy(() -> Nd4jArrays.toNhwc(List.of(ramp(2, 2, 3, 0), ramp(2, 3, 3, 0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image 1 is 2x3x3");
    }
}
