package org.transfer4j.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.transfer4j.model.Layer;
import org.transfer4j.model.LayerType;

/** Shape inference, parameter counts and validation of the layer graph, against Keras's formulas. */
class GraphTest {

    @Test
    void padding_follows_tensorflows_same_and_valid_rules() {
        // same: ceil(in / s), the odd pixel of padding at the end
        assertThat(Padding.SAME.outputSize(37, 3, 2)).isEqualTo(19);
        assertThat(Padding.SAME.before(37, 3, 2)).isEqualTo(1);
        assertThat(Padding.SAME.after(37, 3, 2)).isEqualTo(1);
        assertThat(Padding.SAME.outputSize(224, 3, 2)).isEqualTo(112);
        assertThat(Padding.SAME.before(224, 3, 2)).isZero();
        assertThat(Padding.SAME.after(224, 3, 2)).isEqualTo(1);
        assertThat(Padding.SAME.before(33, 1, 1)).isZero();
        // valid: floor((in - k) / s) + 1, no padding
        assertThat(Padding.VALID.outputSize(230, 7, 2)).isEqualTo(112);
        assertThat(Padding.VALID.outputSize(33, 3, 2)).isEqualTo(16);
        assertThat(Padding.VALID.after(33, 3, 2)).isZero();
    }

    @Test
    void shapes_and_parameters_of_each_spec() {
        GraphBuilder b = new GraphBuilder("t", 33, 37, 3);
        String x = b.zeroPad("pad", b.input(), 1, 2, 0, 1);
        x = b.conv("c", x, 8, 3, 2, Padding.VALID, true, Activation.NONE);
        String y = b.depthwise("dw", x, 3, 1, Padding.SAME, false);
        y = b.batchNorm("bn", y, 1e-3);
        String s = b.sum("add", x, y);
        b.add("gap", new Op.GlobalAveragePooling2D(), s);
        Graph g = b.build();
        assertThat(g.shape("pad")).containsExactly(36, 38, 3);
        assertThat(g.shape("c")).containsExactly(17, 18, 8);
        assertThat(g.parameters(g.node("c"))).isEqualTo(3 * 3 * 3 * 8 + 8);
        assertThat(g.parameters(g.node("dw"))).isEqualTo(3 * 3 * 8);
        assertThat(g.parameters(g.node("bn"))).isEqualTo(4 * 8);
        assertThat(g.shape("gap")).containsExactly(1, 1, 8);
        List<Layer> layers = g.layers();
        assertThat(layers.get(4).type()).isEqualTo(LayerType.ADD);
        assertThat(layers.get(4).inputs()).containsExactly("c", "bn");
        assertThat(layers.get(3).nonTrainableParameters()).isEqualTo(16);
        assertThat(layers.get(5).kerasOutputShape()).isEqualTo("(None, 8)");
        assertThat(g.ancestorsOf("c").stream().map(Graph.Node::name)).containsExactly("pad", "c");
        assertThat(g.consumers("c")).containsExactly("dw", "add");
        assertThat(g.isPlainStack()).isFalse();
        assertThat(Architectures.vgg16(64, 64).isPlainStack()).isTrue();
    }

