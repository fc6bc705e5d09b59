#!/usr/bin/python3
"""An independent reference for transfer4j's convolutional bases: VGG19, ResNet50 (Keras v1) and MobileNetV2.

Written from Keras's own source (``keras/applications/vgg19.py``, ``resnet.py`` ``ResNet``/``stack1``/``block1``,
``mobilenet_v2.py`` ``_inverted_res_block`` and ``imagenet_utils.correct_pad``), with Keras's layer names and
weight names/shapes, BatchNormalization in inference mode, and every named layer's output available. The forward
pass runs in float64 with PyTorch's functional ops (NCHW inside, NHWC at the boundary); nothing of torchvision's
models is used, so ResNet50 is v1 (stride on the first 1x1 convolution), not torchvision's v1.5.

Weights come from a Keras-layout h5 file (what ``model.save_weights`` writes) or from the deterministic generator
that the Java tests share (see README.md, "Deterministic weights"); the tool can also write such an h5 file.

Usage (see ``python3 kerasref.py -h``)::

    python3 kerasref.py list resnet50                  # layer names, output shapes at 224, weights
    python3 kerasref.py params mobilenet_v2            # Keras's parameter counts
    python3 kerasref.py write-h5 vgg19 --seed 7 out.h5 # generated weights as a Keras weights file
    python3 kerasref.py forward resnet50 --size 64 --seed 7 --layers conv4_block6_out --out dir/
"""
import argparse
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np

BASES = ("vgg19", "resnet50", "mobilenet_v2")

# ---------------------------------------------------------------------------------------------------------------
# Deterministic weights (the contract with the Java side; keep in step with README.md)
# ---------------------------------------------------------------------------------------------------------------
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3


def fnv1a64(text):
    """FNV-1a, 64 bit, over the UTF-8 bytes of ``text``."""
    h = _FNV_OFFSET
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * _FNV_PRIME) & _MASK
    return h


def uniform_stream(name, seed, count):
    """``count`` values u in [0, 1) for ``name``: SplitMix64's finaliser of key + (i+1)*golden, top 24 bits."""
    key = np.uint64(fnv1a64(name) ^ (seed & _MASK))
    with np.errstate(over="ignore"):
        i = np.arange(1, count + 1, dtype=np.uint64)
        z = key + i * np.uint64(_GOLDEN)
        z = z ^ (z >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) * (2.0 ** -24)


