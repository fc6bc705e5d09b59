#!/usr/bin/python3
"""Checks the reference itself against torchvision's networks (with the changes that make them Keras's) and checks
the h5 writer/reader and the parameter counts. Exits non-zero on any failure.

    python3 transfer-core/src/test/python/reference/validate.py            # about a minute on one core

What is compared (float64, generated weights copied into torchvision's modules):
- VGG19: torchvision ``vgg19().features`` at 48x48 and 33x41 (every block's pool, and block5_conv4).
- ResNet50: torchvision ``resnet50()`` (v1.5) changed to Keras's v1: the stride of each first block moves from the
  3x3 ``conv2`` to the 1x1 ``conv1``; Keras's conv biases are folded into the BN's running mean (torchvision's
  convolutions have none); BN eps 1.001e-5. At 64x64 and 97x75: every stage's output and a cut inside a block.
- MobileNetV2: torchvision ``mobilenet_v2()`` with BN eps 1e-3. torchvision pads symmetrically (1 on each side) before
  every stride-2 3x3 convolution, Keras pads ``correct_pad`` (0 before, 1 after along an even axis): the two agree
  where every stride-2 layer sees an odd size (33, 65, 97: compared as is), and at other sizes (96, 75, 224) after
  replacing each stride-2 convolution's padding by an explicit ZeroPad2d computed with TensorFlow's 'SAME' rule.
- h5: generated weights written with ``write_h5`` read back bit-identical with ``read_h5`` and plain h5py, in Keras's
  layout (``layer_names``, ``weight_names``, ``/<layer>/<layer>/<var>:0``).
- Keras's notop parameter counts.
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasref as kr  # noqa: E402

torch.set_num_threads(1)
DT = torch.float64
FAILURES = []


def compare(what, ours, theirs, tol=1e-9):
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    if ours.shape != theirs.shape:
        FAILURES.append("%s: shape %s vs torchvision %s" % (what, ours.shape, theirs.shape))
        print("FAIL", FAILURES[-1])
        return
    scale = max(np.abs(theirs).max(), 1e-30)
    err = np.abs(ours - theirs).max() / scale
    ok = err <= tol
    print("%s %-58s max|x| %-11.5g rel err %.2e" % ("ok  " if ok else "FAIL", what, scale, err))
    if not ok:
        FAILURES.append("%s: relative error %.3g" % (what, err))


def nchw_to_nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy()


def tconv(w, name):
    return torch.from_numpy(w[name]).to(DT).permute(3, 2, 0, 1).contiguous()


def set_bn(bn, w, name, eps, bias=None):
    bn.eps = eps
    bn.weight.data = torch.from_numpy(w[name + "/gamma:0"]).to(DT)
    bn.bias.data = torch.from_numpy(w[name + "/beta:0"]).to(DT)
    mean = torch.from_numpy(w[name + "/moving_mean:0"]).to(DT)
    if bias is not None:  # BN(conv(x) + b) == BN'(conv(x)) with running_mean' = mean - b
        mean = mean - torch.from_numpy(bias).to(DT)
    bn.running_mean.data = mean
    bn.running_var.data = torch.from_numpy(w[name + "/moving_variance:0"]).to(DT)


def check_vgg19(h, w, seed=11):
    g = kr.build("vgg19", h, w)
    wts = kr.generated_weights(g, seed)
    x = kr.generated_input("vgg19", 2, h, w, seed)
    cuts = ["block1_pool", "block2_pool", "block3_pool", "block4_pool", "block5_conv4", "block5_pool"]
    ours = kr.forward(g, wts, x, cuts)
    feats = torchvision.models.vgg19().features.to(DT).eval()
    convs = [n.name for n in g.layers() if n.op == "conv"]
    tv_convs = [m for m in feats if isinstance(m, nn.Conv2d)]
    assert len(convs) == len(tv_convs) == 16
    for name, m in zip(convs, tv_convs):
        m.weight.data = tconv(wts, name + "/kernel:0")
        m.bias.data = torch.from_numpy(wts[name + "/bias:0"]).to(DT)
    taps = {}
    t = torch.from_numpy(x).to(DT).permute(0, 3, 1, 2)
    pools, convs_seen = 0, 0
    with torch.no_grad():
        for m in feats:
            t = m(t)
            if isinstance(m, nn.MaxPool2d):
                pools += 1
                taps["block%d_pool" % pools] = nchw_to_nhwc(t)
            if isinstance(m, nn.ReLU):
                convs_seen += 1
                if convs_seen == 16:
                    taps["block5_conv4"] = nchw_to_nhwc(t)
    for c in cuts:
        compare("vgg19 %dx%d %s" % (h, w, c), ours[c], taps[c])


def check_resnet50(h, w, seed=12):
    g = kr.build("resnet50", h, w)
    wts = kr.generated_weights(g, seed)
    x = kr.generated_input("resnet50", 2, h, w, seed)
    cuts = ["pool1_pool", "conv2_block3_out", "conv3_block1_1_relu", "conv3_block4_out", "conv4_block2_2_relu",
            "conv4_block6_out", "conv5_block3_out"]
    ours = kr.forward(g, wts, x, cuts)
    net = torchvision.models.resnet50().to(DT).eval()
    eps = 1.001e-5
    net.conv1.weight.data = tconv(wts, "conv1_conv/kernel:0")
    set_bn(net.bn1, wts, "conv1_bn", eps, wts["conv1_conv/bias:0"])
    taps = {}
    for stage, layer in zip(range(2, 6), [net.layer1, net.layer2, net.layer3, net.layer4]):
        for b, block in enumerate(layer, start=1):
            name = "conv%d_block%d" % (stage, b)
            if b == 1 and block.conv2.stride != (1, 1):  # Keras v1: stride on the first 1x1 convolution
                s = block.conv2.stride
                block.conv2.stride = (1, 1)
                block.conv1.stride = s
            for i, (conv, bn) in enumerate([(block.conv1, block.bn1), (block.conv2, block.bn2),
                                            (block.conv3, block.bn3)], start=1):
                conv.weight.data = tconv(wts, "%s_%d_conv/kernel:0" % (name, i))
                set_bn(bn, wts, "%s_%d_bn" % (name, i), eps, wts["%s_%d_conv/bias:0" % (name, i)])
            if block.downsample is not None:
                block.downsample[0].weight.data = tconv(wts, name + "_0_conv/kernel:0")
                set_bn(block.downsample[1], wts, name + "_0_bn", eps, wts[name + "_0_conv/bias:0"])
            block.register_forward_hook(lambda m, i, o, name=name: taps.__setitem__(name + "_out", nchw_to_nhwc(o)))
            block.bn1.register_forward_hook(
                lambda m, i, o, name=name: taps.__setitem__(name + "_1_relu", nchw_to_nhwc(torch.relu(o))))
            block.bn2.register_forward_hook(
                lambda m, i, o, name=name: taps.__setitem__(name + "_2_relu", nchw_to_nhwc(torch.relu(o))))
    net.maxpool.register_forward_hook(lambda m, i, o: taps.__setitem__("pool1_pool", nchw_to_nhwc(o)))
    with torch.no_grad():
        net(torch.from_numpy(x).to(DT).permute(0, 3, 1, 2))
    for c in cuts:
        compare("resnet50 %dx%d %s" % (h, w, c), ours[c], taps[c])


class _SamePad(nn.Module):
    """TensorFlow's 'SAME' padding for a stride-2 3x3 convolution, then the convolution without padding."""

    def __init__(self, conv):
        super().__init__()
        conv.padding = (0, 0)
        self.conv = conv

    def forward(self, x):
        k, s = self.conv.kernel_size[0], self.conv.stride[0]
        (t, b), (l, r) = kr._same_pads(x.shape[2], k, s), kr._same_pads(x.shape[3], k, s)
        return self.conv(nn.functional.pad(x, (l, r, t, b)))


