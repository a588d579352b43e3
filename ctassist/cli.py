"""The ``ctassist`` command line.

Exit codes: 0 success; 1 done, but some files were skipped (listed with reasons);
2 nothing done: bad arguments, configuration or index (the message says which).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from ctassist.errors import ConfigError, CtassistError
from ctassist.load import GROUPS

EXIT_OK, EXIT_SKIPPED, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
#: As a shell reports a process ended by SIGPIPE.
EXIT_BROKEN_PIPE = 128 + 13


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["eval"]:
        # argparse.REMAINDER refuses options that start with "--" (ctassist eval --check).
        return _eval_main(arguments[1:])
    parser = _parser()
    args = parser.parse_args(arguments)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.run(args))
    except CtassistError as exc:
        _say_error(args, f"error: {exc}", str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ctassist: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`ctassist ask ... | head`): nothing more to say, and nowhere to
        # say it; stdout is pointed at devnull so that closing it at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - anything else is a fault of ours: one line, not a traceback
        if getattr(args, "debug", False):
            traceback.print_exc()
        first_line = (str(exc).splitlines() or [""])[0][:300]
        message = f"internal error: {type(exc).__name__}: {first_line}"
        hint = "" if getattr(args, "debug", False) else " (run with --debug for the traceback)"
        _say_error(args, message + hint, message)
        return EXIT_INTERNAL


def _say_error(args: argparse.Namespace, line: str, detail: str) -> None:
    """The error on stderr; with ``--json`` also as the one JSON object on stdout."""
    if getattr(args, "json", False):
        print(json.dumps({"error": detail}, ensure_ascii=False))
    print(f"ctassist: {line}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ctassist", description="A document assistant with verifiable citations."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", dest="corpus_dir", help="corpus folder (CTASSIST_CORPUS_DIR)")
    common.add_argument("--index", dest="index_dir", help="index folder (CTASSIST_INDEX_DIR)")
    common.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    sub = parser.add_subparsers(metavar="COMMAND")

    index = sub.add_parser("index", parents=[common], help="bring the index in step with the corpus")
    index.add_argument("--rebuild", action="store_true", help="drop the index and embed every file again")
    index.add_argument("--json", action="store_true", help="print the report as one JSON object")
    index.add_argument("--no-progress", action="store_true", help="no progress bar")
    index.set_defaults(run=_index)

    docs = sub.add_parser("documents", parents=[common], help="list the indexed documents")
    docs.set_defaults(run=_documents)

    ask = sub.add_parser("ask", parents=[common], help="answer a question with numbered sources")
    ask.add_argument("question", nargs="?", help="the question; without it, an interactive session")
    ask.add_argument("--json", action="store_true", help="print exactly one JSON object")
    ask.add_argument("--kind", choices=["all", "sources", "notes"], default="all", help="part of the corpus")
    ask.add_argument("--group", choices=GROUPS, help="only notes of this reference group")
    ask.add_argument("--doc", action="append", help="only this document (repeatable)")
    ask.add_argument("--llm", choices=["none", "gguf", "openai"], help="answer mode (CTASSIST_LLM)")
    ask.set_defaults(run=_ask)

    agenda = sub.add_parser("agenda", parents=[common], help="draft a reference-group meeting agenda")
    agenda.add_argument("--group", required=True, help="public or user")
    agenda.add_argument("--date", help="meeting date, YYYY-MM-DD (not before today)")
    agenda.add_argument(
        "--allow-past-date",
        action="store_true",
        help="accept a --date before today (e.g. to redraft a past agenda)",
    )
    agenda.add_argument("--minutes", type=int, default=120, help="meeting length in minutes (default 120)")
    agenda.add_argument("--start", default="10:00", help="start time HH:MM (default 10:00)")
    agenda.add_argument(
        "--focus", action="append", help="a discussion topic (repeatable); default: the four questions"
    )
    agenda.add_argument("--chair", help="the chair's name or role")
    agenda.add_argument("--no-chatham-house", action="store_true", help="do not state the Chatham House Rule")
    agenda.add_argument("--format", choices=["md", "docx", "json"], default="md")
    agenda.add_argument(
        "--drafting-notes",
        action="store_true",
        help="md and docx: add the drafting notes and the sources' file paths (for the secretariat, "
        "not for circulation)",
    )
    agenda.add_argument("--out", help="output file (required for docx; stdout otherwise)")
    agenda.set_defaults(run=_agenda)

    notes = sub.add_parser("notes", help="meeting notes")
    notes_sub = notes.add_subparsers(metavar="ACTION")
    notes_add = notes_sub.add_parser("add", parents=[common], help="validate, store and index a meeting note")
    notes_add.add_argument("file", help="a Markdown note with front matter (see corpus/notes/README.md)")
    notes_add.set_defaults(run=_notes_add)
    notes_check = notes_sub.add_parser(
        "check", help="validate meeting notes without storing them (no index needed)"
    )
    notes_check.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    notes_check.add_argument("files", nargs="+", metavar="FILE", help="Markdown notes with front matter")
    notes_check.set_defaults(run=_notes_check)

    feedback = sub.add_parser("feedback", help="answer feedback given in the chat UI")
    feedback_sub = feedback.add_subparsers(metavar="ACTION")
    feedback_export = feedback_sub.add_parser(
        "export", parents=[common], help="write every user's thumbs up/down and comments as CSV"
    )
    feedback_export.add_argument("file", metavar="FILE", help="the CSV file to write")
    feedback_export.set_defaults(run=_feedback_export)

    serve = sub.add_parser("serve", parents=[common], help="start the chat UI")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth-file",
        metavar="FILE",
        help="require a login: a file of user:password lines (or set CTASSIST_UI_AUTH to the file "
        "or to user:password); never a password on the command line, where ps shows it",
    )
    # The old spelling: a file only; a password given here is refused with the reason.
    serve.add_argument("--auth", help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    evaluate = sub.add_parser("eval", help="run the evaluation suite (see ctassist eval --help)")
    evaluate.add_argument("rest", nargs=argparse.REMAINDER, help="arguments of the evaluation")
    evaluate.set_defaults(run=lambda args: _eval_main(args.rest))
    return parser


def _assistant(args: argparse.Namespace) -> Any:
    from ctassist.assistant import Assistant

    assistant = Assistant(corpus_dir=args.corpus_dir, index_dir=args.index_dir)
    assistant.on_index_wait = _say_waiting
    return assistant


def _say_waiting(wait: Any) -> None:
    """One line on stderr when a write of the index waits for another writer (who, since when)."""
    print(f"ctassist: {wait}", file=sys.stderr, flush=True)


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
    records = _assistant(args).documents()
    print("document\tkind\tchunks\tindexed at\ttitle")
    if not records:
        print("no documents indexed (run `ctassist index`)")
    for record in records:
        chunks = _count(record.chunks, "chunk")
        print(f"{record.doc_id}\t{record.kind}\t{chunks}\t{record.indexed_at}\t{record.title}")
    return EXIT_OK


def _count(n: int, noun: str) -> str:
    """``1 chunk``, ``2 chunks``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


