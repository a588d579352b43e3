"""Time allocation: small fixed slots for the standard items, the rest shared by the
discussion items, whole minutes that add up exactly to the meeting's length."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ctassist.agenda._model import AgendaError

#: Shortest useful discussion of one topic.
MIN_DISCUSSION_MINUTES = 10
#: Share of the meeting the standard items may take before they reach their full slots.
_STANDARD_SHARE = 0.25
#: Order in which spare minutes go to the standard items (welcome and actions matter most).
_TOP_UP_ORDER = ("welcome", "minutes", "aob", "apologies", "declarations", "next_meeting")


@dataclass(frozen=True)
class Timing:
    """Minutes per standard item (by kind) and per discussion item (in order)."""

    standard: dict[str, int]
    discussion: tuple[int, ...]


def standard_slots(*, open_actions: int, has_previous: bool) -> dict[str, tuple[int, int]]:
    """(minimum, full) minutes of each standard item.

    Matters arising grows by two minutes per open action carried forward (up to 15); with
    no previous notes there is only the fact to record.
    """
    minutes_full = min(15, 5 + 2 * open_actions) if has_previous else 3
    return {
        "welcome": (5, 10),
        "apologies": (2, 3),
        "declarations": (2, 3),
        "minutes": (5 if has_previous else 2, minutes_full),
        "aob": (3, 5),
        "next_meeting": (2, 3),
    }


def minimum_duration(discussion_items: int, *, open_actions: int, has_previous: bool) -> int:
    """The shortest meeting that fits: every discussion item at least 10 minutes, the
    standard items at their minimum, and discussion taking at least half of the time."""
    floor = sum(
        low for low, _ in standard_slots(open_actions=open_actions, has_previous=has_previous).values()
    )
    return max(floor + MIN_DISCUSSION_MINUTES * discussion_items, 2 * floor)


def allocate(duration: int, discussion_items: int, *, open_actions: int, has_previous: bool) -> Timing:
    """Shares ``duration`` minutes between the standard and discussion items.

    Args:
        duration: The meeting's length in minutes.
        discussion_items: How many discussion items there are (at least one).
        open_actions: Actions carried forward under matters arising.
        has_previous: Whether notes of a previous meeting exist.

    Returns:
        The minutes of each item; they add up exactly to ``duration``.

    Raises:
        AgendaError: The meeting is too short; the message gives the minimum.

    Example:
        >>> t = allocate(90, 4, open_actions=2, has_previous=True)
        >>> sum(t.standard.values()) + sum(t.discussion)
        90
    """
    slots = standard_slots(open_actions=open_actions, has_previous=has_previous)
    floor = sum(low for low, _ in slots.values())
    full = sum(high for _, high in slots.values())
    shortest = minimum_duration(discussion_items, open_actions=open_actions, has_previous=has_previous)
    if duration < shortest:
        raise AgendaError(
            f"{duration} minutes is too short for this agenda; the minimum is "
            f"{shortest} minutes ({discussion_items} discussion item(s) of at least "
            f"{MIN_DISCUSSION_MINUTES} minutes each, {floor} minutes for the standard items, and "
            "discussion taking at least half of the meeting)",
            field="duration_minutes",
        )
    # Standard items get about a quarter of the meeting, between their minimum and full
    # slots, and never so much that discussion drops below its own minimum or half.
    ceiling = duration - max(MIN_DISCUSSION_MINUTES * discussion_items, math.ceil(duration / 2))
    budget = min(max(round(duration * _STANDARD_SHARE), floor), full, ceiling)
    standard = {kind: low for kind, (low, _) in slots.items()}
    spare = budget - floor
    while spare > 0:
        for kind in _TOP_UP_ORDER:
            if spare > 0 and standard[kind] < slots[kind][1]:
                standard[kind] += 1
                spare -= 1
    rest = duration - sum(standard.values())
    share, extra = divmod(rest, discussion_items)
    discussion = tuple(share + (1 if i < extra else 0) for i in range(discussion_items))
    return Timing(standard=standard, discussion=discussion)