def check_mobilenet_v2(h, w, seed=13, same_pad=False):
    g = kr.build("mobilenet_v2", h, w)
    wts = kr.generated_weights(g, seed)
    x = kr.generated_input("mobilenet_v2", 2, h, w, seed)
    cuts = ["Conv1_relu", "expanded_conv_project_BN", "block_2_add", "block_3_depthwise_relu", "block_6_project_BN",
            "block_13_expand_relu", "block_16_project_BN", "out_relu"]
    ours = kr.forward(g, wts, x, cuts)
    net = torchvision.models.mobilenet_v2().to(DT).eval()
    f = net.features
    eps = 1e-3

    def cna(mod, conv_name, bn_name, depthwise=False):  # Conv2dNormActivation
        key = conv_name + ("/depthwise_kernel:0" if depthwise else "/kernel:0")
        k = torch.from_numpy(wts[key]).to(DT)
        mod[0].weight.data = (k.permute(2, 3, 0, 1) if depthwise else k.permute(3, 2, 0, 1)).contiguous()
        set_bn(mod[1], wts, bn_name, eps)
        if same_pad and mod[0].stride == (2, 2):
            mod[0] = _SamePad(mod[0])

    cna(f[0], "Conv1", "bn_Conv1")
    taps = {}
    f[0].register_forward_hook(lambda m, i, o: taps.__setitem__("Conv1_relu", nchw_to_nhwc(o)))
    for block_id in range(17):
        layers = f[block_id + 1].conv
        prefix = "block_%d_" % block_id if block_id else "expanded_conv_"
        j = 0
        if block_id:
            cna(layers[0], prefix + "expand", prefix + "expand_BN")
            layers[0].register_forward_hook(
                lambda m, i, o, p=prefix: taps.__setitem__(p + "expand_relu", nchw_to_nhwc(o)))
            j = 1
        cna(layers[j], prefix + "depthwise", prefix + "depthwise_BN", depthwise=True)
        layers[j].register_forward_hook(
            lambda m, i, o, p=prefix: taps.__setitem__(p + "depthwise_relu", nchw_to_nhwc(o)))
        layers[j + 1].weight.data = tconv(wts, prefix + "project/kernel:0")
        set_bn(layers[j + 2], wts, prefix + "project_BN", eps)
        layers[j + 2].register_forward_hook(
            lambda m, i, o, p=prefix: taps.__setitem__(p + "project_BN", nchw_to_nhwc(o)))
        f[block_id + 1].register_forward_hook(
            lambda m, i, o, p=prefix: taps.__setitem__(p + "add", nchw_to_nhwc(o)))
    cna(f[18], "Conv_1", "Conv_1_bn")
    f[18].register_forward_hook(lambda m, i, o: taps.__setitem__("out_relu", nchw_to_nhwc(o)))
    with torch.no_grad():
        f(torch.from_numpy(x).to(DT).permute(0, 3, 1, 2))
    how = "explicit SAME pads" if same_pad else "as is"
    for c in cuts:
        compare("mobilenet_v2 %dx%d (%s) %s" % (h, w, how, c), ours[c], taps[c])
    return ours, taps


