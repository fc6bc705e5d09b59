"""Same-start check of transfer4j's head training against NumPy (with SameStartCheck.java).

    /usr/bin/python3 benchmarks/python/same_start.py RUN/features WORKDIR [LR=1e-4] [EPOCHS=3]
    java -cp 'examples/target/lib/*' benchmarks/python/SameStartCheck.java RUN/features WORKDIR [LR] [EPOCHS]

Draws Keras-default initial weights for Dense(256, relu) -> Dense(k, softmax) (glorot-uniform, zero biases), saves
them to WORKDIR/{w1,b1,w2,b2}.npy and trains them on the cached training features with RMSprop(rho 0.9, eps 1e-7),
batch 20, no dropout, no shuffling, printing the mean loss per epoch; SameStartCheck trains the same start with
transfer4j's engine. The two columns agree to about 7 digits.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_head_reference as K  # noqa: E402

features, work = sys.argv[1], sys.argv[2]
lr = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
x, y, classes = K.load(os.path.join(features, "train"))
k = len(classes)
rng = np.random.default_rng(0)
params = [K.glorot(rng, x.shape[1], 256), np.zeros(256, np.float32), K.glorot(rng, 256, k), np.zeros(k, np.float32)]
os.makedirs(work, exist_ok=True)
for name, a in zip(("w1", "b1", "w2", "b2"), params):
    np.save(os.path.join(work, name + ".npy"), a.reshape(1, -1) if a.ndim == 1 else a)
ms = [np.zeros_like(p) for p in params]
for epoch in range(epochs):
    total = 0.0
    for start in range(0, len(x), 20):
        xb, yb = x[start:start + 20], y[start:start + 20]
        n = len(xb)
        h, _, _, p = K.forward(params, xb, k)
        total += -np.log(p[np.arange(n), yb]).sum()
        dz = p.copy()
        dz[np.arange(n), yb] -= 1
        dz /= n
        w1, b1, w2, b2 = params
        dh = (dz @ w2.T) * ((xb @ w1 + b1) > 0)
        for i, g in enumerate((xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0))):
            ms[i] = 0.9 * ms[i] + 0.1 * g * g
            params[i] = params[i] - lr * g / (np.sqrt(ms[i]) + 1e-7)
    print("epoch %d loss %.7f" % (epoch + 1, total / len(x)))
