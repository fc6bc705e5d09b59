"""Builds a three-class, book-shaped Fashion-MNIST folder: T-shirt/top, pullover, shirt.

    /usr/bin/python3 benchmarks/python/make_fashion3.py [/usr/share/datasets/fashion-mnist] [OUT=fashion3]

Debian's dataset-fashion-mnist package provides the idx files. Selection follows MakeFashionDataset: per class, the
first 600 images of that label in the training file go to train/, the next 200 to validation/, and the first 200 of
that label in the test file to test/ (28x28 grayscale PNGs; transfer4j converts them to RGB).
"""
import gzip
import os
import struct
import sys

from PIL import Image

CLASSES = [("tshirts", "tshirt", 0), ("pullovers", "pullover", 2), ("shirts", "shirt", 6)]
TRAIN, VALIDATION, TEST = 600, 200, 200


def read(source, prefix):
    def opened(name):
        path = os.path.join(source, name)
        return gzip.open(path + ".gz") if os.path.exists(path + ".gz") else open(path, "rb")
    with opened(prefix + "-labels-idx1-ubyte") as f:
        magic, n = struct.unpack(">II", f.read(8))
        labels = f.read(n)
    with opened(prefix + "-images-idx3-ubyte") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(n * rows * cols)
    return labels, pixels, rows, cols


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else "fashion3"
    train = read(source, "train")
    test = read(source, "t10k")
    for folder, prefix, label in CLASSES:
        n = 0
        for split_data, splits in ((train, [("train", TRAIN), ("validation", VALIDATION)]), (test, [("test", TEST)])):
            labels, pixels, rows, cols = split_data
            indices = [i for i, l in enumerate(labels) if l == label]
            at = 0
            for split, count in splits:
                os.makedirs(os.path.join(out, split, folder), exist_ok=True)
                for i in indices[at:at + count]:
                    img = Image.frombytes("L", (cols, rows), pixels[i * rows * cols:(i + 1) * rows * cols])
                    img.save(os.path.join(out, split, folder, "%s.%d.png" % (prefix, n)))
                    n += 1
                at += count
    print("wrote", out)


if __name__ == "__main__":
    main()
