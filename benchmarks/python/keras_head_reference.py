"""Independent reference for approach 1: the book's head trained with Keras's defaults in NumPy, on the SAME
features transfer4j extracted (its feature cache: features-*.npy and labels-*.npy named by manifest.json).

    /usr/bin/python3 benchmarks/python/keras_head_reference.py --features RUN/features --lr 1e-4 --epochs 30 \
        [--batch 20] [--units 256] [--dropout 0.5] [--seeds 0,1,2,3,4]

Model: Flatten -> Dense(units, relu) -> Dropout(rate) -> Dense(k, softmax) (k = 1 sigmoid for two classes), as
listing 5-18. Keras defaults: glorot_uniform kernels, zero biases, RMSprop(lr, rho=0.9, epsilon=1e-7)
(v = rho v + (1 - rho) g^2; w -= lr g / (sqrt(v) + eps)), sparse categorical (or binary) cross-entropy, batch 20,
shuffle each epoch, inverted dropout. Prints validation and test accuracy per seed and their mean.
No dependency of the tests: documentation of how transfer4j's numbers were checked.
"""
import argparse
import json
import os

import numpy as np


def load(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        m = json.load(f)
    x = np.load(os.path.join(folder, m["features_file"])).astype(np.float32)
    y = np.load(os.path.join(folder, m["labels_file"])).astype(np.int64).reshape(-1)
    classes = m["key"]["class_indices"]
    return x.reshape(len(x), -1), y, classes


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def forward(params, x, k, rng=None, rate=0.0):
    w1, b1, w2, b2 = params
    h = np.maximum(x @ w1 + b1, 0)
    mask = None
    if rng is not None and rate > 0:
        mask = (rng.random(h.shape) >= rate).astype(np.float32) / (1 - rate)
        h = h * mask
    z = h @ w2 + b2
    if k == 2:
        p = 1 / (1 + np.exp(-z))
    else:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
    return h, mask, z, p


def accuracy(params, x, y, k):
    p = forward(params, x, k)[3]
    predicted = (p[:, 0] > 0.5).astype(int) if k == 2 else p.argmax(axis=1)
    return float((predicted == y).mean())


def train(seed, data, args):
    (xt, yt, k), (xv, yv, _), (xs, ys, _) = data
    rng = np.random.default_rng(seed)
    out = 1 if k == 2 else k
    params = [glorot(rng, xt.shape[1], args.units), np.zeros(args.units, np.float32),
              glorot(rng, args.units, out), np.zeros(out, np.float32)]
    ms = [np.zeros_like(p) for p in params]
    for epoch in range(args.epochs):
        order = rng.permutation(len(xt))
        for start in range(0, len(xt), args.batch):
            idx = order[start:start + args.batch]
            x, y = xt[idx], yt[idx]
            n = len(idx)
            h, mask, z, p = forward(params, x, k, rng, args.dropout)
            if k == 2:
                dz = (p - y.reshape(-1, 1)) / n
            else:
                dz = p.copy()
                dz[np.arange(n), y] -= 1
                dz /= n
            w1, b1, w2, b2 = params
            gw2 = h.T @ dz
            gb2 = dz.sum(axis=0)
            dh = dz @ w2.T
            if mask is not None:
                dh = dh * mask
            dh = dh * ((x @ w1 + b1) > 0)
            gw1 = x.T @ dh
            gb1 = dh.sum(axis=0)
            for i, g in enumerate((gw1, gb1, gw2, gb2)):
                ms[i] = args.rho * ms[i] + (1 - args.rho) * g * g
                params[i] = params[i] - args.lr * g / (np.sqrt(ms[i]) + args.epsilon)
    return accuracy(params, xv, yv, k), accuracy(params, xs, ys, k)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", required=True, help="feature cache root with train/, validation/, test/")
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--units", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--rho", type=float, default=0.9)
    ap.add_argument("--epsilon", type=float, default=1e-7)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    args = ap.parse_args()
    data = []
    for split in ("train", "validation", "test"):
        x, y, classes = load(os.path.join(args.features, split))
        data.append((x, y, len(classes)))
    print("classes", classes, "train", data[0][0].shape, "validation", data[1][0].shape, "test", data[2][0].shape)
    results = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        val, test = train(seed, data, args)
        results.append((val, test))
        print("seed %d: val_acc %.4f test_acc %.4f" % (seed, val, test))
    r = np.array(results)
    print("mean over %d seeds: val_acc %.4f (sd %.4f), test_acc %.4f (sd %.4f)"
          % (len(r), r[:, 0].mean(), r[:, 0].std(), r[:, 1].mean(), r[:, 1].std()))


if __name__ == "__main__":
    main()
