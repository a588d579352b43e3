"""The kind of answer a question asks for: dates, days, dates ahead, numbers (of what is
counted), money, a change or comparison, a reason, a ranking, someone, names, N things,
and what was said at a meeting."""

from __future__ import annotations

import pytest

from ctassist.answer._answer_type import (
    asks_what_was_said,
    asks_why,
    gives_reason,
    lacks_answer_type,
    reports_discussion,
)


@pytest.mark.parametrize(
    ("question", "sentences", "lacking"),
    [
        ("When did the Prevent duty begin?", ["The Prevent duty began on 1 July 2015."], None),
        ("On what date did the user group meet?", ["The user group was attended by departments."], "date"),
        ("On what dates did the groups meet?", ["The groups were attended by departments."], "date"),
        # The date must add to the question's own.
        ("On what date in 2009 did HMIC publish it?", ["In 2009, HMIC published a report."], "date"),
        ("What date in July 2023 was CONTEST relaunched?", ["CONTEST was relaunched on 18 July 2023."], None),
        (
            "Since when has the guidance been in force?",
            ["It has been in force since 31 December 2023."],
            None,
        ),
        ("In which year was the programme commissioned?", ["The programme was commissioned in 2015."], None),
        (
            "How many recommendations did the inspection make?",
            ["The inspection made eight recommendations."],
            None,
        ),
        ("How many officers work in Prevent roles?", ["Forces have specialist Prevent officers."], "number"),
        # The question's own numbers are no answer: "2020" names the inspection, not a count.
        (
            "How many officers could not spot radicalisation, according to the 2020 inspection?",
            ["The 2020 inspection found that some officers could not spot radicalisation."],
            "number",
        ),
        (
            "How many forces did the 2020 inspection cover?",
            ["The 2020 inspection covered all 43 Home Office police forces."],
            None,
        ),
        # "Why ...?" needs a cause or a purpose.
        ("Why is the report redacted?", ["The published report is redacted."], "reason"),
        # ... in the best sentence: another sentence's cause is about something else.
        (
            "Why was William Shawcross chosen as the reviewer?",
            [
                "William Shawcross was appointed as the reviewer on 26 January 2021.",
                "Lord Carlile was removed as the reviewer after a legal challenge.",
            ],
            "reason",
        ),
        (
            "Why was Lord Carlile removed?",
            ["Lord Carlile was removed in 2019, after a legal challenge."],
            None,
        ),
        (
            "Why were the reports not published?",
            ["They were not published, for national-security reasons."],
            None,
        ),
        (
            "Why is HMICFRS drawing on the reference groups?",
            ["To develop this inspection, HMICFRS is drawing on the groups."],
            None,
        ),
        (
            "Why was the case passed on?",
            ["The case was referred to the panel."],
            "reason",
        ),  # "to the" is no purpose
        (
            "What percentage of referrals came from schools?",
            ["The education sector made 40% of referrals."],
            None,
        ),
        ("How often does a Channel panel meet?", ["A Channel panel usually meets once a month."], None),
        ("When did the panel meet?", ["A panel may meet where it chooses."], "date"),  # "may" is not a month
        # "When might ...?" asks in what circumstances.
        (
            "When might officers manage a referral themselves?",
            ["Where a referral contains only limited information, the police may manage the case."],
            None,
        ),
        ("Who chairs a Channel panel?", ["The local authority chairs it."], None),
        # "Who ...?" needs someone: more than the question's own words and a date.
        (
            "Who brought the legal challenge that led to Lord Carlile's removal?",
            ["Lord Carlile was removed in December 2019, after a legal challenge."],
            "person or body",
        ),
        (
            "Within the police, who carries out the first assessment?",
            ["Specialist officers carry out the first assessment."],
            None,
        ),
        ("Whose consent is needed for Channel support?", ["Consent is needed for Channel support."], None),
        # "Which department ...?" asks for a named body.
        (
            "To which government department do Prevent staff send referral data?",
            ["Forces have specialist Prevent officers and staff."],
            "name",
        ),
        ("To which department do staff send referral data?", ["They return data to the Home Office."], None),
        # "Which body ...?" does not: a body is often named by what it is.
        ("Which body chairs a Channel panel?", ["The local authority chairs the panel."], None),
        # A verdict needs the evidence to give it, not to report what someone said.
        (
            "Is Prevent racist?",
            ["Prevent is one of the four strands of CONTEST."],
            "view on whether it is racist",
        ),
        (
            "Was the review right to say there is a double standard?",
            ["The review described a double standard between Islamism and the extreme right wing."],
            "view on whether it is right",
        ),
        ("Was the inspection fair to forces?", ["The inspection was fair to forces."], None),
        ("Is it right that only the police can refer?", ["Only the police can refer."], None),
        (
            "Was the review right that there is a double standard?",
            ["The review described a double standard."],
            "view on whether it is right",
        ),
        # "How many bodies ...?" still counts bodies.
        (
            "How many bodies are Channel panel partners?",
            ["Two key police roles are the case officer and the coordinator."],
            "number of bodies",
        ),
        # "The" opening a sentence makes no name of "The Westminster attack".
        (
            "Which police force was PC Keith Palmer in?",
            ["The Westminster attack on 22 March 2017 killed 5 people, including PC Keith Palmer."],
            "name",
        ),
        # A superlative asks for a ranking, not for what each one does.
        (
            "Which police force has the most Prevent officers?",
            ["Police forces have Prevent officers."],
            "ranking",
        ),
        (
            "When was CONTEST most recently relaunched?",
            ["The most recent version was relaunched in 2023."],
            None,
        ),
        ("Which unit was rated the weakest?", ["The inspection covered every unit."], "ranking"),
        ("When was the latest version published?", ["The most recent version was published in 2023."], None),
        (
            "Which force made the most referrals?",
            ["The Metropolitan Police made more referrals than any other force."],
            None,
        ),
        # "When will ...?" looks ahead: a past date answers another question.
        (
            "When will HMICFRS publish its next report?",
            ["HMICFRS published a report in 2020."],
            "future date",
        ),
        ("When will HMICFRS publish its next report?", ["HMICFRS will publish it in 2027."], None),
        ("When is the review expected to end?", ["The review ended in 2023."], "future date"),
        (
            "When is the next progress update on the Independent Review of Prevent due?",
            ["The one-year-on update is dated 20 February 2024."],
            "future date",
        ),
        ("When is the next inspection?", ["The last inspection was in 2020."], "future date"),
        ("When is the next update due?", ["By 2024 it had tougher due-diligence on groups."], "future date"),
        ("When is the next update due?", ["The next update is due in March 2027."], None),
        ("When is the report published?", ["The report was published in 2020."], None),
        # Names the question does not already give.
        ("What are the names of the group's members?", ["The group was attended by academics."], "names"),
        (
            "What are the names of the members of the Prevent group?",
            ["Members of the Prevent Group attended."],
            "names",
        ),
        ("What is the name of the reviewer?", ["The review was led by William Shawcross."], None),
        (
            "What are the names of the reports?",
            ['HMICFRS published "Counter-terrorism policing: an inspection".'],
            None,
        ),
        (
            "Name the three groups referrals fall into.",
            ["Referrals fall into three groups: a, b and c."],
            None,
        ),
        # "How many X ...?" needs a number of X, not of something else.
        (
            "How many police officers were interviewed for the inspection?",
            ["The inspection covered all 43 Home Office police forces."],
            "number of officers",
        ),
        (
            "How many of the referrals were discussed at a Channel panel?",
            ["Of the 6,922 referrals to Prevent, 893 were discussed at a Channel panel."],
            None,
        ),
        (
            "How many regions make up the regional delivery model?",
            ["The recommendations completed by 20 February 2024 include a regional delivery model."],
            "number of regions",
        ),
        ("How many counter-terrorism units are there?", ["There are eleven counter-terrorism units."], None),
        # Placeholders are counted in other words ("people" as "referrals").
        ("How many people were referred?", ["There were 6,922 referrals to Prevent."], None),
        # Money needs an amount of money.
        (
            "How much did the Independent Review of Prevent cost?",
            ["The Independent Review of Prevent made 34 recommendations."],
            "amount of money",
        ),
        ("What is the annual budget for Prevent?", ["Prevent has a budget of £49 million."], None),
        ("What was the total cost of the response?", ["The response cost 12 million pounds."], None),
        (
            "Which groups did the programme pay most attention to?",
            ["The programme paid most attention to Islamist groups."],
            None,
        ),
        # "What day ...?" needs a day, not only the month.
        (
            "What day in October 2018 did fieldwork start?",
            ["Fieldwork took place from October 2018 to February 2019."],
            "day",
        ),
        ("What day did the duty begin?", ["The Prevent duty began on 1 July 2015."], None),
        # A change over time needs a change; a comparison a comparative or two figures.
        (
            "Did referrals go up or down compared with the year before?",
            ["In the year to March 2024, there were 6,922 referrals to Prevent."],
            "change over time",
        ),
        (
            "Did referrals go up or down compared with the year before?",
            ["Referrals rose to 6,922 from 6,817 the year before."],
            None,
        ),
        (
            "Did the public group meet more often than the user group?",
            ["The public group was attended by academics.", "The user group was attended by departments."],
            "comparison",
        ),
        (
            "Did more people die in the Westminster attack than in the Manchester Arena attack?",
            ["The Westminster attack killed 5 people.", "The Manchester Arena attack killed 22 people."],
            None,
        ),
        (
            "How is the July 2023 version of CONTEST different from the 2018 one?",
            ["The most recent version of CONTEST was relaunched in July 2023."],
            "comparison",
        ),
        (
            "In which police forces did officers not recognise radicalisation?",
            ["Some police officers could not recognise the signs of radicalisation."],
            "name",
        ),
        # "Which minister ...?" needs a person's name, not an acronym.
        ("Which inspector led CT1?", ["CT1 examined CT commanders, as CT2 and CT3 did."], "names"),
        (
            "Which minister appointed the reviewer?",
            ["The reviewer was appointed by James Brokenshire."],
            None,
        ),
    ],
)
def test_the_answer_type_must_be_in_the_answer(
    question: str, sentences: list[str], lacking: str | None
) -> None:
    assert lacks_answer_type(question, sentences) == lacking


