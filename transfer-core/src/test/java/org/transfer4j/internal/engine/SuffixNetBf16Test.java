package org.transfer4j.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transfer4j.Heads;
import org.transfer4j.Optimizers;
import org.transfer4j.Precision;
import org.transfer4j.model.ConvBase;
import org.transfer4j.model.Layer;
import org.transfer4j.model.Vgg16;
import org.transfer4j.model.Weights;

/**
 * Fine-tuning block 5 in bf16 (autocast-style: bf16 convolutions, fp32 accumulation, fp32 master weights and optimizer
 * state) follows the fp32 run: the same losses within bf16's rounding and the same weight updates (direction and size), over several steps, with
 * the master weights still fp32. Plain SGD, whose updates are proportional to the gradients: RMSprop's first steps
 * move every weight by about the learning rate whatever the gradient's size, so a tiny gradient whose sign bf16
 * rounding flips moves its weight the other way, and the runs part by more than rounding.
 */
class SuffixNetBf16Test {
    @Test
    void bf16_training_steps_follow_fp32_within_bf16_rounding_and_keep_fp32_master_weights() throws Exception {
        Assumptions.assumeTrue(Dnnl.bf16Unsupported() == null, "no bf16 on this CPU: " + Dnnl.bf16Unsupported());
        Assumptions.assumeTrue(Dnnl.selected(), "oneDNN engine not selected");
        ConvBase base = Vgg16.random(32, 32, 3);
        Weights weights = base.loadWeights();
        List<Layer> trainable = base.layers().subList(base.indexOf("block5_conv1"), base.layers().size());
        int[] cut = base.layer("block4_pool").outputShape();
        SuffixNet fp32 = new SuffixNet(cut, trainable, weights, Heads.dense(16).sigmoid(), 7, Precision.FP32);
        SuffixNet bf16 = new SuffixNet(cut, trainable, weights, Heads.dense(16).sigmoid(), 7, Precision.BF16);
        int n = 8;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, cut[0], cut[1], cut[2]).muli(4);
        INDArray y = Nd4j.create(new float[] {0, 1, 1, 0, 1, 0, 0, 1}, new long[] {n, 1}, 'c');
        INDArray w = Nd4j.ones(DataType.FLOAT, n);
        float[] kernelBefore = weights.layer("block5_conv1").kernel().clone();
        for (int step = 0; step < 3; step++) {
            double l32 = fp32.trainStep(x, y, w, new SplittableRandom(step), Optimizers.sgd(1e-2), Map.of()).loss();
            double l16 = bf16.trainStep(x, y, w, new SplittableRandom(step), Optimizers.sgd(1e-2), Map.of()).loss();
            assertThat(l16).as("loss at step %d", step).isCloseTo(l32, org.assertj.core.data.Offset.offset(
                    2e-2 * Math.max(1, Math.abs(l32))));
        }
        Map<String, INDArray> a = fp32.variableValues();
        Map<String, INDArray> b = bf16.variableValues();
        for (String name : List.of("block5_conv1_kernel", "block5_conv3_kernel", "block5_conv3_bias")) {
            assertThat(b.get(name).dataType()).as(name).isEqualTo(DataType.FLOAT);
            String layer = name.replaceAll("_(kernel|bias)$", "");
            float[] start = name.endsWith("_kernel") ? weights.layer(layer).kernel() : weights.layer(layer).bias();
            INDArray initial = Nd4j.create(start, a.get(name).shape(), 'c');
            INDArray moved32 = a.get(name).sub(initial);
            INDArray moved16 = b.get(name).sub(initial);
            // the three bf16 updates point where the fp32 ones do (measured: cosine 0.989 to 0.998) and are as large
            double cosine = moved16.mul(moved32).sumNumber().doubleValue()
                    / (moved16.norm2Number().doubleValue() * moved32.norm2Number().doubleValue());
            double ratio = moved16.norm2Number().doubleValue() / moved32.norm2Number().doubleValue();
            assertThat(cosine).as("%s: cosine of the bf16 and fp32 updates", name).isGreaterThan(0.98).isLessThan(1 - 1e-6); // bf16 did run: not bit-equal
            assertThat(ratio).as("%s: size of the bf16 update / the fp32 one", name).isBetween(0.97, 1.03);
        }
        // block5_conv1 trained, and its master copy holds values bf16 cannot represent (low 16 bits set)
        float[] after = b.get("block5_conv1_kernel").dup().data().asFloat();
        int changed = 0;
        int notBf16 = 0;
        for (int i = 0; i < after.length; i++) {
            changed += after[i] != kernelBefore[i] ? 1 : 0;
            notBf16 += (Float.floatToRawIntBits(after[i]) & 0xFFFF) != 0 ? 1 : 0;
        }
        assertThat(changed).as("block5_conv1 weights changed by bf16 training").isGreaterThan(after.length / 2);
        assertThat(notBf16).as("weights with more than bf16's precision").isGreaterThan(after.length / 2);
    }
}
