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
if [[ ",${CTASSIST_EXTRAS}," == *",llm,"* ]] && ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
  # llama.cpp built for a portable x86-64 (AVX2), not -march=native: the native build of
  # llama-cpp-python 0.3.36 crashed (segmentation fault in decode) on a CPU with AMX and
  # AVX-512. No pip cache: a natively built wheel cached earlier must not be reused.
  CMAKE_ARGS="-DGGML_NATIVE=OFF ${CMAKE_ARGS:-}" .venv/bin/python -m pip install --quiet --no-cache-dir \
    "$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')"
fi
.venv/bin/python -m pip install --quiet -e ".[${CTASSIST_EXTRAS}]"
export PATH="$PWD/.venv/bin:$PATH"
