"""Writes the inputs beside this file (seeded, so reruns give the same bytes): sparse dumps —
a coarse Grafana export or a large query step — with few samples per day. A leak seen in a
few dozen samples, or in twelve over a week, must still be a leak; a steady series or a daily
cycle sampled as sparsely must not become one.

Run from this folder: python3 generate.py. Columns: timestamp (Unix seconds), value (bytes).
"""
import math
import random

MIB = 1048576
START = 1777000000


def write(name, times, values):
    with open(name, "w") as f:
        f.write("timestamp,value\n")
        for t, v in zip(times, values):
            f.write(f"{int(t)},{int(v)}\n")


rng = random.Random(14)

# A perfectly straight leak: 24 hourly samples, +10 MiB/h from 300 MiB.
times = [START + 3600 * i for i in range(24)]
write("leak-24-hourly.csv", times, [(300 + 10 * i) * MIB for i in range(24)])

# 7 days at +1.5 MiB/h, one sample every 6 h, a little noise.
times = [START + 6 * 3600 * i for i in range(30)]
write("leak-30-every-6h.csv", times,
      [(300 + 1.5 * 6 * i + rng.gauss(0, 2)) * MIB for i in range(30)])

# Twelve samples over a week, 14 h apart, +1.4 MiB/h.
times = [START + 14 * 3600 * i for i in range(12)]
write("leak-12-over-a-week.csv", times,
      [(400 + 1.4 * 14 * i + rng.gauss(0, 1)) * MIB for i in range(12)])

# Not leaks: steady with noise, and a ±50 MiB daily cycle sampled every 3 h, over a week.
times = [START + 6 * 3600 * i for i in range(30)]
write("steady-30-every-6h.csv", times, [(420 + rng.gauss(0, 4)) * MIB for _ in range(30)])
times = [START + 3 * 3600 * i for i in range(56)]
write("daily-cycle-every-3h.csv", times,
      [(500 + 50 * math.sin(2 * math.pi * (3 * i) / 24 + 1.0) + rng.gauss(0, 2)) * MIB
       for i in range(56)])