def check_h5_round_trip():
    import h5py
    for base in kr.BASES:
        g = kr.build(base, 224, 224)
        wts = kr.generated_weights(g, 21)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, base + ".h5")
            kr.write_h5(path, g, wts)
            back = kr.read_h5(path, g)
            same = all(np.array_equal(back[k], v) for k, v in wts.items()) and len(back) == len(wts)
            with h5py.File(path, "r") as f:
                names = [n.decode() for n in f.attrs["layer_names"]]
                layout = names == [n.name for n in g.keras_order()]
                first = g.weight_specs()[0][0]
                layer = first.split("/")[0]
                layout &= [n.decode() for n in f[layer].attrs["weight_names"]][0] == first
                layout &= np.array_equal(f["/" + layer + "/" + first][()], wts[first])
        ok = same and layout
        print("%s h5 round trip %s (%d weights, Keras layout %s)" % ("ok  " if ok else "FAIL", base, len(wts), layout))
        if not ok:
            FAILURES.append("h5 round trip " + base)


def check_generator_test_vectors():
    """The README's test vectors, which ReferenceWeightsTest checks on the Java side."""
    ok = (kr.fnv1a64("") == 0xcbf29ce484222325 and kr.fnv1a64("input") == 0x1ebbae8f5810b65b
          and kr.fnv1a64("conv1_conv/kernel:0") == 0x6f57a8abfd8727b9
          and kr.uniform_stream("input", 14, 3).tolist() == [0.3546265959739685, 0.577768087387085,
                                                             0.6214821934700012]
          and kr.generated_weight("conv1_conv/kernel:0", (7, 7, 3, 64), 14).flat[:3].tolist()
          == [0.12514759600162506, 0.056388020515441895, 0.03361064940690994]
          and kr.generated_weight("conv1_bn/gamma:0", (64,), 14)[:2].tolist() == [0.5821362733840942,
                                                                                  0.5762060880661011]
          and kr.generated_input("mobilenet_v2", 1, 32, 32, 14).flat[:2].tolist() == [-0.872240424156189,
                                                                                      0.46660852432250977])
    # against a plain-Python SplitMix64, for a negative seed too
    mask = (1 << 64) - 1

    def mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)
    for name, seed in (("block_16_project_BN/moving_variance:0", -1), ("input", 2 ** 63 + 5)):
        key = kr.fnv1a64(name) ^ (seed & mask)
        plain = [(mix((key + (i + 1) * 0x9E3779B97F4A7C15) & mask) >> 40) * 2.0 ** -24 for i in range(5)]
        ok &= kr.uniform_stream(name, seed, 5).tolist() == plain
    print("%s generator test vectors (README) and plain-Python SplitMix64" % ("ok  " if ok else "FAIL"))
    if not ok:
        FAILURES.append("generator test vectors")


