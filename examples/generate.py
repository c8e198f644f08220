#!/usr/bin/env python3
"""Writes the example data sets of this folder. Deterministic: Python's Mersenne Twister, seed 15.

    python3 examples/generate.py      # from the repository root; rewrites the files below

Only the standard library is used. The files are committed, so nobody needs to run this.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
relu = lambda t: max(t, 0.0)
rng = random.Random(15)


def write(name, header, rows, sep=","):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(sep.join(header) + "\n")
        for r in rows:
            f.write(sep.join(f"{v:.6g}" for v in r) + "\n")


# 1-D: two kinks, f(x) = relu(x + 0.5) - 1.5 relu(x - 0.3), 25 points on [-1, 1], noise 0.03.
xs = sorted(rng.uniform(-1, 1) for _ in range(25))
kinks = [(x, relu(x + 0.5) - 1.5 * relu(x - 0.3) + rng.gauss(0, 0.03)) for x in xs]
write("kinks-1d.csv", ["x", "y"], kinks)
# The same data tab- and semicolon-separated, to show that both are read.
write("kinks-1d.tsv", ["x", "y"], kinks, sep="\t")
write("kinks-1d-semicolon.csv", ["x", "y"], kinks, sep=";")

# 2-D: a teacher of two neurons, f(x) = relu(x1 - x2 + 0.2) - 0.8 relu(-x1 - 0.3), 30 points in [-1, 1]^2, noise 0.02.
teacher = []
for _ in range(30):
    x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
    teacher.append((x1, x2, relu(x1 - x2 + 0.2) - 0.8 * relu(-x1 - 0.3) + rng.gauss(0, 0.02)))
write("teacher-2d.csv", ["x1", "x2", "y"], teacher)

# 3-D: one neuron relu(x1 + x2 - x3), 20 points in [-1, 1]^3, noise 0.05.
plane = []
for _ in range(20):
    x = [rng.uniform(-1, 1) for _ in range(3)]
    plane.append((*x, relu(x[0] + x[1] - x[2]) + rng.gauss(0, 0.05)))
write("plane-3d.csv", ["x1", "x2", "x3", "y"], plane)

# Inputs without labels, for `tvrelu predict`: a grid on [-1.5, 1.5] and a 5 x 5 grid on [-1, 1]^2.
write("grid-1d.csv", ["x"], [(-1.5 + 3 * k / 30,) for k in range(31)])
write("grid-2d.csv", ["x1", "x2"], [(-1 + i / 2, -1 + j / 2) for i in range(5) for j in range(5)])
