"""What each reference group is for, and the discussion questions that fit it.

A facilitator prompt pairs a quoted piece of evidence with a question. The question is
chosen by the evidence's topic (the words it uses) and by the group: the user group sees
the police as a partner (referrals, information sharing, Channel, training); the public
group speaks for public confidence and for communities and families. Nothing here is
keyed to particular questions of the corpus, so any focus topic gets fitting prompts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ctassist.retrieve import content_terms

CHATHAM_HOUSE = (
    "This meeting is held under the Chatham House Rule: participants may use what they hear, "
    "but may not reveal who said it or their affiliation."
)


@dataclass(frozen=True)
class GroupProfile:
    """A reference group: its name, what it is, and its generic discussion questions.

    ``members`` and ``purpose`` are used only when the corpus holds no sentence saying
    so (they restate the project's brief, not meeting content). ``flavour`` is added to a
    second retrieval query per item, so that evidence on the group's own concerns is
    among the candidates.
    """

    key: str
    name: str
    members: str
    purpose: str
    flavour: str
    preferred_topics: tuple[str, ...]
    generic_questions: tuple[str, ...]


GROUPS: dict[str, GroupProfile] = {
    "public": GroupProfile(
        key="public",
        name="Prevent public reference group",
        members=(
            "The group brings together people with knowledge and understanding of Prevent from "
            "outside government, such as academics, think tanks and parent-representatives."
        ),
        purpose="The group advises HMICFRS as it develops its inspection of the police's role in Prevent.",
        flavour="public confidence and expectations, communities, families and parents",
        preferred_topics=("confidence", "community", "families", "ideology", "information"),
        generic_questions=(
            "How does this look from the point of view of the public, communities and families?",
            "What would give the public confidence in how the police handle this?",
            "What should HMICFRS look at here, from the point of view of the people Prevent affects?",
        ),
    ),
    "user": GroupProfile(
        key="user",
        name="Prevent user reference group",
        members=(
            "The group brings together government departments and agencies that use Prevent or "
            "oversee those who do, such as in the education and health sectors."
        ),
        purpose="The group advises HMICFRS as it develops its inspection of the police's role in Prevent.",
        flavour="what partner organisations see of the police: referrals, information sharing, Channel, training",
        preferred_topics=("referrals", "information", "channel", "training", "duty"),
        generic_questions=(
            "What do partner organisations see of the police's work on this, in referrals, "
            "information sharing and joint work?",
            "What should HMICFRS ask police forces about this, from where your organisation sits?",
            "Where could the police's contribution here be better, in your sector's experience?",
        ),
    ),
}


@dataclass(frozen=True)
class TopicQuestions:
    """A topic recognised by its words, with a question for each group.

    ``weight`` scales the topic's word hits: broad topics (an inspection, a review) weigh
    less than specific ones, so that "the inspection found that information sharing ..."
    reads as a point about information sharing.
    """

    name: str
    words: str
    user: str
    public: str
    weight: float = 1.0

    def question(self, group: str) -> str:
        return self.user if group == "user" else self.public


TOPICS: tuple[TopicQuestions, ...] = (
    TopicQuestions(
        "referrals",
        "referral referrals refer referred refers assessment assess assessed case cases",
        "What do your staff see of how the police handle the referrals they make, and how well are "
        "they kept informed afterwards?",
        "What do families and communities understand about what happens after a referral, and how "
        "does that affect confidence in the police?",
    ),
    TopicQuestions(
        "information",
        "information sharing share shared vetting communication communicate data records",
        "How does information sharing with the police work in practice for your organisation, and "
        "what gets in the way?",
        "How open should the police be with the public and with families about Prevent, and what "
        "would build trust?",
    ),
    TopicQuestions(
        "channel",
        "channel panel panels intervention interventions coordinator",
        "What does your sector see of the police's part in Channel, from referral to support, and "
        "where could it work better?",
        "How do people and their families experience Channel support, and what would give them "
        "confidence in it?",
    ),
    TopicQuestions(
        "training",
        "training trained skills skill recognise signs capability capabilities specialist officers "
        "staff powers abilities",
        "Do the police officers your staff work with have the training and skills this needs, and "
        "where are the gaps?",
        "What skills and judgement should the public be able to expect of police officers working "
        "on Prevent?",
    ),
    TopicQuestions(
        "duty",
        "duty specified authority authorities sector sectors statutory functions regard schedule "
        "partner partners",
        "How do the police and your sector share the work of the Prevent duty in practice, and "
        "where do responsibilities overlap or fall between organisations?",
        "How visible is the police's part in Prevent, alongside schools, health and local "
        "authorities, to the public?",
    ),
    TopicQuestions(
        "community",
        "community communities engagement engage engaged event",
        "How do the police involve your organisation when they engage local communities on Prevent?",
        "How do the police engage communities on Prevent, and what would make that engagement build trust?",
    ),
    TopicQuestions(
        "confidence",
        "public confidence trust expectations reassurance safe safety fair fairness",
        "What would give partner organisations confidence in the police's contribution to Prevent?",
        "What would give the public confidence that the police's work on Prevent is effective and fair?",
    ),
    TopicQuestions(
        "families",
        "parent parents guardian family families children child young consent age school schools",
        "How do the police work with your sector when a child or young person is involved?",
        "What do parents and families experience when the police are involved with a young person, "
        "and what would help?",
    ),
    TopicQuestions(
        "ideology",
        "ideology ideological extremist extremism islamist islamism wing threat threats "
        "radicalisation radicalised attacks attack",
        "Does what your organisation sees of police Prevent work reflect this picture of the threat?",
        "How do communities see the threat described here, and what does it mean for their "
        "confidence in Prevent?",
    ),
    TopicQuestions(
        "vulnerability",
        "vulnerability vulnerable vulnerabilities mental health social care safeguarding",
        "How do the police and your sector decide together whether a case belongs with Prevent or "
        "with health and social care?",
        "How do families and communities see the line between safeguarding vulnerable people and "
        "counter-terrorism?",
    ),
    TopicQuestions(
        "practice",
        "practice lessons learnt learned spread best good improve",
        "Where has your organisation seen police practice that should be spread between forces, "
        "and which lessons have not been learnt?",
        "Where have communities and families seen the police get this right, and where has it gone wrong?",
    ),
    TopicQuestions(
        "inspection",
        "inspection inspections review reviewer recommendations recommendation findings found "
        "hmicfrs examined programme strategy",
        "From your organisation's view, what has changed in police Prevent work since then, and "
        "what should the inspection test?",
        "Which of these points matter most to the public, and what should the inspection look at?",
        weight=0.4,
    ),
)


@cache
def _topic_terms(topic: TopicQuestions) -> frozenset[str]:
    return frozenset(content_terms(topic.words))


def topic_hits(text: str) -> dict[str, float]:
    """Weighted count of each topic's words in ``text`` (stemmed, so "referrals" counts
    for "referral"); topics without a hit are left out."""
    terms = set(content_terms(text))
    hits: dict[str, float] = {}
    for topic in TOPICS:
        count = len(terms & _topic_terms(topic))
        if count:
            hits[topic.name] = count * topic.weight
    return hits


def group_affinity(text: str, group: str) -> float:
    """How much a sentence speaks to the group's own concerns (0 to 1)."""
    hits = topic_hits(text)
    preferred = GROUPS[group].preferred_topics
    return min(1.0, sum(v for k, v in hits.items() if k in preferred) / 2)


def choose_question(text: str, group: str, *, taken: Iterable[str]) -> str | None:
    """The discussion question for a piece of evidence.

    Args:
        text: The evidence sentence.
        group: ``"public"`` or ``"user"``.
        taken: Questions already asked on the agenda (never repeated).

    Returns:
        A question fitted to the evidence's topic and the group, or one of the group's
        generic questions when no topic fits; ``None`` when every such question is taken.
    """
    taken = set(taken)
    preferred = GROUPS[group].preferred_topics
    hits = topic_hits(text)
    by_name = {t.name: t for t in TOPICS}

    def rank(name: str) -> tuple[float, float]:
        bonus = 0.5 if name in preferred else 0.0
        return (hits[name] + bonus, bonus)

    options = [by_name[name].question(group) for name in sorted(hits, key=rank, reverse=True)]
    options += GROUPS[group].generic_questions
    return next((q for q in options if q not in taken), None)


def generic_questions(group: str, *, taken: Iterable[str], count: int) -> list[str]:
    """``count`` of the group's generic questions not in ``taken``."""
    taken = set(taken)
    return [q for q in GROUPS[group].generic_questions if q not in taken][:count]
