"""Writes the hand-made inputs beside this file (seeded, so reruns give the same bytes).

One input per class of the cases in ../: each differs from the case it stands beside in
period, sampling, level, phase or format, so that a fix for the class, not the file, passes.
"""
import math, random

MIB = 1048576
START = 1777000000
random.seed(7)


def write(name, rows, header="timestamp,namespace,pod,container,value"):
    with open(name, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(str(x) for x in r) + "\n")


# Sawtooth, 2-hour cycle, 1-minute samples, 2 days, a 1Gi limit never approached.
rows = []
for i in range(2 * 24 * 60):
    t = START + 60 * i
    v = 400 * MIB + 180 * MIB * ((i % 120) / 120) + random.gauss(0, 2 * MIB)
    rows.append((t, "ns", "cache-0", "cache", int(v), 1 << 30))
write("gc-sawtooth-2h-limit.csv", rows, "timestamp,namespace,pod,container,value,limit")

# The same 3-hour sawtooth with no limit: rises and drops, cannot be told from restarts.
rows = []
for i in range(3 * 24 * 12):
    t = START + 300 * i
    v = 150 * MIB + 120 * MIB * ((i % 36) / 36) + random.gauss(0, 1 * MIB)
    rows.append((t, "ns", "gc-0", "gc", int(v)))
write("gc-sawtooth-3h-no-limit.csv", rows)

# Flat with noise of a few hundred KiB at 1 GiB, 15-second samples over 8 hours.
rows = [(START + 15 * i, "ns", "flat-0", "flat", int((1 << 30) + random.uniform(-0.3, 0.3) * MIB))
        for i in range(8 * 240)]
write("flat-noise-15s.csv", rows)

# A crash loop at a 256Mi limit column: each start climbs to the limit in 2 minutes, 30 s scrapes.
rows = []
t = START
for start in range(20):
    for k in range(5):
        rows.append((t, "ns", "loop-0", "loop", int((40 + 54 * k) * MIB), 256 * MIB))
        t += 30
    t += 60  # back-off
write("crashloop-256mi.csv", rows, "timestamp,namespace,pod,container,value,limit")

# +2 MiB/h under a daily cycle of ±50 MiB, 2.6 days from an evening peak, 5-minute samples.
rows = []
for i in range(int(2.6 * 24 * 12)):
    h = i / 12
    v = 500 * MIB + 2 * MIB * h + 50 * MIB * math.sin(2 * math.pi * (h + 6) / 24) + random.gauss(0, 3 * MIB)
    rows.append((START + 300 * i, "shop", "web-1", "web", int(v)))
write("leak-2mib-daily-cycle.csv", rows)

# A daily cycle of ±80 MiB and no growth, 3.4 days starting at the trough: never a leak.
rows = []
for i in range(int(3.4 * 24 * 12)):
    h = i / 12
    v = 600 * MIB + 80 * MIB * math.sin(2 * math.pi * (h - 6) / 24) + random.gauss(0, 3 * MIB)
    rows.append((START + 300 * i, "shop", "web-2", "web", int(v)))
write("daily-cycle-no-leak.csv", rows)

# OOM kills at 384Mi every ~6 h (+40 MiB/h), then the limit raised to 768Mi at 30 h.
rows = []
v0, clock = 150 * MIB, 0.0
limit = 384 * MIB
for i in range(60 * 60):
    h = i / 60
    if h >= 30 and limit == 384 * MIB:
        limit, clock = 768 * MIB, 0.0
    v = v0 + 40 * MIB * clock + random.gauss(0, 1 * MIB)
    if v >= limit:
        clock, v = 0.0, v0
    clock += 1 / 60
    rows.append((START + 60 * i, "shop", "api-2", "api", int(v), limit))
write("oom-then-limit-raised.csv", rows, "timestamp,namespace,pod,container,value,limit")

# A level shift of +150 MiB after a deploy (with a one-sample overshoot), 1-minute samples, 2 days.
rows = []
for i in range(2 * 24 * 60):
    h = i / 60
    v = 300 * MIB + (150 * MIB if h >= 20 else 0) + random.gauss(0, 4 * MIB)
    if 20 <= h < 20 + 1 / 60:
        v += 200 * MIB
    rows.append((START + 60 * i, "shop", "pay-0", "pay", int(v)))
write("step-after-deploy.csv", rows)
with open("step-after-deploy-events.csv", "w") as f:
    f.write("timestamp,event\n%d,deploy 9c0ffee\n" % (START + 20 * 3600 - 300))

# Three hours at 1-minute samples: too short to size.
rows = [(START + 60 * i, "ns", "new-0", "new", int(200 * MIB + random.gauss(0, 2 * MIB))) for i in range(180)]
write("short-3h.csv", rows)