def generated_weight(name, shape, seed):
    """The generated value of Keras weight ``name`` (e.g. ``conv1_conv/kernel:0``) with ``shape``, as float32."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform_stream(name, seed, n)
    var = name.rsplit("/", 1)[-1]
    if var == "kernel:0":  # LeCun-uniform, variance 1/fan_in (README: why not He's 2/fan_in)
        fan_in = shape[0] * shape[1] * shape[2]
        v = (2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)
    elif var == "depthwise_kernel:0":
        fan_in = shape[0] * shape[1]
        v = (2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)
    elif var in ("bias:0", "beta:0", "moving_mean:0"):
        v = (2.0 * u - 1.0) * 0.1
    elif var in ("gamma:0", "moving_variance:0"):
        v = 0.5 + u
    else:
        raise ValueError("no generator rule for weight %r" % name)
    return v.astype(np.float32).reshape(shape)


INPUT_SCALE = {"vgg19": 128.0, "resnet50": 128.0, "mobilenet_v2": 3.0}


def generated_input(base, n, h, w, seed):
    """An NHWC batch (2u-1)*scale from the name ``input``: scale 128 (caffe-like pixels) for VGG19 and ResNet50, 3
    for MobileNetV2 (wider than tf mode's [-1, 1], so that ReLU6's cap at 6 is reached in the early layers)."""
    u = uniform_stream("input", seed, n * h * w * 3)
    return ((2.0 * u - 1.0) * INPUT_SCALE[base]).astype(np.float32).reshape(n, h, w, 3)


# ---------------------------------------------------------------------------------------------------------------
# Layer graph with Keras's names
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Node:
    name: str
    op: str                  # input conv dwconv bn relu relu6 pad maxpool add
    inputs: list
    shape: tuple             # output (H, W, C) for one image
    cfg: dict = field(default_factory=dict)
    weights: list = field(default_factory=list)   # [(keras weight name, shape, trainable)]
    keras_type: str = ""


def _same_pads(size, k, s):
    """TensorFlow's 'SAME' padding (before, after) along one axis."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Graph:
    def __init__(self, name, h, w):
        self.name = name
        self.nodes = []
        self.by_name = {}
        self.input = self._add(Node("input_1", "input", [], (h, w, 3), keras_type="InputLayer"))

    def _add(self, node):
        if node.name in self.by_name:
            raise ValueError("duplicate layer name %s" % node.name)
        self.nodes.append(node)
        self.by_name[node.name] = node
        return node.name

    def shape(self, x):
        return self.by_name[x].shape

    def conv(self, name, x, filters, k, stride=1, padding="valid", bias=True, relu=False):
        h, w, c = self.shape(x)
        if padding == "same":
            pads = (_same_pads(h, k, stride), _same_pads(w, k, stride))
        else:
            pads = ((0, 0), (0, 0))
        ho = (h + sum(pads[0]) - k) // stride + 1
        wo = (w + sum(pads[1]) - k) // stride + 1
        if ho < 1 or wo < 1:
            raise ValueError("layer %s: input %dx%d is too small" % (name, h, w))
        weights = [(name + "/kernel:0", (k, k, c, filters), True)]
        if bias:
            weights.append((name + "/bias:0", (filters,), True))
        return self._add(Node(name, "conv", [x], (ho, wo, filters),
                              dict(stride=stride, pads=pads, relu=relu), weights, "Conv2D"))

    def dwconv(self, name, x, k, stride=1, padding="valid"):
        h, w, c = self.shape(x)
        if padding == "same":
            pads = (_same_pads(h, k, stride), _same_pads(w, k, stride))
        else:
            pads = ((0, 0), (0, 0))
        ho = (h + sum(pads[0]) - k) // stride + 1
        wo = (w + sum(pads[1]) - k) // stride + 1
        if ho < 1 or wo < 1:
            raise ValueError("layer %s: input %dx%d is too small" % (name, h, w))
        return self._add(Node(name, "dwconv", [x], (ho, wo, c), dict(stride=stride, pads=pads),
                              [(name + "/depthwise_kernel:0", (k, k, c, 1), True)], "DepthwiseConv2D"))

    def bn(self, name, x, eps):
        c = self.shape(x)[2]
        weights = [(name + "/gamma:0", (c,), True), (name + "/beta:0", (c,), True),
                   (name + "/moving_mean:0", (c,), False), (name + "/moving_variance:0", (c,), False)]
        return self._add(Node(name, "bn", [x], self.shape(x), dict(eps=eps), weights, "BatchNormalization"))

    def relu(self, name, x, cap=None):
        kt = "ReLU" if cap is not None else "Activation"
        return self._add(Node(name, "relu", [x], self.shape(x), dict(cap=cap), keras_type=kt))

    def pad(self, name, x, pads):
        h, w, c = self.shape(x)
        return self._add(Node(name, "pad", [x], (h + sum(pads[0]), w + sum(pads[1]), c), dict(pads=pads),
                              keras_type="ZeroPadding2D"))

    def maxpool(self, name, x, k, stride):
        h, w, c = self.shape(x)
        ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
        if ho < 1 or wo < 1:
            raise ValueError("layer %s: input %dx%d is too small" % (name, h, w))
        return self._add(Node(name, "maxpool", [x], (ho, wo, c), dict(k=k, stride=stride),
                              keras_type="MaxPooling2D"))

    def add(self, name, a, b):
        if self.shape(a) != self.shape(b):
            raise ValueError("layer %s: shapes %s and %s differ" % (name, self.shape(a), self.shape(b)))
        return self._add(Node(name, "add", [a, b], self.shape(a), keras_type="Add"))

    # -- listings -------------------------------------------------------------------------------------------------
    def keras_order(self):
        """Every node in the order of Keras's ``model.layers`` (and so of ``summary()`` and ``save_weights``):
        Keras's ``_map_graph_network`` sorts layers by decreasing depth (the longest path to the output), ties by
        the order a depth-first walk from the output first reaches them (inputs in call order). For ResNet50 this
        puts a block's ``_0_conv`` shortcut after ``_2_relu``; for VGG19 and MobileNetV2 it is the creation order."""
        out = self.nodes[-1].name
        index = {}
        stack = [out]
        while stack:  # pre-order, inputs in call order
            name = stack.pop()
            if name in index:
                continue
            index[name] = len(index)
            stack.extend(reversed(self.by_name[name].inputs))
        depth = {out: 0}
        for n in reversed(self.nodes):  # creation order is topological, so consumers come first here
            d = depth.get(n.name, 0)
            for i in n.inputs:
                depth[i] = max(depth.get(i, 0), d + 1)
        return sorted(self.nodes, key=lambda n: (-depth[n.name], index[n.name]))

    def layers(self):
        """The layers after the input, in Keras's order (``keras_order``)."""
        return [n for n in self.keras_order() if n.op != "input"]

    def weight_specs(self):
        """Every weight (name, shape, trainable) in Keras's order."""
        return [wt for n in self.keras_order() for wt in n.weights]

    def parameter_counts(self):
        total = sum(int(np.prod(s)) for _, s, _ in self.weight_specs())
        frozen = sum(int(np.prod(s)) for _, s, t in self.weight_specs() if not t)
        return total, total - frozen, frozen


