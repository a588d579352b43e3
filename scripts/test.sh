#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs ctassist with every extra
# into .venv, installs Debian's Chromium for the browser tests when it is missing, runs
# the linters, the evals' regression gate and the test suite. Extra arguments go to pytest
# (and skip the evals gate).
set -euo pipefail
CTASSIST_EXTRAS=ui,llm,dev
source "$(dirname "$0")/_setup.sh"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: /usr/bin/chromium is missing and we are not root; browser tests will be skipped" >&2
  fi
fi
ruff check ctassist ui evals tests benchmarks
ruff format --check ctassist ui evals tests benchmarks
mypy
if [ $# -eq 0 ]; then
  # The evals' regression gates (evals/README.md): fail when a change makes ctassist worse
  # than the floors in evals/thresholds.toml and evals/ood/thresholds.toml. Before pytest, so pytest's summary closes the run.
  python -m evals --check --floors --out "$(mktemp -d)"
  # The out-of-domain track (evals/ood/): documents the answer step never saw.
  python -m evals --track ood --check --floors --out "$(mktemp -d)"
fi
python -m pytest "$@"
