"""Practice: asking the parent, scoring against the key with specific feedback, and the results report."""
from __future__ import annotations

import io
import sys
from datetime import datetime

import pytest
import yaml

from bot.cli import main as cli
from bot.training.practice import AnswerError, ask, read_answer, score, volunteer_name
from bot.training.scenarios import load_scenarios, parse_scenario
from bot.training.store import TrainingStore, training_engine
from tests.scenario_samples import STORIES

CASE = STORIES["pwn_phone_refusal"]


@pytest.fixture
def scenario(knowledge):
    return parse_scenario(yaml.safe_load(yaml.safe_dump(CASE)), "pwn_phone_refusal.yml", knowledge)


def test_a_perfect_answer_scores_100(scenario, knowledge):
    answer = read_answer({"situations": ["evaluation_denied", "evaluation_request"],
                          "rights": ["prior_written_notice", "initial_evaluation"], "letter": "pwn_request",
                          "advocate": "worth_considering"}, knowledge)
    scored = score(scenario, answer, knowledge)
    assert scored.total == 100 and set(scored.parts.values()) == {1.0}


def test_feedback_names_what_was_missed_with_its_citation_and_why(scenario, knowledge):
    answer = read_answer({"situations": "evaluation_request,stalled_progress", "rights": ["initial_evaluation"],
                          "letter": "evaluation_request", "advocate": "not_needed_yet"}, knowledge)
    scored = score(scenario, answer, knowledge)
    text = "\n".join(scored.feedback)
    pwn = knowledge.rights["prior_written_notice"]
    # The missed right is explained by its own words, which its citation supports (legal review 36);
    # the story's explanation follows on a line of its own, with no citation beside it.
    assert f"You missed {pwn.name.get()}. {pwn.text.get()} ({pwn.citation})" in text
    assert "Why these fit this story: The school refused in a phone call" in text
    assert "Here is why it fits" not in text
    assert "Telling the father to ask again next year." in text
    assert knowledge.letters["pwn_request"].name.get() in text
    assert knowledge.signs["evaluation_denied_unwritten"].reason.get() in text
    assert scored.parts == {"situations": 1 / 3, "rights": 0.5, "letter": 0.0, "advocate": 0.0}
    assert scored.total == 21 and scored.feedback[0] == "Your score: 21 out of 100."


@pytest.mark.parametrize("raw,field,key", [
    ({}, "situations", "practice_need_situation"),
    ({"situations": [], "advocate": "recommended"}, "situations", "practice_need_situation"),
    ({"situations": ["stalled_progress"]}, "advocate", "practice_need_advocate"),
    ({"situations": ["bus_is_late"], "advocate": "recommended"}, "situations", "practice_unknown_choice"),
    ({"situations": ["stalled_progress"], "rights": ["x"], "advocate": "recommended"}, "rights", "practice_unknown_choice"),
    ({"situations": ["stalled_progress"], "letter": "rant", "advocate": "recommended"}, "letter",
     "practice_unknown_choice"),
])
def test_an_incomplete_or_unknown_answer_is_not_scored(raw, field, key, knowledge):
    with pytest.raises(AnswerError) as caught:
        read_answer(raw, knowledge)
    assert (caught.value.field, caught.value.message_key) == (field, key)
    assert knowledge.message(key, "en")


@pytest.mark.parametrize("raw", ["", "   ", None, "<b>Ann</b>", "Ann<script>", "x" * 61, "Ann\x00"])
def test_a_volunteer_name_must_be_plain(raw):
    with pytest.raises(AnswerError):
        volunteer_name(raw)


def test_plain_names_and_codes_are_kept():
    assert volunteer_name("  María  O'Neil-Ruiz ") == "María O'Neil-Ruiz"
    assert volunteer_name("V-17") == "V-17"


def test_the_parent_answers_from_the_facts(scenario):
    assert ask(scenario, "Did you put the request in writing?").answer == "I asked by email in March."
    assert ask(scenario, "How old is she?").answer == "She is 7, in 2nd grade."
    assert ask(scenario, "What is the weather like?") is None


def test_a_spanish_speaking_parent_answers_a_question_asked_in_spanish_with_or_without_accents(knowledge):
    data = yaml.safe_load(yaml.safe_dump(CASE))
    data["tags"]["language"] = "es"
    data["facts"] = [{"ask": ["años", "grado", "age"], "answer": "Tiene 7 años, está en segundo."},
                     {"ask": ["escrito", "carta", "writing"], "answer": "Lo pedí por correo en marzo."}]
    scenario = parse_scenario(data, "pwn_phone_refusal.yml", knowledge)
    assert ask(scenario, "¿Cuántos años tiene?").answer == "Tiene 7 años, está en segundo."
    assert ask(scenario, "cuantos anos tiene la nina").answer == "Tiene 7 años, está en segundo."
    assert ask(scenario, "¿Lo pidió por escrito?").answer == "Lo pedí por correo en marzo."
    assert ask(scenario, "Did you ask in writing?").answer == "Lo pedí por correo en marzo."  # an English question too
    assert ask(scenario, "¿Qué tiempo hace?") is None


