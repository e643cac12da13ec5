"""The advocate rubric: each sign, the situation defaults, and their combinations."""
from __future__ import annotations

import re

import pytest

from bot.guidance.advocate import judge


@pytest.mark.parametrize("situation,text,sign", [
    ("stalled_progress", "His reading score was the same on the last two progress reports.", "flat_progress"),
    ("stalled_progress", "three quarters in a row of 'making progress' and no numbers", "flat_progress"),
    ("evaluation_denied", "The principal told me on the phone they won't test her.", "evaluation_denied_unwritten"),
    ("evaluation_denied", "They said no and there was nothing in writing.", "evaluation_denied_unwritten"),
    ("services_not_delivered", "I emailed the case manager in October and speech is still being skipped.",
     "services_repeatedly_missed"),
    ("behavior_discipline", "He has been suspended three times since January.", "repeated_suspensions"),
    ("behavior_discipline", "They want to send him to an alternative school for 45 days.", "repeated_suspensions"),
    ("placement_change", "They moved her to a self-contained class without asking me.", "placement_without_parent"),
    # Read from the whole story as experienced advocates read it (issue 19, item 4): a progress report the same as
    # the one before, removals counted the other way round or never called suspensions, a request left
    # unanswered, restraint or police, a change of program pressed over the parent's objection.
    ("stalled_progress", "the report says progressing AGAIN, same 12 words a minute as October", "flat_progress"),
    ("stalled_progress", "Her spelling goal has been the same for three years.", "flat_progress"),
    ("stalled_progress", "Su meta de lectura está igual desde hace dos años.", "flat_progress"),
    ("behavior_discipline", "This is the 4th time this month they called me to pick him up early.", "repeated_suspensions"),
    ("behavior_discipline", "Since March he has been on a shortened day, home by 11.", "repeated_suspensions"),
    ("behavior_discipline", "ya van 4 veces este mes que me llaman para que lo recoja temprano", "repeated_suspensions"),
    ("behavior_discipline", "Le pusieron un horario reducido de dos horas.", "repeated_suspensions"),
    ("behavior_discipline", "Two adults held him down during a meltdown and I was not told.", "restraint_or_police"),
    ("behavior_discipline", "The school called the police on my 8 year old.", "restraint_or_police"),
    ("behavior_discipline", "Lo encerraron en un cuarto de aislamiento.", "restraint_or_police"),
    ("evaluation_denied", "I asked twice in writing for testing and both requests went unanswered.",
     "evaluation_denied_unwritten"),
    ("evaluation_denied", "The counselor said he is not eligible for testing.", "evaluation_denied_unwritten"),
    ("evaluation_denied", "Pedí la evaluación en octubre y nunca me contestaron.", "evaluation_denied_unwritten"),
    ("services_not_delivered", "I warned them in August, and the aide is still missing most mornings.",
     "services_repeatedly_missed"),
    ("placement_change", "The district wants to move him to the program across town. We don't want him moved.",
     "placement_over_objection"),
    ("placement_change", "La escuela quiere cambiarlo a otro salón y yo no estoy de acuerdo.", "placement_over_objection"),
])
def test_a_strong_sign_makes_an_advocate_recommended(knowledge, situation, text, sign):
    result = judge(text, [situation], knowledge)
    assert sign in result.signs
    assert result.level == "recommended"
    assert knowledge.signs[sign].reason.get() in result.reasons


@pytest.mark.parametrize("situation,sign", [
    ("thin_services", "services_below_data"), ("meeting_refused", "meeting_refused"),
])
def test_situations_that_are_strong_signs_by_themselves(knowledge, situation, sign):
    result = judge("They said no.", [situation], knowledge)
    assert result.signs == (sign,) and result.level == "recommended"


@pytest.mark.parametrize("situation,sign", [
    ("transition", "upcoming_transition"), ("evaluation_disagreement", "evaluation_disagreement"),
    ("eligibility_denied", "evaluation_disagreement"), ("no_response", "no_response"),
])
def test_consider_signs_make_an_advocate_worth_considering(knowledge, situation, sign):
    result = judge("Some text.", [situation], knowledge)
    assert sign in result.signs and result.level == "worth_considering"