def vgg19(h, w):
    """``keras.applications.vgg19.VGG19(include_top=False)``."""
    g = Graph("vgg19", h, w)
    x = g.input
    for block, (convs, filters) in enumerate([(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)], start=1):
        for i in range(1, convs + 1):
            x = g.conv("block%d_conv%d" % (block, i), x, filters, 3, padding="same", relu=True)
        x = g.maxpool("block%d_pool" % block, x, 2, 2)
    return g


def _block1(g, x, filters, stride=1, conv_shortcut=True, name=None):
    eps = 1.001e-5
    if conv_shortcut:
        shortcut = g.conv(name + "_0_conv", x, 4 * filters, 1, stride=stride)
        shortcut = g.bn(name + "_0_bn", shortcut, eps)
    else:
        shortcut = x
    x = g.conv(name + "_1_conv", x, filters, 1, stride=stride)
    x = g.bn(name + "_1_bn", x, eps)
    x = g.relu(name + "_1_relu", x)
    x = g.conv(name + "_2_conv", x, filters, 3, padding="same")
    x = g.bn(name + "_2_bn", x, eps)
    x = g.relu(name + "_2_relu", x)
    x = g.conv(name + "_3_conv", x, 4 * filters, 1)
    x = g.bn(name + "_3_bn", x, eps)
    x = g.add(name + "_add", shortcut, x)
    return g.relu(name + "_out", x)


