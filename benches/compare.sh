#!/usr/bin/env bash
# Times oom-lint against checkov (kubernetes framework) on the same generated stream, and
# oom-core's trend statistics against scipy's theilslopes + a Mann–Kendall test on the same
# series, then times a ~100 MB stream and a million-sample dump and reports their peak memory.
# Installs checkov, scipy and numpy from PyPI into a local virtualenv (.venv-compare).
#
#   bash benches/compare.sh [WORKLOADS] [SAMPLES]      (defaults: 1000 workloads, 10000 samples)
set -euo pipefail
cd "$(dirname "$0")/.."
workloads="${1:-1000}"
samples="${2:-10000}"
venv="benches/.venv-compare"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --locked -q -p oom-lint -p oom-benches --bins
if [ ! -x "$venv/bin/checkov" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check checkov scipy numpy
fi

./target/release/gen-manifests "$workloads" > "$work/stream.yaml"
size=$(wc -c < "$work/stream.yaml")
echo "stream: $workloads workloads, $size bytes"

# Bash's own clock: starting a process to read the time would be timed as well.
now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

# oom-lint runs in tens of milliseconds, where one run is at the mercy of the scheduler: the
# median of nine runs. checkov's single run takes seconds.
runs=()
for _ in 1 2 3 4 5 6 7 8 9; do
  t0=$(now); ./target/release/oom-lint check --fail-on never --format json "$work/stream.yaml" > /dev/null; t1=$(now)
  runs+=("$(elapsed "$t0" "$t1")")
done
ours=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 5p)
t0=$(now); "$venv/bin/checkov" --quiet --compact --framework kubernetes -f "$work/stream.yaml" > /dev/null 2>&1 || true; t1=$(now)
theirs=$(elapsed "$t0" "$t1")
echo "check:  oom-lint ${ours}s  checkov ${theirs}s  ratio $(python3 -c "print(f'{$theirs / max($ours, 1e-6):.0f}x')")"

ours=$(./target/release/trend-timing "$samples" "$work/series.csv" | cut -d' ' -f1)
theirs=$("$venv/bin/python" - "$work/series.csv" <<'PY'
import sys, time
import numpy as np
from scipy import stats

data = np.loadtxt(sys.argv[1], delimiter=",")
x, y = data[:, 0], data[:, 1]
start = time.perf_counter()
slope, intercept, low, high = stats.theilslopes(y, x, 0.95)
n = len(y)
s = 0
for i in range(n - 1):
    s += np.sign(y[i + 1:] - y[i]).sum()
var = n * (n - 1) * (2 * n + 5) / 18
z = (s - np.sign(s)) / np.sqrt(var)
p = 2 * (1 - stats.norm.cdf(abs(z)))
print(f"{time.perf_counter() - start:.6f}")
PY
)
echo "trend ($samples samples): oom-core ${ours}s  scipy+Mann-Kendall ${theirs}s  ratio $(python3 -c "print(f'{$theirs / max($ours, 1e-9):.0f}x')")"

# Scale: a ~100 MB stream and a dump of a million samples, each run's wall time and peak
# memory against the input's size.
./target/release/gen-manifests 160000 > "$work/large.yaml"
./target/release/gen-metrics 1000000 > "$work/large.csv"
scale() {
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time

label, path, *command = sys.argv[1:]
start = time.perf_counter()
subprocess.run(command + [path], stdout=subprocess.DEVNULL, check=False)
elapsed = time.perf_counter() - start
# ru_maxrss of the children is the largest child's peak resident set, in KiB on Linux; each
# measurement runs in its own Python process, so it sees one child.
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
size = os.path.getsize(path)
print(f"scale: {label}, {size / 1e6:.0f} MB, in {elapsed:.2f}s, "
      f"peak memory {peak / 1e6:.0f} MB = {peak / size:.2f}x the input")
PY
}
scale "check, generated stream" "$work/large.yaml" \
  ./target/release/oom-lint check --fail-on never --format json
scale "analyze, 10^6 samples" "$work/large.csv" ./target/release/oom-lint analyze
