"""The sentence cutter of streamed generation (``complete_prefix``): on text cut off at any
character, it gives back only whole sentences, with the markers that follow them, and cuts
where the whole text's sentences end, so that verifying the pieces as they complete checks
the same sentences as verifying the whole answer at once."""

from __future__ import annotations

import pytest

from ctassist.answer._generative import complete_prefix
from ctassist.chunk import sentence_spans
from ctassist.cite import markers_inside, split_cited_sentences

ANSWERS = [
    "A Channel panel is chaired by the local authority [1]. Panels meet monthly [2]. The police refer.",
    "Panels meet monthly. [1] The police can refer people. [2][3] Health staff can refer too. [1]",
    'It said "the panel decides." [2] There were 6,817 referrals, 3.5 per cent more [1]. Done.',
    "Referrals came from e.g. schools and the police [1]. In 2023-24 there were 6,922 [2].",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_cuts_of_a_growing_text_are_the_whole_texts_sentence_ends(answer: str) -> None:
    whole = markers_inside(answer)
    ends = {b for _, b in sentence_spans(whole)}
    last = 0
    for size in range(len(answer) + 1):
        partial = markers_inside(answer[:size])
        cut = complete_prefix(partial)
        assert cut >= last, (size, cut, last)  # a cut is never taken back
        if cut:
            assert cut in ends, (answer[:size], partial[:cut])
            assert whole[:cut] == partial[:cut]  # what was cut stays as it was
        last = cut
    # Once the next sentence has begun, every sentence of the text is complete.
    assert complete_prefix(whole + " And so") == max(ends)
    # Verifying the pieces one by one reads the same sentences as reading the whole text.
    pieces, done = [], 0
    for size in range(len(answer) + 1):
        cut = complete_prefix(markers_inside(answer[:size]))
        if cut > done:
            pieces.append(whole[done:cut])
            done = cut
    pieces.append(whole[done:])
    assert [s for piece in pieces for s in split_cited_sentences(piece)] == split_cited_sentences(answer)


def test_a_marker_after_the_full_stop_waits_for_the_next_sentence() -> None:
    assert complete_prefix(markers_inside("Panels meet monthly.")) == 0
    assert complete_prefix(markers_inside("Panels meet monthly. [")) == 0
    assert complete_prefix(markers_inside("Panels meet monthly. [2")) == 0
    assert complete_prefix(markers_inside("Panels meet monthly. [2] The")) == 0
    text = markers_inside("Panels meet monthly. [2] The police")
    assert text[: complete_prefix(text)] == "Panels meet monthly [2]."


def test_a_number_or_abbreviation_is_not_cut_at_its_full_stop() -> None:
    assert complete_prefix("There were 3.") == 0
    assert complete_prefix("There were 3.5 per cent more referrals") == 0
    assert complete_prefix("Referrals came from e.g. schools and") == 0
    assert complete_prefix("One sentence, no full stop and no marker, then more words") == 0
