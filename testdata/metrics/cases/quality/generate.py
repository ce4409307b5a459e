"""Writes the inputs beside this file (seeded, so reruns give the same bytes): wrong verdicts
that were reported, each with a second input of the same class that differs in period,
sampling, level or shape, so that a fix for the class, not the file, passes.

Run from this folder: python3 generate.py. Columns: timestamp (Unix seconds), value (bytes),
and limit (bytes) where the file has one.
"""
import math
import random

MIB = 1048576
START = 1777000000


def write(name, rows, header="timestamp,value"):
    with open(name, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(str(int(x)) for x in r) + "\n")


def crash_loop(rng, name, starts, step, low, high, climb, backoff):
    """`starts` starts, each climbing from `low` to `high` MiB in `climb` (s, drawn per start
    from the pair), then a back-off of `backoff` (s) with no sample; no limit exported."""
    rows, t = [], START
    for _ in range(starts):
        length = rng.uniform(*climb)
        since = 0.0
        while since <= length:
            v = low + (high - low) * (since / length) ** 0.8 + rng.gauss(0, 2)
            rows.append((t, v * MIB))
            t += step
            since += step
        t += backoff
    write(name, rows)
    return starts


# 1. A crash loop of minutes without a limit: 18 starts, 50 -> 400 MiB in 3-5 minutes, 15 s
#    samples, about 1.5 h. The same with 30 s samples, 25 starts, 120 -> 700 MiB in 6-9 minutes
#    and a longer back-off.
crash_loop(random.Random(1), "crashloop-18-no-limit.csv", 18, 15, 50, 400, (180, 300), 15)
crash_loop(random.Random(2), "crashloop-25-slow-no-limit.csv", 25, 30, 120, 700, (360, 540), 60)

# 2. Two stacked level shifts: 400 MiB, +150 MiB at hour 16 (a deploy), +150 MiB at hour 34;
#    2 days at 5 minutes. The same with 1-minute samples, 900 MiB, +120 at 10 h and +200 at 22 h
#    over 30 h.
rng = random.Random(3)
write("two-steps.csv", [(START + 300 * i,
                         (400 + 150 * (i * 300 >= 16 * 3600) + 150 * (i * 300 >= 34 * 3600)
                          + rng.gauss(0, 3)) * MIB)
                        for i in range(2 * 24 * 12)])
with open("two-steps-events.csv", "w") as f:
    f.write("timestamp,event\n%d,deploy api 3.1.0\n%d,deploy api 3.2.0\n"
            % (START + 16 * 3600 - 300, START + 34 * 3600 - 300))
rng = random.Random(4)
write("two-steps-1m.csv", [(START + 60 * i,
                            (900 + 120 * (i * 60 >= 10 * 3600) + 200 * (i * 60 >= 22 * 3600)
                             + rng.gauss(0, 6)) * MIB)
                           for i in range(30 * 60)])

# 3. A spike above a --limit that is below the observed samples: 300 MiB, a 40-minute
#    excursion to 700 MiB at hour 20, 2 days at 5 minutes (analysed with --limit 512Mi).
#    The same with a 1-hour spike to 1.1 GiB over 800 MiB at 1 minute, 30 h (--limit 1Gi).
rng = random.Random(5)
write("spike-over-given-limit.csv",
      [(START + 300 * i,
        (300 + (400 if 20 * 3600 <= i * 300 < 20 * 3600 + 2400 else 0) + rng.gauss(0, 3)) * MIB)
       for i in range(2 * 24 * 12)])
rng = random.Random(6)
write("spike-over-given-limit-1m.csv",
      [(START + 60 * i,
        (800 + (330 if 12 * 3600 <= i * 60 < 13 * 3600 else 0) + rng.gauss(0, 5)) * MIB)
       for i in range(30 * 60)])

# 4. Steady for two days at 600 MiB under a 1 GiB limit, then the last 90 minutes rising
#    to 88 % of it (5-minute samples). The same at 1 minute, 1.5 GiB limit, a day and a half at
#    900 MiB, then the last hour rising to 85 %.
rng = random.Random(7)
rows = []
for i in range(2 * 24 * 12 + 18):
    h = i / 12
    v = 600 + max(0.0, h - 48) / 1.5 * (0.88 * 1024 - 600) + rng.gauss(0, 3)
    rows.append((START + 300 * i, v * MIB, 1024 * MIB))
write("late-rise-steady.csv", rows, "timestamp,value,limit")
rng = random.Random(8)
rows = []
for i in range(int(36 * 60) + 60):
    h = i / 60
    v = 900 + max(0.0, h - 36) * (0.85 * 1536 - 900) + rng.gauss(0, 4)
    rows.append((START + 60 * i, v * MIB, 1536 * MIB))
write("late-rise-steady-1m.csv", rows, "timestamp,value,limit")

# 1b. Not a crash loop: without a limit, a process that grows 100 -> 700 MiB over 8 hours and
#     starts over, four times, 5-minute samples.
rng = random.Random(9)
write("restarts-8h-no-limit.csv",
      [(START + 300 * i, (100 + 600 * ((i * 300) % (8 * 3600)) / (8 * 3600) + rng.gauss(0, 3)) * MIB)
       for i in range(4 * 8 * 12)])

# 2b. Two small stacked shifts (+20 % each) that a daily cycle and one break could share: 300 MiB,
#     +60 MiB at hour 10 and at hour 30, 2 days at 1 minute.
rng = random.Random(10)
write("two-small-steps.csv", [(START + 60 * i,
                               (300 + 60 * (i >= 10 * 60) + 60 * (i >= 30 * 60) + rng.gauss(0, 3))
                               * MIB)
                              for i in range(48 * 60)])

# 5. A deploy's level shift under a daily cycle in less than a day (the cycle falls before the
#    shift and rises after it, so shift and cycle together rise like growth): 16 h at 5 minutes,
#    260 MiB, a ±22 MiB daily cycle at its falling side, +50 MiB at hour 5 (a deploy), a 450 MiB
#    limit. The same at 1 minute over 20 h, 700 MiB, a ±50 MiB cycle falling to its trough at hour
#    7 and rising to its crest at the end, +110 MiB at hour 6, no limit and no event.
rng = random.Random(11)
rows = []
for i in range(16 * 12 + 4):
    h = i / 12
    v = 260 + 50 * (h >= 5) + 22 * math.sin(2 * math.pi * h / 24 + 2.8) + rng.gauss(0, 3.4)
    rows.append((START + 300 * i, v * MIB, 450 * MIB))
write("shift-under-daily-cycle.csv", rows, "timestamp,value,limit")
with open("shift-under-daily-cycle-events.csv", "w") as f:
    f.write("timestamp,event\n%d,deploy api 4.2.0\n" % (START + 5 * 3600 - 300))
rng = random.Random(12)
write("shift-under-daily-cycle-1m.csv",
      [(START + 60 * i,
        (700 + 110 * (i >= 6 * 60) + 50 * math.sin(2 * math.pi * (i / 60 - 13) / 24)
         + rng.gauss(0, 5)) * MIB)
       for i in range(20 * 60)])