def test_without_its_sign_a_situation_keeps_its_default_and_leaves_the_question_open(knowledge):
    result = judge("His reading is not improving.", ["stalled_progress"], knowledge)
    assert result.level == "worth_considering"
    assert result.signs == ()
    assert result.reasons == (knowledge.situation_reasons["stalled_progress"].get(),)
    assert result.open_questions == ("flat_progress", "upcoming_transition")


def test_discipline_alone_is_worth_considering_and_an_agreed_change_of_program_is_not_a_sign(knowledge):
    """A child disciplined for behavior that may come from a disability is worth an advocate's look even before the
    removals add up; a change of program the parent asked for or agreed to is no sign, and neither are words that
    only look like one (social isolation, wives, a teacher's phone calls)."""
    once = judge("He was sent to the office for throwing a pencil.", ["behavior_discipline"], knowledge)
    assert once.level == "worth_considering" and once.signs == ()
    assert once.reasons == (knowledge.situation_reasons["behavior_discipline"].get(),)
    agreed = judge("We all agreed to move him to the autism class at our local school, and I am glad.",
                   ["placement_change"], knowledge)
    assert agreed.level == "worth_considering" and agreed.signs == ()
    asked = judge("I want my daughter moved to a smaller class. Can the district do that?", ["placement_change"],
                  knowledge)
    assert "placement_over_objection" not in asked.signs
    for story in ("Mi hijo sufre aislamiento en el recreo y ahora lo castigaron.",
                  "Las esposas de otros militares dicen que lo castigan mucho.",
                  "I got two calls from his teacher about talking in class."):
        assert judge(story, ["behavior_discipline"], knowledge).signs == (), story


def test_a_sign_needs_its_situation(knowledge):
    result = judge("He was suspended three times.", ["evaluation_request"], knowledge)
    assert result.level == "not_needed_yet" and result.signs == ()


def test_not_needed_yet_when_nothing_points_to_one(knowledge):
    assert judge("I'd like a meeting.", ["meeting_request"], knowledge).level == "not_needed_yet"


def test_the_strongest_level_wins_and_every_reason_is_given(knowledge):
    text = "She moves up to middle school next year. Her aide has been missing for weeks even after I emailed twice."
    result = judge(text, ["transition", "services_not_delivered"], knowledge)
    assert result.level == "recommended"
    assert result.signs[0] == "services_repeatedly_missed"  # strong first
    assert "upcoming_transition" in result.signs
    assert len(result.reasons) == 2


def test_a_raised_issue_that_is_not_repeating_is_not_a_strong_sign(knowledge):
    result = judge("Speech was missed last Tuesday.", ["services_not_delivered"], knowledge)
    assert result.level == "not_needed_yet"
    assert "services_repeatedly_missed" in result.open_questions


def test_someone_else_asking_is_not_the_parent_raising_it(knowledge):
    text = "They want to move her and nobody asked me. Her counseling minutes haven't happened since October."
    result = judge(text, ["placement_change", "services_not_delivered"], knowledge)
    assert "services_repeatedly_missed" not in result.signs
    assert "placement_without_parent" in result.signs


# The parent's answers to the open questions (bot/guidance/advocate_flow.py asks them one at a time).
from bot.guidance.advocate import UNCLEAR, read_answer  # noqa: E402
from bot.guidance.advocate_flow import AdvocateFlow  # noqa: E402