def _stack1(g, x, filters, blocks, stride1=2, name=None):
    x = _block1(g, x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = _block1(g, x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def resnet50(h, w):
    """``keras.applications.resnet.ResNet50(include_top=False)`` (``ResNet(stack_fn, preact=False, use_bias=True)``)."""
    g = Graph("resnet50", h, w)
    x = g.pad("conv1_pad", g.input, ((3, 3), (3, 3)))
    x = g.conv("conv1_conv", x, 64, 7, stride=2)
    x = g.bn("conv1_bn", x, 1.001e-5)
    x = g.relu("conv1_relu", x)
    x = g.pad("pool1_pad", x, ((1, 1), (1, 1)))
    x = g.maxpool("pool1_pool", x, 3, 2)
    x = _stack1(g, x, 64, 3, stride1=1, name="conv2")
    x = _stack1(g, x, 128, 4, name="conv3")
    x = _stack1(g, x, 256, 6, name="conv4")
    _stack1(g, x, 512, 3, name="conv5")
    return g


def correct_pad(size, k):
    """``imagenet_utils.correct_pad`` for a known (h, w): ((top, bottom), (left, right))."""
    adjust = (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (k // 2, k // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _inverted_res_block(g, inputs, expansion, stride, alpha, filters, block_id):
    eps = 1e-3
    in_channels = g.shape(inputs)[2]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = "block_{}_".format(block_id)
    if block_id:
        x = g.conv(prefix + "expand", x, expansion * in_channels, 1, padding="same", bias=False)
        x = g.bn(prefix + "expand_BN", x, eps)
        x = g.relu(prefix + "expand_relu", x, cap=6.0)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = g.pad(prefix + "pad", x, correct_pad(g.shape(x)[:2], 3))
    x = g.dwconv(prefix + "depthwise", x, 3, stride=stride, padding="same" if stride == 1 else "valid")
    x = g.bn(prefix + "depthwise_BN", x, eps)
    x = g.relu(prefix + "depthwise_relu", x, cap=6.0)
    x = g.conv(prefix + "project", x, pointwise_filters, 1, padding="same", bias=False)
    x = g.bn(prefix + "project_BN", x, eps)
    if in_channels == pointwise_filters and stride == 1:
        return g.add(prefix + "add", inputs, x)
    return x


def mobilenet_v2(h, w, alpha=1.0):
    """``keras.applications.MobileNetV2(alpha=1.0, include_top=False)`` (tf.keras 2.x: ``Conv1`` is 'same',
    stride 2, which for a 3x3 kernel pads exactly as ``correct_pad``; keras-applications 1.0.x spelled this as a
    ``Conv1_pad`` ZeroPadding2D layer plus a 'valid' convolution)."""
    g = Graph("mobilenet_v2", h, w)
    x = g.conv("Conv1", g.input, _make_divisible(32 * alpha, 8), 3, stride=2, padding="same", bias=False)
    x = g.bn("bn_Conv1", x, 1e-3)
    x = g.relu("Conv1_relu", x, cap=6.0)
    spec = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
            (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6)]
    for block_id, (filters, stride, expansion) in enumerate(spec):
        x = _inverted_res_block(g, x, expansion, stride, alpha, filters, block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = g.conv("Conv_1", x, last, 1, bias=False)
    x = g.bn("Conv_1_bn", x, 1e-3)
    g.relu("out_relu", x, cap=6.0)
    return g


BUILDERS = {"vgg19": vgg19, "resnet50": resnet50, "mobilenet_v2": mobilenet_v2}


def build(base, h, w):
    if base not in BUILDERS:
        raise ValueError("unknown base %r; bases are %s" % (base, ", ".join(BASES)))
    if h < 32 or w < 32:
        raise ValueError("input %dx%d is smaller than Keras's minimum 32x32" % (h, w))
    return BUILDERS[base](h, w)


# ---------------------------------------------------------------------------------------------------------------
# Weights: generator, h5 read/write
# ---------------------------------------------------------------------------------------------------------------
def generated_weights(graph, seed):
    return {name: generated_weight(name, shape, seed) for name, shape, _ in graph.weight_specs()}


def write_h5(path, graph, weights):
    """Writes ``weights`` (Keras weight name -> array) as ``model.save_weights`` does in the h5 format:
    root attrs ``layer_names``, ``backend``, ``keras_version``; one group per layer with attr ``weight_names``;
    data set ``/<layer>/<layer>/<var>:0``."""
    import h5py
    check_weights(graph, weights)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.name.encode("utf-8") for n in graph.keras_order()])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.11.0"
        for n in graph.keras_order():
            grp = f.create_group(n.name)
            grp.attrs["weight_names"] = np.array([wn.encode("utf-8") for wn, _, _ in n.weights], dtype="S")
            for wn, _, _ in n.weights:
                grp.create_dataset(wn, data=np.asarray(weights[wn], dtype=np.float32))


def read_h5(path, graph):
    """Reads a Keras weights file (``save_weights`` layout, or ``model.save``'s under ``model_weights``) by layer
    name. Within a layer, weights are taken by Keras weight name when the names match (``conv1_conv/kernel:0``),
    else in the order of the group's ``weight_names`` attribute — as Keras's own loader does, which is what older
    files with other names (``block1_conv1_W_1:0``, ``..._b_1:0``) need. Every weight's shape is checked."""
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        for n in graph.keras_order():
            if not n.weights:
                continue
            if n.name not in root:
                raise ValueError("%s: no group for layer %r; groups are %s" % (path, n.name, sorted(root.keys())))
            grp = root[n.name]
            names = [x.decode("utf-8") if isinstance(x, bytes) else str(x)
                     for x in grp.attrs.get("weight_names", [])]
            if not names:  # no attribute: every data set under the group, in h5py's (alphabetical) order
                grp.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
            found = {wn: np.asarray(grp[wn], dtype=np.float32) for wn in names}
            wanted = [wn for wn, _, _ in n.weights]
            if not all(wn in found for wn in wanted):
                alias = {wn: found[wn.split("/", 1)[1]] for wn in wanted if wn.split("/", 1)[1] in found}
                if len(alias) == len(wanted):
                    found = alias
                elif len(names) == len(wanted) and grp.attrs.get("weight_names") is not None:
                    found = {wn: found[h] for wn, h in zip(wanted, names)}
                else:
                    raise ValueError("%s: layer %r needs weights %s; the file has %s" % (path, n.name, wanted, names))
            for wn, shape, _ in n.weights:
                if tuple(found[wn].shape) != tuple(shape):
                    raise ValueError("%s: weight %r has shape %s, expected %s"
                                     % (path, wn, found[wn].shape, tuple(shape)))
                out[wn] = found[wn]
    return out


def check_weights(graph, weights):
    for wn, shape, _ in graph.weight_specs():
        if wn not in weights:
            raise ValueError("missing weight %r" % wn)
        if tuple(np.shape(weights[wn])) != tuple(shape):
            raise ValueError("weight %r has shape %s, expected %s" % (wn, np.shape(weights[wn]), tuple(shape)))


# ---------------------------------------------------------------------------------------------------------------
# Forward pass (float64, inference-mode BN)
# ---------------------------------------------------------------------------------------------------------------
def forward(graph, weights, x_nhwc, capture=None, dtype=None, bf16_convolutions=False):
    """Runs ``graph`` on an NHWC batch; returns {layer name: NHWC float64 array} for ``capture`` (default: the last
    layer). Every layer's output can be captured by name; unknown names are an error listing the valid ones.

    ``dtype`` (default torch.float64) is the arithmetic; ``bf16_convolutions`` rounds every convolution's input and
    kernel to bfloat16 (accumulating in ``dtype``), to estimate what a bf16 engine can achieve."""
    import torch
    import torch.nn.functional as F
    dtype = dtype or torch.float64
    check_weights(graph, weights)
    if capture is None:
        capture = [graph.nodes[-1].name]
    unknown = [c for c in capture if c not in graph.by_name]
    if unknown:
        raise ValueError("unknown layer(s) %s in %s; layers are %s"
                         % (unknown, graph.name, ", ".join(n.name for n in graph.layers())))
    x_nhwc = np.asarray(x_nhwc)
    h, w, _ = graph.nodes[0].shape
    if x_nhwc.ndim != 4 or x_nhwc.shape[1:] != (h, w, 3):
        raise ValueError("input has shape %s, expected (N, %d, %d, 3)" % (x_nhwc.shape, h, w))

    def t(name):
        return torch.from_numpy(np.asarray(weights[name], dtype=np.float32)).to(dtype)

    # remaining consumers, to free intermediate tensors early
    uses = {}
    for n in graph.nodes:
        for i in n.inputs:
            uses[i] = uses.get(i, 0) + 1
    vals = {}
    out = {}
    with torch.no_grad():
        for n in graph.nodes:
            if n.op == "input":
                y = torch.from_numpy(x_nhwc.astype(np.float32)).to(dtype).permute(0, 3, 1, 2).contiguous()
            else:
                a = vals[n.inputs[0]]
                if n.op in ("conv", "dwconv") and bf16_convolutions:
                    a = a.to(torch.bfloat16).to(dtype)
                if n.op == "conv":
                    (pt, pb), (pl, pr) = n.cfg["pads"]
                    a = F.pad(a, (pl, pr, pt, pb)) if (pt or pb or pl or pr) else a
                    k = t(n.name + "/kernel:0").permute(3, 2, 0, 1)
                    k = k.to(torch.bfloat16).to(dtype) if bf16_convolutions else k
                    b = t(n.name + "/bias:0") if len(n.weights) > 1 else None
                    y = F.conv2d(a, k, b, stride=n.cfg["stride"])
                    if n.cfg["relu"]:
                        y = torch.relu(y)
                elif n.op == "dwconv":
                    (pt, pb), (pl, pr) = n.cfg["pads"]
                    a = F.pad(a, (pl, pr, pt, pb)) if (pt or pb or pl or pr) else a
                    k = t(n.name + "/depthwise_kernel:0").permute(2, 3, 0, 1)
                    k = k.to(torch.bfloat16).to(dtype) if bf16_convolutions else k
                    y = F.conv2d(a, k, None, stride=n.cfg["stride"], groups=a.shape[1])
                elif n.op == "bn":
                    gamma, beta = t(n.name + "/gamma:0"), t(n.name + "/beta:0")
                    mean, var = t(n.name + "/moving_mean:0"), t(n.name + "/moving_variance:0")
                    scale = gamma / torch.sqrt(var + n.cfg["eps"])
                    y = (a - mean.view(1, -1, 1, 1)) * scale.view(1, -1, 1, 1) + beta.view(1, -1, 1, 1)
                elif n.op == "relu":
                    y = torch.relu(a) if n.cfg["cap"] is None else torch.clamp(a, 0.0, n.cfg["cap"])
                elif n.op == "pad":
                    (pt, pb), (pl, pr) = n.cfg["pads"]
                    y = F.pad(a, (pl, pr, pt, pb))
                elif n.op == "maxpool":
                    y = F.max_pool2d(a, n.cfg["k"], n.cfg["stride"])
                elif n.op == "add":
                    y = a + vals[n.inputs[1]]
                else:
                    raise AssertionError(n.op)
                for i in n.inputs:
                    uses[i] -= 1
                    if uses[i] == 0 and i in vals:
                        del vals[i]
            if tuple(y.shape[1:]) != (n.shape[2], n.shape[0], n.shape[1]):
                raise AssertionError("%s: computed %s, expected %s" % (n.name, tuple(y.shape), n.shape))
            if n.name in capture:
                out[n.name] = y.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float64)
            if uses.get(n.name, 0):
                vals[n.name] = y
    return out


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------
def _shape_str(shape):
    return "x".join(str(s) for s in shape)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="layers (type, inputs, output shape) and weights (name, shape)")
    ls.add_argument("base", choices=BASES)
    ls.add_argument("--size", type=int, nargs="+", default=[224])
    pc = sub.add_parser("params", help="Keras's parameter counts (total, trainable, non-trainable)")
    pc.add_argument("base", choices=BASES)
    wh = sub.add_parser("write-h5", help="write generated weights as a Keras-layout h5 weights file")
    wh.add_argument("base", choices=BASES)
    wh.add_argument("--seed", type=int, required=True)
    wh.add_argument("out")
    fw = sub.add_parser("forward", help="capture named layers' outputs (NHWC .npy)")
    fw.add_argument("base", choices=BASES)
    fw.add_argument("--size", type=int, nargs="+", required=True, help="H [W]")
    fw.add_argument("--batch", type=int, default=2)
    fw.add_argument("--seed", type=int, default=None, help="generated weights (and input) with this seed")
    fw.add_argument("--weights", default=None, help="a Keras-layout h5 weights file instead")
    fw.add_argument("--input", default=None, help="an NHWC .npy input (default: generated from --input-seed)")
    fw.add_argument("--input-seed", type=int, default=None, help="default: --seed, else 0")
    fw.add_argument("--layers", default=None, help="comma-separated layer names (default: the last layer)")
    fw.add_argument("--out", required=True, help="directory for <layer>.npy (and input.npy)")
    a = p.parse_args(argv)

    if a.cmd == "list":
        h, w = (a.size + a.size)[:2]
        g = build(a.base, h, w)
        for n in g.layers():
            print("%-28s %-20s %-14s <- %s" % (n.name, n.keras_type, _shape_str(n.shape), ", ".join(n.inputs)))
        print()
        for wn, shape, tr in g.weight_specs():
            print("%-44s %-16s %s" % (wn, _shape_str(shape), "trainable" if tr else "non-trainable"))
    elif a.cmd == "params":
        total, trainable, frozen = build(a.base, 224, 224).parameter_counts()
        print("%s: total %d, trainable %d, non-trainable %d" % (a.base, total, trainable, frozen))
    elif a.cmd == "write-h5":
        g = build(a.base, 224, 224)
        write_h5(a.out, g, generated_weights(g, a.seed))
        print("wrote %s (%d weights)" % (a.out, len(g.weight_specs())))
    elif a.cmd == "forward":
        h, w = (a.size + a.size)[:2]
        g = build(a.base, h, w)
        if (a.seed is None) == (a.weights is None):
            p.error("give exactly one of --seed and --weights")
        weights = generated_weights(g, a.seed) if a.weights is None else read_h5(a.weights, g)
        if a.input:
            x = np.load(a.input)
        else:
            s = a.input_seed if a.input_seed is not None else (a.seed if a.seed is not None else 0)
            x = generated_input(a.base, a.batch, h, w, s)
        layers = a.layers.split(",") if a.layers else None
        outs = forward(g, weights, x, layers)
        os.makedirs(a.out, exist_ok=True)
        np.save(os.path.join(a.out, "input.npy"), x.astype(np.float32))
        for k, v in outs.items():
            np.save(os.path.join(a.out, k + ".npy"), v.astype(np.float32))
            print("%s %s max|x| %.6g" % (k, v.shape, np.abs(v).max()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError) as e:
        print("kerasref: error: %s" % e, file=sys.stderr)
        sys.exit(2)
