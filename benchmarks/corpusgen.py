"""A deterministic, English-like inspection corpus for the benchmarks.

Paragraphs of 60–120 words are assembled from sentence templates over policing, Prevent
and inspection vocabulary, grouped into Markdown files of about 50 paragraphs under
``sources/``, with a title and a ``##`` heading every few paragraphs. The same seed and
paragraph count always give byte-identical files, so runs can be compared.

Example:
    >>> files = write_corpus(Path("/tmp/corpus"), paragraphs=300)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ctassist.chunk import chunk_document
from ctassist.config import Settings
from ctassist.index import embedding_text
from ctassist.load import discover_files, document_id, load_document

PARAGRAPHS_PER_FILE = 50
DEFAULT_SEED = 20240611

FORCES = (
    "Avon and Somerset Constabulary",
    "Bedfordshire Police",
    "Cleveland Police",
    "Cumbria Constabulary",
    "Derbyshire Constabulary",
    "Devon and Cornwall Police",
    "Dorset Police",
    "Durham Constabulary",
    "Essex Police",
    "Greater Manchester Police",
    "Gwent Police",
    "Hampshire and Isle of Wight Constabulary",
    "Hertfordshire Constabulary",
    "Kent Police",
    "Lancashire Constabulary",
    "Leicestershire Police",
    "Merseyside Police",
    "the Metropolitan Police Service",
    "Norfolk Constabulary",
    "Northumbria Police",
    "North Wales Police",
    "South Wales Police",
    "South Yorkshire Police",
    "Staffordshire Police",
    "Sussex Police",
    "Thames Valley Police",
    "West Midlands Police",
    "West Yorkshire Police",
    "Wiltshire Police",
    "British Transport Police",
)

REGIONS = (
    "Counter Terrorism Policing North East",
    "Counter Terrorism Policing North West",
    "Counter Terrorism Policing West Midlands",
    "Counter Terrorism Policing South East",
    "Counter Terrorism Policing South West",
    "Counter Terrorism Policing Wales",
    "the Eastern Region Special Operations Unit",
    "the East Midlands Special Operations Unit",
    "Counter Terrorism Command",
)


@dataclass(frozen=True)
class Topic:
    """The vocabulary of one inspection theme."""

    title: str
    headings: tuple[str, ...]
    subjects: tuple[str, ...]
    objects: tuple[str, ...]
    findings: tuple[str, ...]
    questions: tuple[str, ...]


TOPICS = (
    Topic(
        "Prevent referrals",
        ("Receiving referrals", "Gateway assessments", "Timeliness of decisions", "Feedback to referrers"),
        (
            "the Prevent team",
            "the Prevent gateway assessment officer",
            "the referral hub",
            "the Prevent lead",
        ),
        (
            "Prevent referrals from schools and colleges",
            "the gateway assessment of each referral",
            "referrals that did not meet the threshold for Channel",
            "the time taken to decide on a referral",
            "feedback given to the people who made a referral",
            "referrals concerning mixed, unclear or unstable ideologies",
            "the recording of the rationale for closing a referral",
        ),
        (
            "most referrals were assessed within the expected five working days",
            "the rationale for closing a case was not always recorded",
            "referrers rarely received feedback on the outcome",
            "the volume of referrals from education had risen sharply",
            "decisions were well reasoned and proportionate",
        ),
        (
            "How quickly are Prevent referrals assessed",
            "Who receives feedback after a Prevent referral",
            "What happens to referrals that do not go to Channel",
        ),
    ),
    Topic(
        "Channel panels",
        ("Panel membership", "Support plans", "Consent and vulnerability", "Case review and exit"),
        ("the Channel panel", "the local authority chair", "the Channel coordinator", "panel partners"),
        (
            "attendance of health and education partners at panel meetings",
            "the support plan agreed for each person",
            "consent obtained from a parent or guardian",
            "the intervention provider commissioned by the Home Office",
            "the review of cases twelve months after exit",
            "the minutes and action logs of panel meetings",
            "the vulnerability assessment framework",
        ),
        (
            "panel meetings were well attended and chaired effectively",
            "support plans were tailored to the needs of each person",
            "some partners did not attend regularly",
            "reviews at six and twelve months were carried out consistently",
            "actions were not always followed up between meetings",
        ),
        (
            "Who chairs a Channel panel",
            "What does a Channel support plan contain",
            "How is consent obtained for Channel support",
        ),
    ),
    Topic(
        "counter-terrorism local profiles",
        ("Producing the profile", "Sharing with partners", "Using the profile", "Community information"),
        (
            "the intelligence team",
            "the counter-terrorism local profile",
            "analysts",
            "the Prevent coordinator",
        ),
        (
            "the counter-terrorism local profile for the area",
            "the briefing of the profile to local authority partners",
            "community tension information",
            "the threat and risk picture in each district",
            "the local partnership action plan",
            "open source information about local extremist activity",
        ),
        (
            "the profile was up to date and shared with all partners",
            "partners found the profile too general to act upon",
            "the profile did not reflect emerging local threats",
            "briefings were delivered to elected members and senior officers",
            "the action plan lacked measurable objectives",
        ),
        (
            "What is a counter-terrorism local profile",
            "Who receives the counter-terrorism local profile",
            "How often is the local profile refreshed",
        ),
    ),
    Topic(
        "Schedule 7 port examinations",
        ("Examinations at ports", "Use of powers", "Records and detention", "Treatment of examinees"),
        ("port officers", "the border policing command", "examining officers", "the ports unit"),
        (
            "examinations under Schedule 7 to the Terrorism Act 2000",
            "the selection of people for examination",
            "the right to consult a solicitor during detention",
            "the copying and retention of data from mobile devices",
            "the records made of each examination",
            "the national ports analysis of outcomes",
        ),
        (
            "selection decisions were based on the threat and not on protected characteristics",
            "the reasons for detention were not always recorded",
            "examinees were told of their rights promptly",
            "data was retained for longer than the guidance allows",
            "supervisors reviewed a sample of examinations each month",
        ),
        (
            "When can an officer detain a person under Schedule 7",
            "What records are kept of a Schedule 7 examination",
            "How are people selected for examination at ports",
        ),
    ),
    Topic(
        "terrorist offender management",
        ("Managing offenders in the community", "Multi-agency arrangements", "Notification requirements"),
        ("offender managers", "the counter-terrorism probation team", "MAPPA panels", "the management unit"),
        (
            "offenders released on licence after a terrorism conviction",
            "the notification requirements of the Counter-Terrorism Act 2008",
            "joint home visits with probation officers",
            "the risk management plan for each offender",
            "licence conditions restricting internet use",
            "level three MAPPA meetings",
        ),
        (
            "risk management plans were comprehensive and regularly reviewed",
            "home visits were not always carried out at the planned frequency",
            "information sharing with probation was timely and effective",
            "breaches of notification requirements were dealt with robustly",
            "officers had high caseloads that limited proactive work",
        ),
        (
            "How are terrorist offenders managed after release",
            "What are the notification requirements for terrorist offenders",
            "Who attends MAPPA meetings for terrorism cases",
        ),
    ),
    Topic(
        "protective security",
        ("Counter-terrorism security advisers", "Crowded places", "Protect duty", "Exercising plans"),
        (
            "counter-terrorism security advisers",
            "the protect and prepare team",
            "venue operators",
            "planners",
        ),
        (
            "security advice given to crowded places and venues",
            "the vulnerability assessments of publicly accessible locations",
            "the preparations for the Terrorism (Protection of Premises) Act 2025",
            "the testing of lockdown and evacuation plans",
            "awareness training for staff at shopping centres",
            "hostile vehicle mitigation at major events",
        ),
        (
            "advisers prioritised sites according to risk",
            "venues welcomed the advice but rarely tested their plans",
            "there was no structured follow-up of recommendations",
            "exercises involved all emergency services",
            "the demand for advice outstripped the resources available",
        ),
        (
            "What advice do counter-terrorism security advisers give",
            "How are crowded places protected from attack",
            "What does the protect duty require of venues",
        ),
    ),
    Topic(
        "online radicalisation",
        ("Online content", "Referral of material", "Digital investigation"),
        ("the internet referral unit", "digital investigators", "the online team", "cyber specialists"),
        (
            "extremist material referred to online platforms for removal",
            "young people radicalised through online gaming and social media",
            "the examination of seized devices",
            "the backlog of digital forensic work",
            "the monitoring of closed messaging groups",
        ),
        (
            "the backlog of device examinations had grown to several months",
            "referrals to platforms led to the removal of most material",
            "officers lacked training in emerging online platforms",
            "the force had invested in new digital forensic capacity",
            "online risk was considered early in most investigations",
        ),
        (
            "How is extremist material removed from the internet",
            "What delays affect the examination of seized devices",
            "How are young people radicalised online",
        ),
    ),
    Topic(
        "training and awareness",
        ("Frontline awareness", "Specialist training", "Call handlers"),
        ("frontline officers", "call handlers", "neighbourhood teams", "the learning and development team"),
        (
            "counter-terrorism awareness training for new recruits",
            "the recognition of signs of radicalisation",
            "the initial response to a marauding terrorist attack",
            "the mandatory Prevent e-learning package",
            "the briefing of officers on the current threat level",
        ),
        (
            "most officers had completed the mandatory training",
            "call handlers were unsure how to identify a terrorist incident",
            "neighbourhood officers understood how to make a referral",
            "training records were incomplete",
            "refresher training had not been delivered for three years",
        ),
        (
            "What training do frontline officers receive about Prevent",
            "Can call handlers recognise a terrorist incident",
            "Have officers completed counter-terrorism awareness training",
        ),
    ),
    Topic(
        "intelligence handling",
        ("Managing intelligence", "Sharing with the region", "Covert tactics"),
        (
            "counter-terrorism intelligence officers",
            "the force intelligence bureau",
            "Special Branch",
            "the desk",
        ),
        (
            "the grading and sanitisation of intelligence",
            "the flow of information between the force and the regional unit",
            "the handling of covert human intelligence sources",
            "the assessment of intelligence about lone actors",
            "the recording of intelligence on the national system",
        ),
        (
            "intelligence was shared quickly with the regional unit",
            "some intelligence was not graded correctly",
            "the arrangements for covert sources complied with the codes of practice",
            "there was duplication between local and regional systems",
            "analysts were stretched by competing demands",
        ),
        (
            "How is counter-terrorism intelligence shared with the region",
            "Who handles intelligence about lone actors",
            "How is intelligence graded before it is shared",
        ),
    ),
    Topic(
        "firearms and critical incident response",
        ("Armed response", "Command and control", "Joint working with emergency services"),
        ("armed response vehicles", "firearms commanders", "the force control room", "the ambulance service"),
        (
            "the mobilisation of armed officers to a suspected attack",
            "the declaration of Operation Plato",
            "the joint emergency services interoperability principles",
            "the availability of tactical firearms commanders",
            "the exercising of response plans with fire and ambulance services",
        ),
        (
            "armed officers arrived within the expected times in urban areas",
            "commanders were confident in declaring Operation Plato",
            "rural response times were considerably longer",
            "lessons from exercises were not always acted on",
            "joint working with the fire service was strong",
        ),
        (
            "What is Operation Plato",
            "How quickly can armed officers respond to an attack",
            "Who commands the response to a terrorist incident",
        ),
    ),
    Topic(
        "safeguarding partnerships",
        ("Working with education", "Health partners", "Local authority duty"),
        (
            "the local authority",
            "safeguarding partners",
            "designated safeguarding leads",
            "mental health services",
        ),
        (
            "the Prevent duty placed on schools, colleges and universities",
            "the referral of people with mental health needs",
            "the local safeguarding children partnership",
            "the information sharing agreement between partners",
            "the Prevent duty toolkit for local authorities",
        ),
        (
            "partners understood their responsibilities under the Prevent duty",
            "health partners were reluctant to share information",
            "the partnership board met regularly and held partners to account",
            "schools made appropriate referrals and sought advice early",
            "the role of mental health services in Prevent cases was unclear",
        ),
        (
            "What is the Prevent duty for schools",
            "How do health services contribute to Prevent",
            "Which partners must cooperate under the Prevent duty",
        ),
    ),
    Topic(
        "governance and leadership",
        ("Strategic oversight", "Performance management", "Resourcing"),
        ("chief officers", "the strategic board", "the police and crime commissioner", "senior leaders"),
        (
            "the strategic oversight of counter-terrorism work",
            "the performance framework for Prevent",
            "the funding allocated by the Home Office",
            "the force management statement",
            "the workforce plan for specialist posts",
        ),
        (
            "leaders had a clear understanding of the threat",
            "performance information focused on activity rather than outcomes",
            "vacancies in specialist posts had persisted for over a year",
            "the strategic board did not scrutinise Prevent performance",
            "the commissioner held the chief constable to account effectively",
        ),
        (
            "How do chief officers oversee counter-terrorism work",
            "How is Prevent performance measured",
            "Are specialist counter-terrorism posts filled",
        ),
    ),
    Topic(
        "custody and detention under the Terrorism Act",
        ("Pre-charge detention", "Custody arrangements", "Rights of detainees"),
        ("custody officers", "the designated custody suite", "detention officers", "reviewing officers"),
        (
            "pre-charge detention under section 41 of the Terrorism Act 2000",
            "warrants of further detention granted by a judge",
            "the care and welfare of detained people",
            "the reviews of detention by an officer of superintendent rank",
            "access to legal advice and interpreters",
        ),
        (
            "reviews of detention were carried out on time",
            "detainees had prompt access to legal advice",
            "welfare checks were recorded accurately",
            "the custody suite was clean and well maintained",
            "the use of force in custody was not always recorded",
        ),
        (
            "How long can a terrorism suspect be detained before charge",
            "Who reviews detention under the Terrorism Act",
            "What rights does a person detained under section 41 have",
        ),
    ),
    Topic(
        "community engagement",
        ("Engaging communities", "Community tensions", "Confidence and trust"),
        ("community engagement officers", "independent advisory groups", "neighbourhood policing teams"),
        (
            "engagement with communities affected by counter-terrorism activity",
            "the monitoring of community tensions after an incident",
            "the independent advisory group for counter-terrorism",
            "community confidence in the Prevent programme",
            "the response to hate crime following a terrorist attack",
        ),
        (
            "engagement was focused on a small number of established groups",
            "tension monitoring was thorough and shared daily with partners",
            "some communities viewed Prevent with suspicion",
            "the advisory group provided valuable challenge",
            "the force responded quickly to a rise in hate crime",
        ),
        (
            "How does the police engage communities about Prevent",
            "How are community tensions monitored after an attack",
            "What does the independent advisory group do",
        ),
    ),
)

TOWNS = (
    "Barnsley",
    "Basingstoke",
    "Blackburn",
    "Bolton",
    "Bradford",
    "Brighton",
    "Bristol",
    "Burnley",
    "Cardiff",
    "Carlisle",
    "Chelmsford",
    "Coventry",
    "Crawley",
    "Darlington",
    "Derby",
    "Dover",
    "Dudley",
    "Exeter",
    "Gateshead",
    "Gloucester",
    "Huddersfield",
    "Ipswich",
    "Kendal",
    "Leicester",
    "Lincoln",
    "Luton",
    "Maidstone",
    "Middlesbrough",
    "Newport",
    "Northampton",
    "Norwich",
    "Oldham",
    "Oxford",
    "Plymouth",
    "Portsmouth",
    "Preston",
    "Reading",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Slough",
    "Southampton",
    "Stockport",
    "Stoke-on-Trent",
    "Sunderland",
    "Swansea",
    "Swindon",
    "Telford",
    "Wakefield",
    "Walsall",
    "Watford",
    "Wigan",
    "Wolverhampton",
    "Worcester",
    "Wrexham",
)
_QUALIFIERS = (
    "for children and young people",
    "in the north of the force area",
    "involving people with mental health needs",
    "outside normal office hours",
    "in rural districts",
    "where there was a risk to life",
    "involving extreme right-wing ideology",
    "involving Islamist ideology",
    "at weekends and bank holidays",
    "for people with autism or learning disabilities",
    "in the two largest cities",
    "across neighbouring forces",
    "for cases transferred from another area",
    "in the busiest districts",
    "for people already known to children's social care",
    "after a change of case officer",
    "involving school-age children",
    "for adults in supported housing",
)
_ROLES = (
    "a detective inspector",
    "a chief superintendent",
    "a Prevent case officer",
    "a neighbourhood sergeant",
    "an analyst",
    "a local authority Prevent coordinator",
    "a safeguarding lead at a further education college",
    "a custody sergeant",
    "a probation officer",
    "a member of the independent advisory group",
    "a counter-terrorism security adviser",
    "a call handler",
)
_ASSESSMENTS = (
    "generally effective",
    "inconsistent",
    "timely and well recorded",
    "poorly understood by frontline staff",
    "thorough but slow",
    "better than at our last inspection",
    "under-resourced",
    "well supported by partners",
    "hampered by outdated IT systems",
    "dependent on a few experienced individuals",
    "not monitored by senior leaders",
    "clearly documented",
)
_CHANGES = (
    "introduced a new triage process for",
    "appointed a dedicated lead for",
    "restructured the team responsible for",
    "commissioned an independent review of",
    "published new guidance on",
    "started a pilot scheme covering",
    "agreed a joint protocol with partners on",
    "reduced the backlog in",
)
_OPENERS = (
    "We found that",
    "Inspectors found that",
    "During our fieldwork we found that",
    "In the cases we reviewed,",
    "Staff told us that",
    "Our analysis showed that",
    "Since our last inspection,",
    "In interviews, senior leaders acknowledged that",
    "The evidence we gathered shows that",
    "In most of the files we examined,",
)
_VERBS = (
    "has improved",
    "has strengthened",
    "still needs to improve",
    "has reviewed",
    "regularly audits",
    "does not yet monitor",
    "has invested in",
    "works closely with partners on",
    "has a good understanding of",
    "should review",
    "has changed its approach to",
    "is responsible for",
)
_PERIODS = (
    "during the inspection period",
    "in the twelve months before our fieldwork",
    "since 2021",
    "over the last two years",
    "at the time of our inspection",
    "between April and September",
    "in the previous financial year",
)
_MONTHS = ("January", "March", "April", "June", "July", "September", "October", "November")
_CONNECTIVES = (
    "However,",
    "In addition,",
    "As a result,",
    "Despite this,",
    "Encouragingly,",
    "Consequently,",
)
_RECOMMENDATIONS = (
    "should make sure that",
    "should review whether",
    "needs to establish how",
    "should put in place arrangements so that",
)
_COUNTED = (
    "of the case files we reviewed",
    "of the referrals we examined",
    "of the officers we surveyed",
    "of the examinations we sampled",
    "of the partner agencies we interviewed",
)


def _actor(rng: random.Random, topic: Topic, force: str) -> str:
    choice = rng.random()
    if choice < 0.35:
        return force
    if choice < 0.5:
        return rng.choice(REGIONS)
    return rng.choice(topic.subjects)


def _object(rng: random.Random, topic: Topic) -> str:
    obj = rng.choice(topic.objects)
    roll = rng.random()
    if roll < 0.35:
        return f"{obj} {rng.choice(_QUALIFIERS)}"
    if roll < 0.55:
        return f"{obj} in {rng.choice(TOWNS)}"
    return obj


def _sentence(rng: random.Random, topic: Topic, force: str) -> str:
    kind = rng.randrange(12)
    obj = _object(rng, topic)
    if kind == 0:
        text = f"{rng.choice(_OPENERS)} {rng.choice(topic.findings)}"
    elif kind == 1:
        text = f"{_actor(rng, topic, force)} {rng.choice(_VERBS)} {obj} {rng.choice(_PERIODS)}"
    elif kind == 2:
        total = rng.randrange(12, 120)
        part = rng.randrange(1, total)
        text = f"In {part} of the {total} {rng.choice(_COUNTED).split(' ', 2)[2]}, we saw evidence of {obj}"
    elif kind == 3:
        text = f"{rng.choice(_CONNECTIVES)} {rng.choice(topic.findings)}"
    elif kind == 4:
        text = (
            f"{force} {rng.choice(_RECOMMENDATIONS)} {rng.choice(topic.subjects)} "
            f"{rng.choice(('can account for', 'record', 'improve', 'regularly review'))} {obj}"
        )
    elif kind == 5:
        text = (
            f"We discussed {obj} with {rng.choice(topic.subjects)}, who explained how it "
            f"relates to {rng.choice(topic.objects)}"
        )
    elif kind == 6:
        percent = rng.randrange(5, 96)
        text = f"Around {percent} percent {rng.choice(_COUNTED)} showed that {rng.choice(topic.findings)}"
    elif kind == 7:
        text = f"In {rng.choice(TOWNS)}, {rng.choice(topic.objects)} was {rng.choice(_ASSESSMENTS)}"
    elif kind == 8:
        text = (
            f"In {rng.choice(_MONTHS)} {rng.randrange(2016, 2026)}, {_actor(rng, topic, force)} "
            f"{rng.choice(_CHANGES)} {obj}"
        )
    elif kind == 9:
        text = (
            f"{rng.choice(_ROLES)} in {rng.choice(TOWNS)} told us that {rng.choice(topic.objects)} "
            f"was {rng.choice(_ASSESSMENTS)}"
        )
    elif kind == 10:
        text = (
            f"Our review of {rng.randrange(8, 60)} records found that {obj} was "
            f"{rng.choice(_ASSESSMENTS)}, although {rng.choice(topic.findings)}"
        )
    else:
        text = f"We were told that {obj} is {rng.choice(_ASSESSMENTS)}"
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, topic: Topic, force: str) -> str:
    """One paragraph of 60–120 words."""
    target = rng.randint(60, 120)
    sentences: list[str] = []
    words = 0
    while words < max(60, target - 10):
        sentence = _sentence(rng, topic, force)
        count = len(sentence.split())
        if words + count > 120 and words >= 60:
            break
        sentences.append(sentence)
        words += count
    return " ".join(sentences)


def write_corpus(root: Path, paragraphs: int, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Writes ``paragraphs`` paragraphs as Markdown files under ``root/sources``.

    Returns:
        The files written, in order.
    """
    rng = random.Random(seed)
    sources = root / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    (root / "notes").mkdir(exist_ok=True)
    files: list[Path] = []
    remaining = paragraphs
    number = 0
    while remaining > 0:
        count = min(PARAGRAPHS_PER_FILE, remaining)
        topic, second = rng.sample(TOPICS, 2)
        force = rng.choice(FORCES)
        year = rng.randrange(2016, 2026)
        lines = [f"# {force[0].upper() + force[1:]}: {topic.title} ({year})", ""]
        written = 0
        while written < count:
            section_topic = topic if rng.random() < 0.7 else second
            lines += [f"## {rng.choice(section_topic.headings)}", ""]
            for _ in range(min(rng.randint(3, 8), count - written)):
                lines += [paragraph(rng, section_topic, force), ""]
                written += 1
        number += 1
        slug = topic.title.lower().replace(" ", "-")
        path = sources / f"{number:05d}-{slug}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
        remaining -= count
    return files


