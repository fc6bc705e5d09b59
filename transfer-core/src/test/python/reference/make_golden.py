#!/usr/bin/python3
"""Writes the golden reference data of testdata/reference/ (see transfer-core/src/test/python/reference/README.md).

    /usr/bin/python3 transfer-core/src/test/python/reference/make_golden.py [--out testdata/reference]

Another set in the same format, e.g. for a hidden check (the Java tests read it with -Dtransfer4j.reference=DIR):

    /usr/bin/python3 transfer-core/src/test/python/reference/make_golden.py --out /tmp/ref --seed 99 --no-summary \
        --case resnet50:57x91:conv2_block3_out,conv5_block3_out --case mobilenet_v2:41:block_2_add,out_relu

Deterministic: the same command gives byte-identical .npy files on any machine with the same NumPy/PyTorch (the
forward pass runs in float64; results are rounded to float32 once, at the end).
"""
import argparse
import json
import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kerasref as kr  # noqa: E402

SEED = 14
BATCH = 2
# (base, h, w, cut layers stored in full). Odd and non-square sizes on purpose: ResNet50's 97x75 and MobileNetV2's
# 75x83 put even and odd sizes (so both of correct_pad's cases) on different axes of the same layer.
FULL = [
    ("vgg19", 48, 48, ["block3_pool", "block5_conv4", "block5_pool"]),
    ("vgg19", 33, 41, ["block3_pool", "block4_conv4", "block5_pool"]),
    ("resnet50", 64, 64, ["conv3_block1_1_relu", "conv4_block2_2_relu", "conv4_block6_out", "conv5_block3_out"]),
    ("resnet50", 97, 75, ["conv4_block1_out", "conv4_block2_2_relu", "conv5_block3_out"]),
    ("mobilenet_v2", 96, 96, ["block_3_depthwise_relu", "block_6_project_BN", "block_13_expand_relu", "out_relu"]),
    ("mobilenet_v2", 75, 83, ["block_6_project_BN", "block_13_expand_relu", "block_16_project_BN", "out_relu"]),
    # Keras's smallest inputs, with cuts at ZeroPadding2D layers and on a shortcut branch
    ("resnet50", 32, 32, ["conv1_pad", "conv3_block1_0_bn", "conv5_block3_out"]),
    ("mobilenet_v2", 32, 33, ["block_6_pad", "block_13_pad", "out_relu"]),
]
# At 224 px only summaries are stored (the full tensors would be several MB): the input is regenerated from the seed,
# and for the last layer the spatial mean (N, C) and the top-left crop [:, :3, :3, :32].
SUMMARY = [("vgg19", 224, 224), ("resnet50", 224, 224), ("mobilenet_v2", 224, 224)]
CROP = (3, 3, 32)


def versions():
    import torch
    import h5py
    return {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "h5py": h5py.__version__, "platform": platform.platform()}