@pytest.mark.parametrize("sign,reply,expected", [
    ("flat_progress", "2", True), ("flat_progress", "three in a row", True), ("flat_progress", "just one", False),
    ("flat_progress", "once", False), ("flat_progress", "none", False), ("flat_progress", "all of them", True),
    ("flat_progress", "not sure", None), ("flat_progress", "idk", None), ("flat_progress", "banana", UNCLEAR),
    ("repeated_suspensions", "twice", True), ("repeated_suspensions", "1", False),
    ("repeated_suspensions", "5 times this year", True),
    ("evaluation_denied_unwritten", "no", True), ("evaluation_denied_unwritten", "nope, nothing in writing", True),
    ("evaluation_denied_unwritten", "yes they sent a letter", False),
    ("services_repeatedly_missed", "yes", True), ("services_repeatedly_missed", "no", False),
    ("placement_without_parent", "yeah", True), ("upcoming_transition", "yes", True),
    ("upcoming_transition", "no", False), ("upcoming_transition", "", UNCLEAR),
    ("upcoming_transition", "skip", None), ("services_repeatedly_missed", "yes and no", UNCLEAR),
])
def test_answers_to_the_open_questions_are_read(knowledge, sign, reply, expected):
    assert read_answer(knowledge.signs[sign], reply, knowledge) == expected


@pytest.mark.parametrize("situation,sign,holds", [
    ("stalled_progress", "flat_progress", True), ("evaluation_denied", "evaluation_denied_unwritten", True),
    ("services_not_delivered", "services_repeatedly_missed", True),
    ("behavior_discipline", "repeated_suspensions", True), ("placement_change", "placement_without_parent", True),
    ("stalled_progress", "upcoming_transition", True),
])
def test_a_yes_makes_the_sign_hold_and_a_no_settles_it(knowledge, situation, sign, holds):
    yes = judge("Something is wrong.", [situation], knowledge, answers={sign: True})
    no = judge("Something is wrong.", [situation], knowledge, answers={sign: False})
    assert sign in yes.signs and knowledge.signs[sign].reason.get() in yes.reasons
    assert yes.level == ("recommended" if knowledge.signs[sign].kind == "strong" else "worth_considering")
    assert sign not in no.signs and sign not in no.open_questions


def test_an_answer_beats_the_words_of_the_story(knowledge):
    story = "He was suspended three times since January."
    assert judge(story, ["behavior_discipline"], knowledge, answers={"repeated_suspensions": False}).signs == ()


def test_an_answered_sign_outside_its_situations_does_not_count(knowledge):
    assert judge("x", ["evaluation_request"], knowledge, answers={"flat_progress": True}).signs == ()


@pytest.mark.parametrize("situations,answers,level,signs", [
    (["stalled_progress", "transition"], {"flat_progress": True}, "recommended", ("flat_progress", "upcoming_transition")),
    (["stalled_progress"], {"flat_progress": False, "upcoming_transition": True}, "worth_considering",
     ("upcoming_transition",)),
    (["stalled_progress"], {"flat_progress": False, "upcoming_transition": False}, "worth_considering", ()),
    (["behavior_discipline", "services_not_delivered"], {"repeated_suspensions": True,
                                                         "services_repeatedly_missed": True},
     "recommended", ("services_repeatedly_missed", "repeated_suspensions")),
    (["evaluation_request"], {}, "not_needed_yet", ()),
    (["no_response", "thin_services"], {}, "recommended", ("services_below_data", "no_response")),
])
def test_combinations_of_signs(knowledge, situations, answers, level, signs):
    result = judge("Something is wrong.", situations, knowledge, answers=answers)
    assert result.level == level
    assert set(result.signs) == set(signs)
    assert len(result.reasons) >= len(signs)


def test_questions_come_one_at_a_time_and_not_sure_is_not_asked_again(knowledge):
    flow = AdvocateFlow(knowledge)
    first = flow.judgement(["His reading is stuck."], ["stalled_progress"], {}, "en")
    assert first.open_questions[0] == "flat_progress"
    asked = flow.question("flat_progress", "en", first=True)
    assert len(asked) == 2 and [b.payload for b in asked[1].buttons][-1] == "not sure"
    assert read_answer(knowledge.signs["flat_progress"], asked[1].buttons[-1].payload, knowledge) is None
    after = flow.judgement(["His reading is stuck."], ["stalled_progress"], {"flat_progress": None}, "en")
    assert after.open_questions == ("upcoming_transition",) and after.level == "worth_considering"


