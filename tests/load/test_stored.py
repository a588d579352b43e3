"""A note's records stored as JSON in the index read back exactly, quotes included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctassist.load import load_document
from ctassist.load._stored import records_from_json, records_json
from tests.helpers import SHIPPED_CORPUS

NOTES = Path(__file__).resolve().parent.parent / "records" / "notes"


@pytest.mark.parametrize("name", sorted(p.name for p in NOTES.glob("*.md")))
def test_records_round_trip(name: str) -> None:
    document = load_document(NOTES / name, NOTES.parent)
    assert document.note is not None
    header, header_text = records_from_json(records_json(document))
    assert header == document.note
    assert document.text.startswith(header_text)
    for action in header.actions:
        quote = header_text[action.lines.start : action.lines.end]
        assert quote == document.text[action.lines.start : action.lines.end] and action.action in quote


def test_a_source_has_no_records_and_another_layout_is_refused() -> None:
    source = next((SHIPPED_CORPUS / "sources").glob("*.md"))
    with pytest.raises(ValueError, match="not a meeting note"):
        records_json(load_document(source, SHIPPED_CORPUS))
    document = load_document(NOTES / "2026-11-12-user.md", NOTES.parent)
    stored = json.loads(records_json(document))
    stored["layout"] = 0
    with pytest.raises(ValueError, match="another layout"):
        records_from_json(json.dumps(stored))