#: What ``help`` prints in an interactive ``ask`` session.
INTERACTIVE_HELP = """Type a question and press Enter; a follow-up question may refer to the ones before.
Commands:
  help     this text
  /clear   start a new conversation (earlier questions are forgotten)
  /quit    end the session (so does an empty line or Ctrl+D)"""


def _ask(args: argparse.Namespace) -> int:
    from ctassist.assistant import Assistant

    assistant = Assistant(corpus_dir=args.corpus_dir, index_dir=args.index_dir, llm=args.llm)
    if args.doc:
        _check_documents(args.doc, [record.doc_id for record in assistant.documents()])
    filters: dict[str, Any] = {"kind": args.kind, "group": args.group, "docs": args.doc or ()}
    if args.question is not None:
        answer = assistant.ask(args.question, filters=filters)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else format_answer(answer))
        return EXIT_OK
    history: list[tuple[str, str]] = []
    print("Ask about the corpus; `help` lists the commands, an empty line ends the session.", file=sys.stderr)
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            return EXIT_OK
        command = question.lower()
        if not question or command in {"/quit", "/exit", "quit", "exit"}:
            return EXIT_OK
        if command in {"help", "/help", "?"}:
            print(INTERACTIVE_HELP)
            continue
        if command == "/clear":
            history.clear()
            print("(new conversation)")
            continue
        if question.startswith("/"):
            print(
                f"ctassist: unknown command {question.split()[0]}; type help for the commands",
                file=sys.stderr,
            )
            continue
        try:
            answer = assistant.ask(question, history=history, filters=filters)
        except CtassistError as exc:
            print(f"ctassist: error: {exc}", file=sys.stderr)
            continue
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else format_answer(answer))
        history.append((question, answer.text))


def _check_documents(wanted: Sequence[str], indexed: Sequence[str]) -> None:
    """Refuses a ``--doc`` that is not in the index, naming the indexed documents closest to it."""
    import difflib
    from pathlib import PurePosixPath

    known = set(indexed)
    # By file name: every path shares its folder and extension with many others.
    by_stem: dict[str, list[str]] = {}
    for doc_id in indexed:
        by_stem.setdefault(PurePosixPath(doc_id).stem.lower(), []).append(doc_id)
    for doc in wanted:
        if doc in known:
            continue
        stems = difflib.get_close_matches(PurePosixPath(doc).stem.lower(), list(by_stem), n=3, cutoff=0.6)
        close = [doc_id for stem in stems for doc_id in by_stem[stem]][:3]
        hint = f"did you mean {', '.join(close)}?" if close else "`ctassist documents` lists them"
        raise ConfigError(f"--doc {doc}: no such document in the index; {hint}")


def format_answer(answer: Any) -> str:
    """An answer as text: the answer, then its numbered sources with their quotes."""
    lines = [answer.text]
    if answer.scope_text:
        lines += ["", answer.scope_text]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            where = ", ".join(x for x in (c.section, f"page {c.page}" if c.page else None) if x)
            lines.append(f"[{c.n}] {c.title} ({c.doc}{', ' + where if where else ''})")
            lines.append(f'    "{c.quote}"')
    if answer.closest:
        lines += ["", "Closest passages (they may not answer the question):"]
        for c in answer.closest:
            lines.append(f"- {c.title} ({c.doc})")
            lines.append(f'    "{c.quote}"')
    return "\n".join(lines)