def corpus_chunks(corpus_dir: Path, settings: Settings | None = None) -> tuple[list[str], list[str]]:
    """The ids and exact texts that ``ctassist index`` embeds for this corpus.

    Uses ctassist's own loader, chunker and :func:`ctassist.index.embedding_text`.
    """
    settings = settings or Settings.from_env(environ={})
    ids: list[str] = []
    texts: list[str] = []
    for path in discover_files(corpus_dir):
        document = load_document(path, corpus_dir, max_file_mb=settings.max_file_mb)
        for chunk in chunk_document(document, chunk_size=settings.chunk_size, overlap=settings.chunk_overlap):
            ids.append(f"{document_id(path, corpus_dir)}#{chunk.index}")
            texts.append(embedding_text(document, chunk))
    return ids, texts


def queries(corpus_texts: list[str], count: int = 200, *, seed: int = DEFAULT_SEED) -> list[str]:
    """A fixed query set: half corpus sentences, lightly paraphrased; half topic questions."""
    rng = random.Random(seed + 1)
    result: list[str] = []
    sentences = [
        s.strip() for text in corpus_texts for s in text.split("\n", 1)[-1].split(". ") if len(s.split()) >= 8
    ]
    for sentence in rng.sample(sentences, count // 2):
        words = sentence.rstrip(".").split()
        # Drop about a fifth of the words and lower-case the rest: near, not exact, matches.
        kept = [w for w in words if rng.random() > 0.2] or words
        result.append(" ".join(kept).lower())
    while len(result) < count:
        topic = rng.choice(TOPICS)
        if rng.random() < 0.5:
            question = rng.choice(topic.questions)
            if rng.random() < 0.5:
                question += f" in {rng.choice(FORCES)}"
        else:
            question = f"What did inspectors find about {rng.choice(topic.objects)}"
        result.append(question + "?")
    return result