@pytest.mark.parametrize(
    ("question", "passage", "lacking"),
    [
        (
            "What were the eight recommendations of the inspection?",
            "The inspection made eight recommendations. Forces welcomed them.",
            "list of eight",
        ),
        (
            "What are the four strands of CONTEST?",
            "CONTEST has four strands. They are Prevent, Pursue, Protect and Prepare.",
            None,
        ),
        (
            "Which are the 3 objectives of Prevent?",
            "Prevent has three objectives:\n- tackle ideology\n- support people\n- enable partners",
            None,
        ),
        ("What were the two findings?", "The inspection had findings.", "list of two"),
        # The things can follow the count, a sentence each.
        (
            "What are the three groups referrals fall into?",
            "Referrals fall into three groups. Some go to Channel. Some stay with the police. The rest close.",
            None,
        ),
        (
            "What were the eight recommendations?",
            "The inspection made eight recommendations.\n\nSource: https://example.org/report",
            "list of eight",
        ),
        # Other ways of asking for N things.
        (
            "What did the eight recommendations of the inspection say?",
            "The inspection made eight recommendations. Forces welcomed them.",
            "list of eight",
        ),
        (
            "Which four of the 34 recommendations were still outstanding?",
            "By February 2024, 30 of the 34 recommendations were complete.",
            "list of four",
        ),
        (
            "What three areas did the inspection examine?",
            "The inspection examined three areas: capability; consistency; and information sharing.",
            None,
        ),
        # "Which of the eight ...?" picks from them, so they must be there to pick from.
        (
            "Which of the eight recommendations have forces implemented?",
            "The inspection made eight recommendations. Forces welcomed them.",
            "list of eight",
        ),
        (
            "Which of its four strands deals with attacks?",
            "CONTEST has four strands. They are Prevent, Pursue, Protect and Prepare.",
            None,
        ),
    ],
)
def test_a_question_for_n_things_needs_them_listed(question: str, passage: str, lacking: str | None) -> None:
    sentence = passage.split(". ")[0]
    assert lacks_answer_type(question, [sentence], passage) == lacking


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What was said at the Prevent user reference group meeting?", True),
        ("What did they say at the meeting?", True),
        ("Which concerns were raised at the last meeting?", True),
        ("What did the group agree at its meeting in March?", True),
        ("Who attended the meeting?", False),  # the notes' attendees, but also any source
        ("What did the Shawcross review say about Prevent?", False),  # no meeting
        ("What did the user reference group say about training?", True),
        ("Which body presides over the local meetings that decide on support?", False),  # meetings in general
        ("How many referrals were discussed at a Channel panel?", False),
        ("Which areas did the reference groups tell HMICFRS to focus on?", True),
        ("What did the user reference group conclude about police powers?", True),
        ("What did the inspection conclude about police powers?", False),  # no meeting
    ],
)
def test_what_was_said_at_a_meeting(question: str, asks: bool) -> None:
    assert asks_what_was_said(question) is asks


@pytest.mark.parametrize(
    ("question", "passage", "reports"),
    [
        (
            "Did the reference groups discuss the role of the police?",
            "Reference groups' discussions focused on the following questions.",
            True,
        ),
        (
            "What did the reference groups talk about?",
            "The reference groups discussed three questions.",
            True,
        ),
        # What was said or agreed is only in the notes.
        (
            "What was said at the reference group meeting?",
            "The reference groups discussed three questions.",
            False,
        ),
        (
            "What did the reference groups agree to discuss?",
            "The reference groups discussed three questions.",
            False,
        ),
        # A passage that does not report the discussion does not answer it.
        (
            "What did the reference groups discuss?",
            "The public reference group was attended by academics.",
            False,
        ),
    ],
)
def test_a_document_may_report_what_a_group_discussed(question: str, passage: str, reports: bool) -> None:
    assert reports_discussion(question, passage) is reports


def test_a_why_question_asks_for_a_cause_a_sentence_may_give() -> None:
    assert asks_why("Why do forces refer people?")
    assert not asks_why("When do forces refer people?")
    assert gives_reason("Forces refer people to protect them.")
    assert not gives_reason("Forces refer people every week.")