def save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def write_listings(out, base, seed):
    g = kr.build(base, 224, 224)
    with open(os.path.join(out, base, "weights.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("name,shape,trainable,first,sum_abs\n")
        for name, shape, trainable in g.weight_specs():
            w = kr.generated_weight(name, shape, seed)
            f.write("%s,%s,%s,%s,%s\n" % (name, "x".join(map(str, shape)), str(trainable).lower(),
                                          repr(float(w.flat[0])), repr(float(np.abs(w.astype(np.float64)).sum()))))
    with open(os.path.join(out, base, "layers.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("name,keras_type,inputs,output_shape_224\n")
        for n in g.layers():
            f.write("%s,%s,%s,%s\n" % (n.name, n.keras_type, ";".join(n.inputs), "x".join(map(str, n.shape))))
    total, trainable, frozen = g.parameter_counts()
    return {"parameters": total, "trainable": trainable, "non_trainable": frozen,
            "output_shape_224": list(g.nodes[-1].shape), "layers": len(g.layers()), "weights": len(g.weight_specs())}


def stats(a):
    a = a.astype(np.float64)
    return {"max_abs": float(np.abs(a).max()), "mean": float(a.mean()), "std": float(a.std())}


def conditioning(g, weights, x, cuts, reference, summarise=lambda y: y):
    """How far a float32 forward pass and one with bfloat16-rounded convolution inputs and kernels land from the
    float64 reference (max |diff| / max |x|): what an engine can be expected to achieve. Warns above 1e-5 / 1.5e-2,
    where the weights make the network too ill-conditioned for the Java tests' 1e-4 / 2e-2."""
    import torch
    f32 = kr.forward(g, weights, x, cuts, dtype=torch.float32)
    b16 = kr.forward(g, weights, x, cuts, dtype=torch.float32, bf16_convolutions=True)
    out = {}
    for c in cuts:
        ref = summarise(reference[c])
        scale = np.abs(ref).max()
        e32 = float(np.abs(summarise(f32[c]) - ref).max() / scale)
        e16 = float(np.abs(summarise(b16[c]) - ref).max() / scale)
        if e32 > 1e-5 or e16 > 1.5e-2:
            print("WARNING: %s %s: float32 error %.2g, bf16 estimate %.2g: ill-conditioned" % (g.name, c, e32, e16))
        out[c] = {"float32_error": e32, "bf16_error_estimate": e16}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "..", "..", "..", "..", "testdata", "reference")))
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--case", action="append", default=None,
                   help="BASE:H[xW]:LAYER[,LAYER...] stored in full (repeatable); default: the repository's cases")
    p.add_argument("--no-summary", action="store_true", help="skip the 224 px summaries")
    a = p.parse_args()
    full = FULL
    if a.case:
        full = []
        for spec in a.case:
            base, size, layers = spec.split(":")
            h, w = (size.split("x") + size.split("x"))[:2]
            full.append((base, int(h), int(w), layers.split(",")))
    summary = [] if a.no_summary else SUMMARY
    seed = a.seed
    import torch
    torch.set_num_threads(1)
    out = a.out
    manifest = {"seed": seed, "batch": BATCH, "input_scale": kr.INPUT_SCALE, "produced_by": versions(),
                "command": "/usr/bin/python3 transfer-core/src/test/python/reference/make_golden.py", "bases": {}, "cases": []}
    for base in kr.BASES:
        os.makedirs(os.path.join(out, base), exist_ok=True)
        manifest["bases"][base] = write_listings(out, base, seed)
    for base, h, w, cuts in full:
        g = kr.build(base, h, w)
        x = kr.generated_input(base, BATCH, h, w, seed)
        weights = kr.generated_weights(g, seed)
        outs = kr.forward(g, weights, x, cuts)
        cond = conditioning(g, weights, x, cuts, outs)
        d = "%s/%dx%d" % (base, h, w)
        save(os.path.join(out, d, "input.npy"), x)
        case = {"base": base, "height": h, "width": w, "input": d + "/input.npy", "input_stats": stats(x),
                "outputs": []}
        for c in cuts:
            save(os.path.join(out, d, c + ".npy"), outs[c])
            case["outputs"].append({"layer": c, "kind": "full", "file": "%s/%s.npy" % (d, c),
                                    "shape": list(outs[c].shape), **stats(outs[c]), **cond[c]})
        manifest["cases"].append(case)
        print("%s %dx%d: %s" % (base, h, w, ", ".join(cuts)), flush=True)
    for base, h, w in summary:
        g = kr.build(base, h, w)
        last = g.nodes[-1].name
        x = kr.generated_input(base, BATCH, h, w, seed)
        weights = kr.generated_weights(g, seed)
        y = kr.forward(g, weights, x, [last])[last]
        cond_mean = conditioning(g, weights, x, [last], {last: y}, lambda t: t.mean(axis=(1, 2)))[last]
        cond_crop = conditioning(g, weights, x, [last], {last: y}, lambda t: t[:, :CROP[0], :CROP[1], :CROP[2]])[last]
        d = "%s/%dx%d" % (base, h, w)
        mean_hw = y.mean(axis=(1, 2))
        crop = y[:, :CROP[0], :CROP[1], :CROP[2]]
        save(os.path.join(out, d, last + ".mean_hw.npy"), mean_hw)
        save(os.path.join(out, d, last + ".crop.npy"), crop)
        manifest["cases"].append({
            "base": base, "height": h, "width": w, "input": None, "input_stats": stats(x),
            "outputs": [{"layer": last, "kind": "mean_hw", "file": "%s/%s.mean_hw.npy" % (d, last),
                         "shape": list(mean_hw.shape), "full_shape": list(y.shape), **stats(mean_hw),
                         "full_max_abs": float(np.abs(y).max()), **cond_mean},
                        {"layer": last, "kind": "crop", "file": "%s/%s.crop.npy" % (d, last),
                         "crop": list(CROP), "shape": list(crop.shape), "full_shape": list(y.shape), **stats(crop),
                         "full_max_abs": float(np.abs(y).max()), **cond_crop}]})
        print("%s %dx%d: %s (summary)" % (base, h, w, last), flush=True)
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(r, n)) for r, _, fs in os.walk(out) for n in fs)
    print("wrote %s (%.2f MB)" % (out, total / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
