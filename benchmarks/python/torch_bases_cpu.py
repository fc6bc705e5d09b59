#!/usr/bin/python3
"""Peer of ConvBaseForwardBenchmark -p base=...: the conv base of torchvision's vgg19, resnet50 (changed to Keras's
v1: the stride 2 on the first 1x1 convolution of a stage, not on the 3x3) or mobilenet_v2, forward on the CPU, as
../shared/bench/torch_vgg16_cpu.py runs VGG16 (freed memory retained, optional channels-last and bf16 autocast).

Needs Debian's python3-torch and python3-torchvision. Not run on the machine these bases were written on (no torch
there); the numbers belong beside the JMH ones measured in the same minute.
Usage: torch_bases_cpu.py --base resnet50 [--batch 20] [--size 224] [--threads 2] [--iters 6] [--channels-last] [--bf16]
Prints one line: images/s (median over iterations after one warm-up).
"""
import argparse, contextlib, ctypes, statistics, time


def retain_freed_memory():
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-4, 0)            # M_MMAP_MAX: no mmap for large blocks
    libc.mallopt(-1, 2 ** 31 - 1)  # M_TRIM_THRESHOLD: never give memory back
    libc.mallopt(-2, 1 << 30)      # M_TOP_PAD


import torch, torchvision

p = argparse.ArgumentParser()
p.add_argument("--base", choices=["vgg19", "resnet50", "mobilenet_v2"], required=True)
p.add_argument("--batch", type=int, default=20)
p.add_argument("--size", type=int, default=224)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--iters", type=int, default=6)
p.add_argument("--default-malloc", action="store_true")
p.add_argument("--channels-last", action="store_true")
p.add_argument("--bf16", action="store_true")
a = p.parse_args()
if not a.default_malloc:
    retain_freed_memory()
torch.set_num_threads(a.threads)

if a.base == "vgg19":
    model = torchvision.models.vgg19().features
elif a.base == "mobilenet_v2":
    model = torchvision.models.mobilenet_v2().features
else:
    net = torchvision.models.resnet50()
    for stage in (net.layer2, net.layer3, net.layer4):  # v1.5 -> v1, as Keras's ResNet50
        stage[0].conv1.stride, stage[0].conv2.stride = (2, 2), (1, 1)
    model = torch.nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3,
                                net.layer4)
fmt = torch.channels_last if a.channels_last else torch.contiguous_format
model = model.eval().to(memory_format=fmt)
x = torch.rand(a.batch, 3, a.size, a.size).to(memory_format=fmt)
autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if a.bf16 else contextlib.nullcontext
with torch.no_grad(), autocast():
    model(x)
    rates = []
    for _ in range(a.iters):
        t = time.perf_counter()
        model(x)
        rates.append(a.batch / (time.perf_counter() - t))
print(f"torch {a.base} {a.size}px batch {a.batch}{' channels-last' if a.channels_last else ''}"
      f"{' bf16' if a.bf16 else ' fp32'}: {statistics.median(rates):.1f} img/s")
