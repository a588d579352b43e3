"""``ctassist index`` (the real command line) held part-way, for tests of other processes.

Run as ``python tests/index/held_cli.py PAUSE_AFTER ctassist-arguments...``: after
``PAUSE_AFTER`` files the run prints ``paused`` on stdout and waits for a line on stdin,
holding the index's writer lock (and, for a rebuild, a half-filled new collection) until
the test lets it go on. Everything else is ``ctassist.cli.main``: exit code, report,
messages.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ctassist import cli


def main() -> int:
    pause_after, arguments = int(sys.argv[1]), sys.argv[2:]

    def held_progress(*, enabled: bool) -> tuple[Callable[[int, int, str], None], Callable[[], None]]:
        paused: list[bool] = []

        def progress(done: int, total: int, what: str) -> None:
            if done == pause_after and not paused:  # once: a count can be told more than once
                paused.append(True)
                print("paused", flush=True)
                sys.stdin.readline()

        return progress, lambda: None

    patched: Any = held_progress
    cli._progress_bar = patched
    return cli.main(arguments)


if __name__ == "__main__":
    sys.exit(main())