    @Test
    void a_cut_inside_a_residual_block_enters_at_the_blocks_input() {
        Graph r = Architectures.resnet50(64, 64);
        // the first layer of an identity block: its input is the block's input, which the Add reads too
        assertThat(r.entryOf("conv5_block3_1_conv")).isEqualTo("conv5_block2_out");
        // inside the block: the shortcut still needs the block's input
        assertThat(r.entryOf("conv5_block3_2_conv")).isEqualTo("conv5_block2_out");
        assertThat(r.entryOf("conv5_block3_add")).isEqualTo("conv5_block2_out");
        // after the Add, the chain goes on from the Add's output
        assertThat(r.entryOf("conv5_block3_out")).isEqualTo("conv5_block3_add");
        assertThat(r.entryOf("conv1_pad")).isEqualTo(Graph.INPUT);
        Graph m = Architectures.mobilenetV2(64, 64);
        assertThat(m.entryOf("block_16_project")).isEqualTo("block_16_depthwise_relu");
        assertThat(m.entryOf("block_15_project_BN")).isEqualTo("block_14_add");
        assertThat(Architectures.vgg16(64, 64).entryOf("block5_conv1")).isEqualTo("block4_pool");
        assertThat(r.isEntry("conv5_block2_out")).isTrue();
        assertThat(r.isEntry("conv5_block3_out")).isTrue();
        assertThat(r.isEntry("conv5_block3_2_relu")).isFalse();
        assertThat(m.isEntry("block_15_add")).isTrue();
        assertThat(m.isEntry("block_15_project_BN")).isFalse();

        List<String> part = r.between("conv5_block2_out", "conv5_block3_out").stream().map(Graph.Node::name).toList();
        assertThat(part).startsWith("conv5_block3_1_conv").endsWith("conv5_block3_add", "conv5_block3_out")
                .hasSize(10);
        assertThat(r.between("conv5_block3_2_conv", "conv5_block3_2_relu").stream().map(Graph.Node::name))
                .containsExactly("conv5_block3_2_bn", "conv5_block3_2_relu");
        assertThatThrownBy(() -> r.between("conv5_block3_2_conv", "conv5_block3_out"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv5_block3_add reads conv5_block2_out");
        assertThatThrownBy(() -> r.between("conv5_block3_out", "conv5_block2_out"))
                .hasMessageContaining("does not depend on conv5_block3_out");
    }

    @Test
    void multiply_adds_of_the_bases_at_224_px_match_their_published_costs() {
        // VGG16's 13 convolutions at 224 px: the well-known 15.35 G (15.47 G with the classifier)
        assertThat(Architectures.vgg16(224, 224).multiplyAdds()).isEqualTo(15_346_630_656L);
        // ResNet50 v1 (stride 2 on a block's first 1x1 convolution): He et al.'s 3.8 G; torchvision's v1.5 (stride on the
        // 3x3) is 4.1 G
        assertThat(Architectures.resnet50(224, 224).multiplyAdds() / 1e9).isBetween(3.85, 3.86);
        // MobileNetV2 alpha 1.0: 300 M with its classifier (1.28 M of it)
        assertThat(Architectures.mobilenetV2(224, 224).multiplyAdds() / 1e6).isBetween(297.0, 301.0);
        GraphBuilder b = new GraphBuilder("t", 8, 8, 3);
        String x = b.conv("c", b.input(), 4, 3, 2, Padding.SAME, true, Activation.NONE);
        b.depthwise("dw", x, 3, 1, Padding.SAME, false);
        assertThat(b.build().multiplyAdds()).isEqualTo(4 * 4 * 4 * 9 * 3 + 4 * 4 * 4 * 9);
    }

    @Test
    void bad_graphs_are_refused_naming_the_layer() {
        GraphBuilder b = new GraphBuilder("t", 8, 8, 3);
        String x = b.conv("c", b.input(), 4, 3, 1, Padding.SAME, true, Activation.RELU);
        assertThatThrownBy(() -> b.conv("c2", "nowhere", 4, 1, 1, Padding.SAME, true, Activation.NONE))
                .hasMessageContaining("c2").hasMessageContaining("nowhere");
        assertThatThrownBy(() -> b.sum("add", x, b.input())).hasMessageContaining("Add needs two inputs of one shape");
        assertThatThrownBy(() -> new Graph("t", new int[] {8, 8, 3}, List.of(
                new Graph.Node("a", new Op.Relu(Activation.RELU), List.of(Graph.INPUT)),
                new Graph.Node("a", new Op.Relu(Activation.RELU), List.of(Graph.INPUT)))))
                .hasMessageContaining("duplicate layer name a");
        assertThatThrownBy(() -> new GraphBuilder("t", 4, 4, 3).conv("big", Graph.INPUT, 2, 7, 1, Padding.VALID, true,
                Activation.NONE)).hasMessageContaining("leaves nothing");
        assertThatThrownBy(() -> Architectures.byName("resnet18", 64, 64)).hasMessageContaining("resnet18")
                .hasMessageContaining("mobilenet_v2");
    }
}
