"""Writes the inputs beside this file (seeded, so reruns give the same bytes): dumps with long
pauses in their samples (a scrape target down, a retention hole, two exports pasted together).
The report must say where the pause is, and a level shift first seen after one happened
somewhere in it, not at the first sample after it.

Run from this folder: python3 generate.py. Columns: timestamp (Unix seconds), value (bytes).
"""
import random

MIB = 1048576
START = 1777000000
rng = random.Random(7)


def write(name, rows):
    with open(name, "w") as f:
        f.write("timestamp,value\n")
        for t, v in rows:
            f.write(f"{int(t)},{int(v)}\n")


def day(start, level, step=300):
    return [(start + i * step, (level + rng.gauss(0, 2)) * MIB) for i in range(86400 // step)]


# A day at 300 MiB, five days with no sample, a day at 500 MiB.
write("step-across-a-5-day-gap.csv", day(START, 300) + day(START + 6 * 86400, 500))
# The same pause with nothing changing across it, at minute samples.
write("flat-across-a-5-day-gap.csv", day(START, 300, 60) + day(START + 6 * 86400, 300, 60))
# Three days of minute samples with a 6 h hole and a 2 h hole: two gaps.
rows = [r for r in day(START, 400, 60) + day(START + 86400, 400, 60) + day(START + 2 * 86400, 400, 60)
        if not (START + 30 * 3600 <= r[0] < START + 36 * 3600) and not (START + 60 * 3600 <= r[0] < START + 62 * 3600)]
write("two-holes.csv", rows)