def test_results_are_stored_per_volunteer_and_reported(tmp_path, scenario, knowledge):
    store = TrainingStore(training_engine(f"sqlite:///{tmp_path / 'training.db'}"))
    good = read_answer({"situations": ["evaluation_denied", "evaluation_request"],
                        "rights": ["prior_written_notice", "initial_evaluation"], "letter": "pwn_request",
                        "advocate": "worth_considering"}, knowledge)
    weak = read_answer({"situations": ["evaluation_request"], "advocate": "recommended"}, knowledge)
    now = datetime(2026, 11, 24, 10)
    store.record("Ann", scenario, good, score(scenario, good, knowledge), now, "tuesday")
    store.record("Ben", scenario, weak, score(scenario, weak, knowledge), now, "tuesday")
    report = store.report("tuesday")
    assert [(r.volunteer, r.situation, r.rounds, round(r.average)) for r in report.by_situation] == [
        ("Ann", "evaluation_denied", 1, 100), ("Ben", "evaluation_denied", 1, 8)]
    assert report.most_missed == [("pwn_phone_refusal", 2, 54.0)]
    assert "Ann,evaluation_denied,1,100" in report.csv() and store.report("other").by_situation == []


def test_practice_in_the_terminal_scores_stores_and_reports(tmp_path, monkeypatch, capsys, knowledge):
    monkeypatch.setenv("IEP_TRAINING_DATABASE_URL", f"sqlite:///{tmp_path / 'training.db'}")
    scenario = load_scenarios(knowledge)[0]
    key = scenario.key
    situations, rights = list(knowledge.situations), list(knowledge.rights)
    letters, levels = ["none", *knowledge.letters], list(knowledge.levels)
    numbers = lambda chosen, among, start=1: ",".join(str(among.index(c) + start) for c in chosen)  # noqa: E731
    typed = "\n".join([
        "<i>Sam</i>", "Sam",  # a name with markup is refused, then a plain one
        " ".join(scenario.facts[0].ask), "",  # one question to the parent, then answer
        "", "", "", "",  # nothing chosen: asked again, nothing stored
        numbers(key.situations, situations), numbers(key.rights, rights),
        numbers([key.letter or "none"], letters, 0), numbers([key.advocate_level], levels), ""])
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    assert cli(["practice", "--id", scenario.id]) == 0
    out = capsys.readouterr().out
    assert "Please use only letters" in out and "Please pick at least one situation" in out
    assert scenario.opening in out and scenario.facts[0].answer in out
    assert "Your score: 100 out of 100." in out and "saved for your coordinator" in out
    assert cli(["training", "report", "--csv"]) == 0
    assert f"Sam,{key.situations[0]},1,100" in capsys.readouterr().out


def test_practice_that_ends_before_an_answer_stores_nothing(tmp_path, monkeypatch, knowledge):
    monkeypatch.setenv("IEP_TRAINING_DATABASE_URL", f"sqlite:///{tmp_path / 'training.db'}")
    scenario = load_scenarios(knowledge)[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO("Sam\n\n1\n"))  # the input ends mid-answer
    assert cli(["practice", "--id", scenario.id]) == 2
    assert TrainingStore(training_engine(f"sqlite:///{tmp_path / 'training.db'}")).report().by_situation == []


def test_a_missed_secondary_right_carries_the_guidance_note(knowledge):
    """Legal review 36: rti_no_delay and other rights from guidance never got the note in feedback."""
    from bot.training.scenarios import load_scenarios

    note = knowledge.message("secondary_note")
    flagged = {k for k, r in knowledge.rights.items() if r.confidence in ("secondary", "practical")}
    scenario = next(s for s in load_scenarios(knowledge) if flagged & set(s.key.rights))
    answer = read_answer({"situations": list(scenario.key.situations), "rights": [],
                          "advocate": scenario.key.advocate_level}, knowledge)
    text = "\n".join(score(scenario, answer, knowledge).feedback)
    for key in flagged & set(scenario.key.rights):
        assert f"{knowledge.rights[key].text.get()} ({knowledge.rights[key].citation}) {note}" in text
