"""Sentence spans: boundaries that keep abbreviations, section numbers and figures intact."""

from __future__ import annotations

import time

import pytest

from ctassist.chunk import sentence_spans
from ctassist.chunk._sentences import MAX_SENTENCE_CHARS


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_docstring_example() -> None:
    assert _sentences("Prevent is one strand. It has three objectives.") == [
        "Prevent is one strand.",
        "It has three objectives.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The duty under s.26 of the Act applies to schools.",
        "The duty under s. 26 of the Act applies to schools.",
        "Specified authorities, e.g. schools and prisons, must comply.",
        "Specified authorities, e.g. Schools and Prisons, must comply.",
        "There were 6,922 referrals to Prevent in 2022/23.",
        "The figure rose by 3.5 per cent.",
        "Mr. Smith and Dr. Jones met Insp. Patel.",
        "See para. 12 and pp. 4-6 of the guidance.",
        "The report by J. R. Smith et al. 2019 found gaps.",
        "It was published on 5 Jan. 2023 by the Home Office.",
        "Schools, colleges, etc. Must all comply, i.e. Everyone.",
        "What is the role of the police?",
    ],
)
def test_sentence_stays_whole(sentence: str) -> None:
    text = f"First sentence here. {sentence} Last sentence here."
    assert _sentences(text) == ["First sentence here.", sentence, "Last sentence here."]


def test_boundaries_before_digits_quotes_and_brackets() -> None:
    text = 'It ended in 2019. 2020 was different. "Quoted start." (Bracketed start.) £5 was paid!'
    assert _sentences(text) == [
        "It ended in 2019.",
        "2020 was different.",
        '"Quoted start."',
        "(Bracketed start.)",
        "£5 was paid!",
    ]


def test_no_boundary_before_lower_case() -> None:
    assert _sentences("It was agreed. then the meeting closed.") == [
        "It was agreed. then the meeting closed."
    ]


def test_paragraphs_list_items_and_table_rows_end_sentences() -> None:
    text = (
        "A paragraph without a full stop\n\n"
        "Wrapped prose that runs\nover two lines.\n"
        "- first item\n"
        "* second item\n"
        "• third item\n"
        "1. numbered item\n"
        "| cell | cell |\n"
        "Closing line"
    )
    assert _sentences(text) == [
        "A paragraph without a full stop",
        "Wrapped prose that runs\nover two lines.",
        "first item",
        "second item",
        "third item",
        "numbered item",
        "| cell | cell |",
        "Closing line",
    ]


def test_markdown_heading_lines_are_left_out() -> None:
    text = "# Title\nIntro sentence.\n## Section\nBody sentence."
    assert _sentences(text) == ["Intro sentence.", "Body sentence."]


def test_spans_are_trimmed_and_punctuation_only_pieces_dropped() -> None:
    text = "  Leading space.   \n\n---\n\n  * \n\nEnd."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["Leading space.", "End."]
    for a, b in spans:
        assert not text[a].isspace()
        assert not text[b - 1].isspace()


def test_region_offsets_index_into_the_whole_text() -> None:
    text = "Before. Inside one. Inside two. After."
    start = text.index("Inside one")
    end = text.index(" After")
    spans = sentence_spans(text, start, end)
    assert spans == [(start, start + len("Inside one.")), (text.index("Inside two"), end)]
    assert [text[a:b] for a, b in spans] == ["Inside one.", "Inside two."]


def test_empty_region() -> None:
    assert sentence_spans("") == []
    assert sentence_spans("Some text.", 4, 4) == []


# --- text without sentence ends -----------------------------------------------------------


def test_a_megabyte_line_without_sentence_ends_is_cut_at_white_space() -> None:
    words = [f"word{i}" for i in range(120_000)]
    text = " ".join(words)  # about 1 MB, one line, no full stop
    spans = sentence_spans(text)
    assert len(spans) > len(text) // MAX_SENTENCE_CHARS
    assert max(b - a for a, b in spans) <= MAX_SENTENCE_CHARS
    for a, b in spans:
        assert a == 0 or text[a - 1] == " "  # no word is cut
        assert b == len(text) or text[b] == " "
    assert " ".join(text[a:b] for a, b in spans) == text


def test_a_run_without_white_space_is_cut_at_the_limit() -> None:
    text = "x" * (MAX_SENTENCE_CHARS * 2 + 10)
    assert sentence_spans(text) == [
        (0, MAX_SENTENCE_CHARS),
        (MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS * 2),
        (MAX_SENTENCE_CHARS * 2, len(text)),
    ]


def test_long_sentence_under_the_limit_stays_whole() -> None:
    sentence = "This sentence runs on " + "and on " * ((MAX_SENTENCE_CHARS - 40) // 7) + "to its end."
    assert len(sentence) <= MAX_SENTENCE_CHARS
    assert _sentences(f"Before. {sentence} After.") == ["Before.", sentence, "After."]


def test_a_long_line_of_initials_is_split_in_linear_time() -> None:
    # Each "A." looks like an initial, so no sentence ends: the look-back for the word before
    # each full stop once scanned from the start of the line, 10 s for these 48 kB.
    text = "A. B. " * 8000
    started = time.perf_counter()
    spans = sentence_spans(text)
    assert time.perf_counter() - started < 2
    assert max(b - a for a, b in spans) <= MAX_SENTENCE_CHARS


def test_a_title_line_over_a_paragraph_is_not_glued_to_its_first_sentence() -> None:
    # A PDF's headings carry no markup: a short line over a longer one that starts a sentence.
    text = (
        "Channel panels\n"
        "Every local authority must ensure that a Channel panel exists in its area.\n"
        "It is chaired by the local authority."
    )
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Channel panels",
        "Every local authority must ensure that a Channel panel exists in its area.",
        "It is chaired by the local authority.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Wrapped prose: the first line is as long as the next.
        "The police make most Prevent referrals in England and\nWales, and schools make the next most.",
        # A short first line that ends a clause is prose too.
        "In 2023,\nThe Home Office published new guidance on Prevent referrals for schools.",
        # The next line does not start a sentence.
        "Channel panels\nare chaired by the local authority in every area of England and Wales.",
    ],
)
def test_wrapped_prose_stays_one_sentence(text: str) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == [text]