def _agenda(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ctassist.agenda import AgendaRequest

    if args.format == "docx" and not args.out:
        print("ctassist: error: --format docx needs --out FILE", file=sys.stderr)
        return EXIT_ERROR
    request = AgendaRequest(
        group=args.group,
        date=args.date,
        duration_minutes=args.minutes,
        focus=tuple(args.focus or ()),
        chair=args.chair,
        chatham_house=not args.no_chatham_house,
        start_time=args.start,
    )
    if request.is_past() and not args.allow_past_date:
        print(
            f"ctassist: error: --date {request.date}: {request.date_label} is in the past; give the date of "
            "the coming meeting, or add --allow-past-date to draft for it anyway",
            file=sys.stderr,
        )
        return EXIT_ERROR
    assistant = _assistant(args)
    agenda = assistant.draft_agenda(request)
    if args.format == "docx":
        settings = assistant.settings
        agenda.to_docx(
            Path(args.out),
            drafting_notes=args.drafting_notes,
            author=settings.agenda_author,
            marking=settings.agenda_marking,
        )
        print(f"wrote {args.out}", file=sys.stderr)
        return EXIT_OK
    text = (
        json.dumps(agenda.to_dict(), indent=2, ensure_ascii=False)
        if args.format == "json"
        else agenda.to_markdown(drafting_notes=args.drafting_notes)
    )
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return EXIT_OK


def _notes_add(args: argparse.Namespace) -> int:
    from ctassist.errors import NoteFormatError

    try:
        added = _assistant(args).add_note(args.file)
    except NoteFormatError as exc:
        print(f"ctassist: error: {exc.path}: {exc.full_reason}", file=sys.stderr)  # every problem
        return EXIT_ERROR
    print(f"stored {args.file} as {added.doc_id}")
    _say_warnings(args.file, added.warnings)
    print(added.report.summary())
    return EXIT_OK if added.report.ok else EXIT_SKIPPED


def _feedback_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ctassist.config import Settings
    from ui import CONVERSATIONS_FILE, export_feedback

    index_dir = Settings.from_env(index_dir=args.index_dir).index_dir
    count = export_feedback(Path(index_dir) / CONVERSATIONS_FILE, Path(args.file))
    print(f"ctassist: {count} feedback rows written to {args.file}", file=sys.stderr)
    return EXIT_OK


def _notes_check(args: argparse.Namespace) -> int:
    """Each note's verdict: ``ok`` (with any warnings) or its problems; exit 2 if any is refused."""
    from pathlib import Path

    from ctassist.config import Settings
    from ctassist.errors import LoadError, NoteFormatError
    from ctassist.intake import check_note

    max_file_mb = Settings.from_env().max_file_mb
    refused = 0
    for file in args.files:
        try:
            checked = check_note(Path(file), max_file_mb=max_file_mb)
        except LoadError as exc:
            refused += 1
            reason = exc.full_reason if isinstance(exc, NoteFormatError) else exc.reason
            print(f"ctassist: error: {exc.path}: {reason}", file=sys.stderr)
            continue
        print(f"ok {file}: {checked.document.title}")
        _say_warnings(file, checked.warnings)
    return EXIT_ERROR if refused else EXIT_OK


def _say_warnings(file: str, warnings: Sequence[object]) -> None:
    """What was accepted but looks wrong (a personal name where a role belongs), on stderr."""
    for warning in warnings:
        print(f"ctassist: warning: {file}: {warning}", file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    from ui import auth_from_argument, serve

    if args.auth_file is not None and args.auth is not None:
        raise ConfigError("give --auth-file only (--auth is its old name)")
    auth = None
    if args.auth_file is not None:
        auth = auth_from_argument(args.auth_file, "--auth-file")
    elif args.auth is not None:
        auth = auth_from_argument(args.auth, "--auth")
    return serve(
        corpus_dir=args.corpus_dir, index_dir=args.index_dir, host=args.host, port=args.port, auth=auth
    )


def _eval_main(arguments: list[str]) -> int:
    from evals.__main__ import main as evals_main

    return evals_main(arguments, prog="ctassist eval")


def _progress_bar(*, enabled: bool) -> tuple[Callable[[int, int, str], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar: list[Any] = []

    def update(done: int, total: int, what: str) -> None:
        if not bar:
            # Only long runs get a bar; short ones just print the summary.
            bar.append(tqdm(total=total, unit="file", file=sys.stderr, disable=total < 20, leave=False))
        bar[0].set_postfix_str(what[-60:], refresh=False)
        bar[0].update(done - bar[0].n)
        bar[0].refresh()  # a message without a finished file shows too ("embedding …")

    return update, lambda: bar[0].close() if bar else None


if __name__ == "__main__":
    raise SystemExit(main())
