#!/usr/bin/env bash
# One command from a fresh clone to the chat UI: installs ctassist into .venv, brings the
# index in step with corpus/ and starts the UI on http://127.0.0.1:7860.
# Extra arguments go to `ctassist serve` (e.g. --port 8000).
set -euo pipefail
CTASSIST_EXTRAS=ui
source "$(dirname "$0")/_setup.sh"
status=0
ctassist index || status=$?
# 1 means some files were skipped (they are listed above); the rest is indexed.
if [ "$status" -gt 1 ]; then exit "$status"; fi
exec ctassist serve "$@"
