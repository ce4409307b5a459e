#!/usr/bin/env bash
# Installs the real pre-commit from PyPI and runs this checkout's hook with `pre-commit try-repo`
# on a throwaway repository with one good and one bad manifest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
export PRE_COMMIT_HOME="$work/cache"

mkdir "$work/repo"
cd "$work/repo"
git init --quiet
git config user.email ci@example.invalid
git config user.name ci
cp "$root/testdata/manifests/rules/memory-limit-missing/passes.yaml" good.yaml
cp "$root/testdata/manifests/rules/memory-limit-missing/fires.yaml" bad.yaml
git add good.yaml bad.yaml
git commit --quiet -m fixtures

echo "pre-commit: the good manifest passes"
"$work/venv/bin/pre-commit" try-repo "$root" oom-lint --files good.yaml

echo "pre-commit: the bad manifest fails with the finding"
set +e
"$work/venv/bin/pre-commit" try-repo "$root" oom-lint --files bad.yaml > "$work/bad.log" 2>&1
status=$?
set -e
cat "$work/bad.log"
if [ "$status" -eq 0 ]; then
  echo "expected the hook to fail on bad.yaml" >&2
  exit 1
fi
grep -q "memory-limit-missing" "$work/bad.log" || { echo "the finding was not printed" >&2; exit 1; }
echo "pre-commit hook OK"
