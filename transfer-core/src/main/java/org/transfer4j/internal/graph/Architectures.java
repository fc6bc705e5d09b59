package org.transfer4j.internal.graph;

import java.util.List;
import java.util.Locale;

/**
 * The Keras applications' conv bases ({@code include_top=False}) as graphs, layer for layer with Keras's names: read
 * from tf.keras 2.x's {@code vgg16.py}, {@code vgg19.py}, {@code resnet.py} ({@code ResNet50}, v1) and
 * {@code mobilenet_v2.py} ({@code alpha=1.0}).
 */
public final class Architectures {
    /** The base names, as {@code ConvBase.name()} and the CLI's {@code --base} spell them. */
    public static final List<String> NAMES = List.of("vgg16", "vgg19", "resnet50", "mobilenet_v2");

    private static final double RESNET_BN_EPSILON = 1.001e-5;
    private static final double MOBILENET_BN_EPSILON = 1e-3;

    private Architectures() {
    }

    /**
     * The graph of base {@code name} for {@code height × width × 3} inputs.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Graph byName(String name, int height, int width) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vgg16" -> vgg16(height, width);
            case "vgg19" -> vgg19(height, width);
            case "resnet50" -> resnet50(height, width);
            case "mobilenet_v2", "mobilenetv2" -> mobilenetV2(height, width);
            default -> throw new IllegalArgumentException("Unknown base '" + name + "'; bases are "
                    + String.join(", ", NAMES));
        };
    }

    /** VGG16: blocks of 2, 2, 3, 3, 3 convolutions. */
    public static Graph vgg16(int height, int width) {
        return vgg("vgg16", new int[] {2, 2, 3, 3, 3}, height, width);
    }

    /** VGG19: blocks of 2, 2, 4, 4, 4 convolutions. */
    public static Graph vgg19(int height, int width) {
        return vgg("vgg19", new int[] {2, 2, 4, 4, 4}, height, width);
    }

    private static Graph vgg(String name, int[] blocks, int height, int width) {
        int[] filters = {64, 128, 256, 512, 512};
        GraphBuilder b = new GraphBuilder(name, height, width, 3);
        String x = b.input();
        for (int i = 0; i < blocks.length; i++) {
            for (int j = 1; j <= blocks[i]; j++) {
                x = b.conv("block" + (i + 1) + "_conv" + j, x, filters[i], 3, 1, Padding.SAME, true, Activation.RELU);
            }
            x = b.maxPool("block" + (i + 1) + "_pool", x, 2, 2, Padding.VALID);
        }
        return b.build();
    }

    /**
     * ResNet50 v1 (Keras's {@code ResNet50}): {@code conv1} 7×7/2 after a 3-pixel zero pad, a 3×3/2 max pool after a
     * 1-pixel pad, then stacks of 3, 4, 6, 3 bottleneck blocks; the stride 2 sits on the first 1×1 convolution of a
     * stack's first block; convolutions have biases; BatchNormalization epsilon 1.001e-5.
     */
    public static Graph resnet50(int height, int width) {
        GraphBuilder b = new GraphBuilder("resnet50", height, width, 3);
        String x = b.zeroPad("conv1_pad", b.input(), 3, 3, 3, 3);
        x = b.conv("conv1_conv", x, 64, 7, 2, Padding.VALID, true, Activation.NONE);
        x = b.batchNorm("conv1_bn", x, RESNET_BN_EPSILON);
        x = b.relu("conv1_relu", x, Activation.RELU);
        x = b.zeroPad("pool1_pad", x, 1, 1, 1, 1);
        x = b.maxPool("pool1_pool", x, 3, 2, Padding.VALID);
        x = stack(b, x, 64, 3, 1, "conv2");
        x = stack(b, x, 128, 4, 2, "conv3");
        x = stack(b, x, 256, 6, 2, "conv4");
        stack(b, x, 512, 3, 2, "conv5");
        return b.build();
    }

    private static String stack(GraphBuilder b, String x, int filters, int blocks, int stride, String name) {
        x = block(b, x, filters, stride, true, name + "_block1");
        for (int i = 2; i <= blocks; i++) {
            x = block(b, x, filters, 1, false, name + "_block" + i);
        }
        return x;
    }

