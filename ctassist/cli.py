"""The ``ctassist`` command line.

Exit codes: 0 success; 1 done, but some files were skipped (listed with reasons);
2 nothing done: bad arguments, configuration or index (the message says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ctassist.errors import CtassistError

EXIT_OK, EXIT_SKIPPED, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.run(args))
    except CtassistError as exc:
        print(f"ctassist: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ctassist: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ctassist", description="A document assistant with verifiable citations."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", dest="corpus_dir", help="corpus folder (CTASSIST_CORPUS_DIR)")
    common.add_argument("--index", dest="index_dir", help="index folder (CTASSIST_INDEX_DIR)")
    sub = parser.add_subparsers(metavar="COMMAND")

    index = sub.add_parser("index", parents=[common], help="bring the index in step with the corpus")
    index.add_argument("--rebuild", action="store_true", help="drop the index and embed every file again")
    index.add_argument("--json", action="store_true", help="print the report as one JSON object")
    index.add_argument("--no-progress", action="store_true", help="no progress bar")
    index.set_defaults(run=_index)

    docs = sub.add_parser("documents", parents=[common], help="list the indexed documents")
    docs.set_defaults(run=_documents)
    return parser


def _assistant(args: argparse.Namespace) -> Any:
    from ctassist.assistant import Assistant

    return Assistant(corpus_dir=args.corpus_dir, index_dir=args.index_dir)


def _index(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    progress, close = _progress_bar(enabled=not args.no_progress and not args.json)
    try:
        report = assistant.index(rebuild=args.rebuild, progress=progress)
    finally:
        close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_SKIPPED


def _documents(args: argparse.Namespace) -> int:
    for record in _assistant(args).documents():
        print(f"{record.doc_id}\t{record.kind}\t{record.chunks} chunks\t{record.indexed_at}\t{record.title}")
    return EXIT_OK


def _progress_bar(*, enabled: bool) -> tuple[Callable[[int, int, str], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar: list[Any] = []

    def update(done: int, total: int, doc_id: str) -> None:
        if not bar:
            # Only long runs get a bar; short ones just print the summary.
            bar.append(tqdm(total=total, unit="file", file=sys.stderr, disable=total < 20, leave=False))
        bar[0].set_postfix_str(doc_id[-40:], refresh=False)
        bar[0].update(done - bar[0].n)

    return update, lambda: bar[0].close() if bar else None


if __name__ == "__main__":
    raise SystemExit(main())
