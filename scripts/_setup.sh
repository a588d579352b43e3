# Sourced by serve.sh and test.sh: creates .venv (Python 3.11+) and installs ctassist
# with the extras named in $CTASSIST_EXTRAS into it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned in pyproject.toml to the CPU build; installing it on its own first keeps
# pip from choosing another build while resolving the rest.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[${CTASSIST_EXTRAS}]"
export PATH="$PWD/.venv/bin:$PATH"