def test_the_verdict_explains_advocates_and_where_to_find_one_without_names_or_numbers(knowledge):
    flow = AdvocateFlow(knowledge)
    judgement = flow.judgement(["x"], ["stalled_progress"], {"flat_progress": True}, "en")
    replies = flow.verdict(judgement, "en")
    text = " ".join(r.text for r in replies)
    assert text.startswith(knowledge.levels["recommended"].get())
    assert knowledge.signs["flat_progress"].reason.get() in text
    for part in ("what", "liaison", "cost", "choose", "bring_in", "find"):
        assert knowledge.advocate_guide[part].get() in text
    assert "parentcenterhub.org" in text and "copaa.org" in text
    assert not re.search(r"\d{3}[-. )]\d{3}[-. ]\d{4}", text)  # no phone numbers
    assert replies[-1].buttons[0].payload == '/make_letter{"letter": "advocate_attendance_notice"}'
    calm = flow.verdict(flow.judgement(["x"], ["evaluation_request"], {}, "en"), "en")
    assert calm[0].text.startswith(knowledge.levels["not_needed_yet"].get()) and "copaa.org" in calm[-1].text


# Spanish: a parent's story in Spanish (with or without accents, with English nouns mixed in) fires the same signs,
# and its look-alikes do not. The patterns are not accent-folded, so both spellings are tested.
@pytest.mark.parametrize("situation,text,sign", [
    ("stalled_progress", "Mi hijo no ha avanzado en lectura en dos reportes de progreso.", "flat_progress"),
    ("stalled_progress", "En los ultimos tres informes de progreso dice lo mismo.", "flat_progress"),
    ("stalled_progress", "no ha mejorado nada en todo el año escolar", "flat_progress"),
    ("stalled_progress", "Desde el ano pasado sigue igual en matemáticas.", "flat_progress"),
    ("stalled_progress", "los últimos 2 progress reports dicen making progress y nada más", "flat_progress"),
    ("stalled_progress", "Le pusieron las mismas metas del año pasado.", "flat_progress"),
    ("evaluation_denied", "Pedí que evaluaran a mi hija y la directora me dijo que no de palabra.",
     "evaluation_denied_unwritten"),
    ("evaluation_denied", "Me dijeron que no. Nada por escrito.", "evaluation_denied_unwritten"),
    ("evaluation_denied", "la escuela no quiere hacerle las pruebas, dicen que hay que esperar",
     "evaluation_denied_unwritten"),
    ("evaluation_denied", "Nunca recibí la PWN y me dijeron que no califica.", "evaluation_denied_unwritten"),
    ("services_not_delivered", "Le mandé un correo a la maestra en octubre y todavía no le dan la terapia del habla.",
     "services_repeatedly_missed"),
    ("services_not_delivered", "ya les dije tres veces y siguen sin darle el speech", "services_repeatedly_missed"),
    ("services_not_delivered", "Llamé a la escuela y ya van tres semanas sin la aide.", "services_repeatedly_missed"),
    ("behavior_discipline", "Lo suspendieron más de 10 días.", "repeated_suspensions"),
    ("behavior_discipline", "lo suspendieron mas de diez dias", "repeated_suspensions"),
    ("behavior_discipline", "Lo han suspendido tres veces desde enero.", "repeated_suspensions"),
    ("behavior_discipline", "Ahora hablan de expulsión.", "repeated_suspensions"),
    ("behavior_discipline", "lo quieren mandar a una escuela alternativa por 45 dias", "repeated_suspensions"),
    ("behavior_discipline", "Casi todos los días me llaman para que lo recoja.", "repeated_suspensions"),
    ("behavior_discipline", "Es la tercera suspensión este año.", "repeated_suspensions"),
    ("placement_change", "La pasaron a un salón especial sin preguntarme.", "placement_without_parent"),
    ("placement_change", "Nadie me avisó, ya lo cambiaron de programa.", "placement_without_parent"),
    ("placement_change", "No hubo ninguna reunion y me entere que lo movieron de clase.", "placement_without_parent"),
    ("placement_change", "Lo cambiaron de escuela en contra de mi voluntad.", "placement_without_parent"),
])
def test_a_spanish_story_with_a_strong_sign_makes_an_advocate_recommended(knowledge, situation, text, sign):
    result = judge(text, [situation], knowledge, "es")
    assert sign in result.signs and result.level == "recommended"
    assert knowledge.signs[sign].reason.get("es") in result.reasons


