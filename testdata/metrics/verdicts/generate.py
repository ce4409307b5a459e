"""Writes one small dump per verdict of `oom-lint analyze` (the README's verdict gallery).

Deterministic (seeded); run from this folder: python3 generate.py. Columns: timestamp (Unix
seconds), value (bytes), limit (bytes, empty when unknown). Events for the step go to
step-events.csv.
"""
import math
import random

MIB = 1048576
START = 1764547200  # 2025-12-01T00:00:00Z


def write(name, rows, limit=None):
    with open(f"{name}.csv", "w") as out:
        out.write("timestamp,value,limit\n")
        for t, v in rows:
            out.write(f"{t},{int(v)},{'' if limit is None else int(limit)}\n")


def noise(rng, sigma):
    return rng.gauss(0.0, sigma)


rng = random.Random(7)
step = 300
day = 86400

# leak: flat 420 MiB for a day, then +6 MiB/h after a deploy; limit 1 GiB; 3 days.
write("leak", [(START + i * step,
                420 * MIB + 6 * MIB * max(0.0, (i * step - day) / 3600) + noise(rng, 3 * MIB))
               for i in range(3 * day // step)], limit=1024 * MIB)

# spike: 500 MiB with a 40-minute excursion of +350 MiB on day 2; 3 days.
write("spike", [(START + i * step,
                 500 * MIB + (350 * MIB if 36 * 3600 <= i * step < 36 * 3600 + 2400 else 0)
                 + noise(rng, 4 * MIB))
                for i in range(3 * day // step)], limit=1536 * MIB)

# step: 300 MiB, then 450 MiB from a deploy at hour 30; 3 days.
write("step", [(START + i * step,
                300 * MIB + (150 * MIB if i * step >= 30 * 3600 else 0) + noise(rng, 3 * MIB))
               for i in range(3 * day // step)], limit=1024 * MIB)
with open("step-events.csv", "w") as out:
    out.write("timestamp,event\n")
    out.write(f"{START + 30 * 3600 - 600},deploy api 2.14.0\n")

# sawtooth: a JVM old generation, 300 -> 600 MiB every 6 hours, no limit; 3 days, every minute.
write("sawtooth", [(START + i * 60,
                    300 * MIB + 300 * MIB * ((i * 60) % (6 * 3600)) / (6 * 3600)
                    + noise(rng, 2 * MIB))
                   for i in range(3 * day // 60)])

# steady: a daily cycle of +-80 MiB around 700 MiB; 4 days.
write("steady", [(START + i * step,
                  700 * MIB + 80 * MIB * math.sin(2 * math.pi * i * step / day)
                  + noise(rng, 4 * MIB))
                 for i in range(4 * day // step)], limit=2048 * MIB)

# insufficient-data: 90 minutes every 30 seconds.
write("insufficient-data", [(START + i * 30, 350 * MIB + noise(rng, 2 * MIB))
                            for i in range(90 * 2)], limit=1024 * MIB)

# limit reached: a crash loop, each start climbing to the 512 MiB limit within 10 minutes.
rows = []
t, since = START, 0
while t < START + 12 * 3600:
    value = 150 * MIB + (362 * MIB) * min(1.0, since / 600) + noise(rng, 1 * MIB)
    if since >= 600:
        value, since = 512 * MIB, -30
    rows.append((t, min(value, 512 * MIB)))
    t += 30
    since += 30
write("sawtooth-limit-reached", rows, limit=512 * MIB)