    /** Keras's {@code block1}, its layers in Keras's {@code model.layers} order. */
    private static String block(GraphBuilder b, String input, int filters, int stride, boolean convShortcut,
            String name) {
        String x = b.conv(name + "_1_conv", input, filters, 1, stride, Padding.VALID, true, Activation.NONE);
        x = b.batchNorm(name + "_1_bn", x, RESNET_BN_EPSILON);
        x = b.relu(name + "_1_relu", x, Activation.RELU);
        x = b.conv(name + "_2_conv", x, filters, 3, 1, Padding.SAME, true, Activation.NONE);
        x = b.batchNorm(name + "_2_bn", x, RESNET_BN_EPSILON);
        x = b.relu(name + "_2_relu", x, Activation.RELU);
        String shortcut = input;
        if (convShortcut) {
            shortcut = b.conv(name + "_0_conv", input, 4 * filters, 1, stride, Padding.VALID, true, Activation.NONE);
        }
        x = b.conv(name + "_3_conv", x, 4 * filters, 1, 1, Padding.VALID, true, Activation.NONE);
        if (convShortcut) {
            shortcut = b.batchNorm(name + "_0_bn", shortcut, RESNET_BN_EPSILON);
        }
        x = b.batchNorm(name + "_3_bn", x, RESNET_BN_EPSILON);
        x = b.sum(name + "_add", shortcut, x);
        return b.relu(name + "_out", x, Activation.RELU);
    }

    /**
     * MobileNetV2 with {@code alpha=1.0} (Keras's {@code MobileNetV2}): {@code Conv1} 3×3/2 "same", 17 inverted
     * residual blocks (expand 1×1, depthwise 3×3, project 1×1, an {@code Add} where shapes allow), {@code Conv_1} to
     * 1280 channels; ReLU6; no biases; BatchNormalization epsilon 1e-3; before a stride-2 depthwise convolution
     * Keras's {@code correct_pad} zero padding ({@code ((1 - h % 2 ... ), 1)}, i.e. one more row and column at the end
     * for even sides) and a "valid" convolution.
     */
    public static Graph mobilenetV2(int height, int width) {
        GraphBuilder b = new GraphBuilder("mobilenet_v2", height, width, 3);
        String x = b.conv("Conv1", b.input(), 32, 3, 2, Padding.SAME, false, Activation.NONE);
        x = b.batchNorm("bn_Conv1", x, MOBILENET_BN_EPSILON);
        x = b.relu("Conv1_relu", x, Activation.RELU6);
        int[][] blocks = { // filters, stride, expansion
            {16, 1, 1}, {24, 2, 6}, {24, 1, 6}, {32, 2, 6}, {32, 1, 6}, {32, 1, 6}, {64, 2, 6}, {64, 1, 6},
            {64, 1, 6}, {64, 1, 6}, {96, 1, 6}, {96, 1, 6}, {96, 1, 6}, {160, 2, 6}, {160, 1, 6}, {160, 1, 6},
            {320, 1, 6}};
        for (int id = 0; id < blocks.length; id++) {
            x = invertedResidual(b, x, blocks[id][0], blocks[id][1], blocks[id][2], id);
        }
        x = b.conv("Conv_1", x, 1280, 1, 1, Padding.VALID, false, Activation.NONE);
        x = b.batchNorm("Conv_1_bn", x, MOBILENET_BN_EPSILON);
        b.relu("out_relu", x, Activation.RELU6);
        return b.build();
    }

    private static String invertedResidual(GraphBuilder b, String input, int filters, int stride, int expansion,
            int id) {
        int[] in = b.shape(input);
        String prefix = "block_" + id + "_";
        String x = input;
        if (id > 0) {
            x = b.conv(prefix + "expand", x, expansion * in[2], 1, 1, Padding.SAME, false, Activation.NONE);
            x = b.batchNorm(prefix + "expand_BN", x, MOBILENET_BN_EPSILON);
            x = b.relu(prefix + "expand_relu", x, Activation.RELU6);
        } else {
            prefix = "expanded_conv_";
        }
        if (stride == 2) {
            int[] s = b.shape(x);
            // imagenet_utils.correct_pad(x, 3): ((1 - adjust_h, 1), (1 - adjust_w, 1)), adjust = 1 - side % 2
            x = b.zeroPad(prefix + "pad", x, s[0] % 2, 1, s[1] % 2, 1);
        }
        x = b.depthwise(prefix + "depthwise", x, 3, stride, stride == 1 ? Padding.SAME : Padding.VALID, false);
        x = b.batchNorm(prefix + "depthwise_BN", x, MOBILENET_BN_EPSILON);
        x = b.relu(prefix + "depthwise_relu", x, Activation.RELU6);
        x = b.conv(prefix + "project", x, filters, 1, 1, Padding.SAME, false, Activation.NONE);
        x = b.batchNorm(prefix + "project_BN", x, MOBILENET_BN_EPSILON);
        if (in[2] == filters && stride == 1) {
            return b.sum(prefix + "add", input, x);
        }
        return x;
    }
}