@pytest.mark.parametrize("situation,text,sign", [
    ("stalled_progress", "En el último reporte de progreso no avanzó en lectura.", "flat_progress"),  # one report
    ("stalled_progress", "Está en tercer grado y el reporte dice que no avanza.", "flat_progress"),  # a grade
    ("evaluation_denied", "La escuela dijo que no a la evaluación, pero me mandaron una carta explicando por qué.",
     "evaluation_denied_unwritten"),
    ("evaluation_denied", "Rechazaron la evaluación y recibí la notificación previa por escrito.",
     "evaluation_denied_unwritten"),
    ("services_not_delivered", "La terapia del habla se canceló el martes pasado.", "services_repeatedly_missed"),
    ("services_not_delivered", "La maestra le preguntó a la directora y todavía no hay terapia.",
     "services_repeatedly_missed"),  # someone else asked, not the parent
    ("services_not_delivered", "Me llamo Ana y todavía no le dan la terapia.", "services_repeatedly_missed"),
    ("behavior_discipline", "Lo suspendieron un día por una pelea.", "repeated_suspensions"),
    ("behavior_discipline", "Hace 15 días lo suspendieron por primera vez.", "repeated_suspensions"),  # 15 days ago
    ("placement_change", "La escuela quiere cambiarla a otro salón y me invitaron a una reunión para hablarlo.",
     "placement_without_parent"),
])
def test_a_spanish_look_alike_is_not_the_sign(knowledge, situation, text, sign):
    assert sign not in judge(text, [situation], knowledge, "es").signs


def test_every_advocate_text_has_spanish_in_usted(knowledge):
    texts = [t for t in knowledge.levels.values()] + list(knowledge.situation_reasons.values())
    texts += list(knowledge.advocate_guide.values())
    texts += [s.reason for s in knowledge.signs.values()] + [s.question for s in knowledge.signs.values() if s.question]
    for text in texts:
        spanish = text.get("es")
        assert spanish and spanish != text.get(), text.get()
        assert not re.search(r"\b(?:tú|tu|tus|te|ti|contigo)\b", spanish, re.I), spanish


@pytest.mark.parametrize("sign,reply,expected", [
    ("flat_progress", "un par de veces", True), ("flat_progress", "dos", True), ("flat_progress", "tres seguidos", True),
    ("flat_progress", "una vez", False), ("flat_progress", "ninguno", False), ("flat_progress", "ni una", False),
    ("flat_progress", "ningún reporte", False), ("repeated_suspensions", "cinco veces este año", True),
    ("repeated_suspensions", "es la segunda vez", True), ("repeated_suspensions", "1", False),
])
def test_spanish_counts_are_read(knowledge, sign, reply, expected):
    assert read_answer(knowledge.signs[sign], reply, knowledge, "es") == expected


def test_the_spanish_verdict_keeps_the_directories_and_no_phone_numbers(knowledge):
    flow = AdvocateFlow(knowledge)
    judgement = flow.judgement(["Lo suspendieron más de 10 días."], ["behavior_discipline"], {}, "es")
    assert judgement.level == "recommended"
    text = " ".join(r.text for r in flow.verdict(judgement, "es"))
    assert knowledge.levels["recommended"].get("es") in text
    assert knowledge.signs["repeated_suspensions"].reason.get("es") in text
    assert "parentcenterhub.org" in text and "copaa.org" in text
    assert not re.search(r"\d{3}[-. )]\d{3}[-. ]\d{4}", text)