def check_h5_older_names():
    """Keras 1 names (``block1_conv1_W_1:0``) are read by order within a layer, as Keras's loader does."""
    import h5py
    g = kr.build("vgg19", 224, 224)
    wts = kr.generated_weights(g, 5)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "keras1.h5")
        with h5py.File(path, "w") as f:
            for n in g.keras_order():
                if n.weights:
                    grp = f.create_group(n.name)
                    names = [n.name + "_W_1:0", n.name + "_b_1:0"]
                    grp.attrs["weight_names"] = np.array([x.encode() for x in names])
                    for x, (wn, _, _) in zip(names, n.weights):
                        grp.create_dataset(x, data=wts[wn])
        back = kr.read_h5(path, g)
    ok = len(back) == len(wts) and all(np.array_equal(back[k], v) for k, v in wts.items())
    print("%s h5 with Keras 1 weight names read by order" % ("ok  " if ok else "FAIL"))
    if not ok:
        FAILURES.append("h5 Keras 1 names")


def check_parameter_counts():
    expected = {"vgg19": (20024384, 0), "resnet50": (23587712, 53120), "mobilenet_v2": (2257984, 34112)}
    for base, (total, frozen) in expected.items():
        t, _, fz = kr.build(base, 224, 224).parameter_counts()
        ok = (t, fz) == (total, frozen)
        print("%s parameters %s: %d (non-trainable %d), Keras %d (%d)" % ("ok  " if ok else "FAIL", base, t, fz,
                                                                          total, frozen))
        if not ok:
            FAILURES.append("parameters " + base)
    # Keras's model.layers order (summary, save_weights): a block's conv shortcut comes after _2_relu
    block = [n.name for n in kr.build("resnet50", 224, 224).layers() if n.name.startswith("conv2_block1_")]
    keras = ["conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu", "conv2_block1_2_conv",
             "conv2_block1_2_bn", "conv2_block1_2_relu", "conv2_block1_0_conv", "conv2_block1_3_conv",
             "conv2_block1_0_bn", "conv2_block1_3_bn", "conv2_block1_add", "conv2_block1_out"]
    print("%s layer order resnet50 conv2_block1 as Keras's summary" % ("ok  " if block == keras else "FAIL"))
    if block != keras:
        FAILURES.append("resnet50 layer order: %s" % block)
    for base in ("vgg19", "mobilenet_v2"):
        g = kr.build(base, 224, 224)
        same = [n.name for n in g.keras_order()] == [n.name for n in g.nodes]
        print("%s layer order %s is the creation order" % ("ok  " if same else "FAIL", base))
        if not same:
            FAILURES.append("layer order " + base)
    shapes = {"vgg19": (7, 7, 512), "resnet50": (7, 7, 2048), "mobilenet_v2": (7, 7, 1280)}
    for base, shape in shapes.items():
        got = kr.build(base, 224, 224).nodes[-1].shape
        print("%s output at 224 %s: %s" % ("ok  " if got == shape else "FAIL", base, got))
        if got != shape:
            FAILURES.append("output shape " + base)


def main():
    check_generator_test_vectors()
    check_parameter_counts()
    check_h5_round_trip()
    check_h5_older_names()
    check_vgg19(48, 48)
    check_vgg19(33, 41)
    check_resnet50(64, 64)
    check_resnet50(97, 75)
    for size in (33, 65, 97):
        check_mobilenet_v2(size, size)
    for hw in ((96, 96), (75, 75), (224, 224), (64, 77)):
        check_mobilenet_v2(*hw, same_pad=True)
    # a control: at an even size, torchvision's symmetric padding gives different numbers
    ours, taps = check_mobilenet_v2_unchanged_even()
    err = np.abs(ours - taps).max() / np.abs(taps).max()
    ok = err > 1e-3
    print("%s control: mobilenet_v2 96x96 torchvision unchanged differs from Keras padding (rel err %.2g)"
          % ("ok  " if ok else "FAIL", err))
    if not ok:
        FAILURES.append("control")
    if FAILURES:
        print("\n%d FAILURES:\n  %s" % (len(FAILURES), "\n  ".join(FAILURES)))
        return 1
    print("\nall checks passed")
    return 0


def check_mobilenet_v2_unchanged_even():
    import io
    import contextlib
    with contextlib.redirect_stdout(io.StringIO()):
        before = len(FAILURES)
        ours, taps = check_mobilenet_v2(96, 96)
        del FAILURES[before:]
    return ours["out_relu"], taps["out_relu"]


if __name__ == "__main__":
    sys.exit(main())
