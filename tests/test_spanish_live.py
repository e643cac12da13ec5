"""Spanish end to end (issue 21): a whole conversation by web from story to letter, switching language
mid-letter without losing an answer, and by SMS through the fake Twilio; a third language answered in both.
Run with -s to see the conversations as a parent sees them."""
from __future__ import annotations

import re

import pytest

from bot.knowledge import load_knowledge
from tests.sms_stack import SmsStack, settle
from tests.stack import Stack, running

K = load_knowledge()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, twilio):
    made = SmsStack.with_twilio(tmp_path_factory.mktemp("spanish"), twilio)
    with running(made, "actions", "rasa"):
        yield made


def _show(title: str, turns: list[tuple[str, list[dict]]]) -> None:
    print(f"\n=== {title}")
    for said, replies in turns:
        print(f"\nPARENT: {said}")
        for reply in replies:
            buttons = " | ".join(b["title"] for b in reply.get("buttons") or [])
            print(f"ASSISTANT: {reply['text']}" + (f"\n  [{buttons}]" if buttons else ""))
            if reply.get("letter"):
                print("  LETTER:\n" + reply["letter"]["text"])


def _texts(replies: list[dict]) -> str:
    return "\n".join(r["text"] for r in replies)


def _asks(field: str, language: str, replies: list[dict]) -> bool:
    return K.fields[field].ask.get(language) in _texts(replies)


def test_a_whole_spanish_conversation_by_web_from_story_to_letter(stack: Stack):
    turns: list[tuple[str, list[dict]]] = []

    def say(text: str) -> list[dict]:
        replies = stack.say("web-es", text)
        turns.append((text, replies))
        return replies

    hello = say("Hola, buenas tardes")
    assert K.message("greeting", "es") in _texts(hello) and K.message("disclaimer", "es") in _texts(hello)  # once
    story = say("Mi hija Valeria tiene 6 años y está en primer grado. La maestra dice que todavía no reconoce las "
                "letras y se frustra mucho cuando leen en clase. Yo quiero que la escuela la evalúe para ver si "
                "necesita educación especial, pero no sé cómo pedirlo. ¿Qué tengo que hacer?")
    said = _texts(story)
    assert K.message("rights_intro", "es") in said and "34 CFR" in said
    assert "Here is what the rules say" not in said
    assert "su hija podría necesitar" in said  # named as the mother named her
    say('/make_letter{"letter": "evaluation_request"}')
    asked = say("Rosa Martínez")
    assert _asks("child_name", "es", asked)
    # "English" mid-letter: the answers so far stay, the open question comes again in English; then back.
    english = say("English")
    assert K.message("language_switched_letter", "en") in _texts(english) and _asks("child_name", "en", english)
    spanish = say("Español")
    assert K.message("language_switched_letter", "es") in _texts(spanish) and _asks("child_name", "es", spanish)
    replies = say("Valeria Martínez")
    answers = {"grade": "primer grado", "school": "Escuela Primaria Lincoln",
               "concern": "no reconoce las letras y se frustra al leer", "suspected_areas": "lectura y lenguaje",
               "recipient": "omitir", "parent_contact": "rosa.martinez@example.org", "urgent": "no"}
    for _ in range(len(answers)):
        if "/confirm_letter" in str(replies):
            break
        asked = [field for field in answers if _asks(field, "es", replies)]
        assert asked, f"a question in Spanish: {_texts(replies)}"
        replies = say(answers[asked[0]])
    assert "/confirm_letter" in str(replies), _texts(replies)
    assert "Rosa Martínez" in _texts(replies) and "Valeria Martínez" in _texts(replies)  # the name was kept
    letter = say("/confirm_letter")
    _show("Web, in Spanish, from story to letter", turns)
    made = [r for r in letter if r.get("letter")]
    assert made and "Rosa Martínez" in made[0]["letter"]["text"]  # accents intact in the letter for the school
    assert re.search(r"\bdiciembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre\b",
                     _texts(letter)), "dates said in Spanish"


def test_the_web_api_language_field_and_the_reply_language(stack: Stack):
    answer = stack.post("messages", None, text="ok", language="es").json()
    assert answer["language"] == "es"
    assert "I'm not sure" not in _texts([m for m in answer["messages"] if m["from"] == "bot"])
    moved = stack.post("messages", answer["token"], text="My son is 8 and the school said no to testing him for "
                                                          "dyslexia, what can I do?", language="es").json()
    assert moved["language"] == "en"  # clear English moves the conversation; the widget follows
    bad = stack.post("messages", None, text="hola", language="fr")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_language"


def test_a_third_language_is_answered_in_both_and_nothing_is_lost(stack: Stack):
    stack.say("pt", "Hola, mi hijo no recibe su terapia de lenguaje desde octubre y nadie me explica por qué")
    replies = stack.say("pt", "Meu filho tem autismo e a escola não quer fazer a avaliação que eu pedi")
    text = _texts(replies)
    assert K.message("non_english", "en") in text and K.message("non_english", "es") in text
    assert "parentcenterhub.org" in text
    after = stack.say("pt", "gracias")
    assert K.message("thanks", "es") in _texts(after)  # still in Spanish, still the same conversation


def test_a_spanish_conversation_by_sms(stack: SmsStack, twilio):
    number = "+15550102101"
    stack.text(number, "Hola. Mi hijo Mateo tiene 9 años y tiene IEP por autismo. Desde octubre no le dan su terapia "
                       "de lenguaje, la maestra dice q no hay terapista. Que puedo hacer?")
    bodies = twilio.wait_for(number, 1)
    first = settle(stack, twilio, number)
    assert first[0].startswith("Le escribe IEP Navigator") and "PARAR" in first[0]
    assert "34 CFR" in " ".join(first) and "Here is what" not in " ".join(first)
    stack.text(number, "PARAR")
    stopped = twilio.wait_for(number, len(first) + 1)
    print("\n=== SMS, in Spanish (as the fake Twilio recorded it)")
    print("\n---\n".join(stopped))
    assert stopped[-1] == K.message("sms_stopped", "es").strip() or K.message("sms_stopped", "es")[:30] in stopped[-1]
    assert bodies


def _choice(bodies: list[str], title: str) -> str:
    """The number an SMS offers for the choice titled `title` ("2. Hacer la carta", or "1 para ..." under "Responda con un número:")."""
    found = re.search(rf"(?m)^(?:(\d+)\. |(\d+) para ){re.escape(title)}", "\n".join(bodies))
    assert found, f"no choice '{title}' in {bodies}"
    return found.group(1) or found.group(2)


def test_a_spanish_sms_conversation_from_story_to_the_letter_link(stack: SmsStack, twilio):
    """Issue 22: a Spanish-speaking parent texts a story, picks the letter by its number, answers in Spanish and
    gets the link to the English letter with the Spanish copy after it."""
    number, turns = "+15550102109", []

    def text(body: str) -> list[str]:
        before = len(twilio.to(number))
        stack.text(number, body)
        new = [b for b in settle(stack, twilio, number)[before:] if "parentcenterhub.org" not in b]
        turns.append((body, new))
        return new

    story = text("Hola, mi hijo Andrés tiene 7 años y está en segundo grado. La maestra dice que no puede leer "
                 "ni escribir su nombre y que se distrae mucho, pero nunca lo han evaluado. Quiero pedir que lo "
                 "evalúen, como lo hago?")
    replies = text(_choice(story, K.letters["evaluation_request"].button.get("es")))
    answers = {"parent_name": "Lucía Peña", "child_name": "Andrés Peña", "grade": "segundo grado",
               "school": "Escuela Primaria Jefferson", "concern": "no puede leer ni escribir su nombre",
               "suspected_areas": "lectura y atención", "recipient": "omitir",
               "parent_contact": "lucia.pena@example.org", "urgent": "no"}
    for _ in range(len(answers) + 2):
        if K.message("button_make_letter", "es") in "\n".join(replies):
            break
        asked = [field for field in answers if K.fields[field].ask.get("es") in "\n".join(replies)]
        assert asked, f"a question in Spanish: {replies}"
        replies = text(answers[asked[0]])
    made = text(_choice(replies, K.message("button_make_letter", "es")))
    print("\n=== SMS, in Spanish, from story to the letter link (as the fake Twilio recorded it)")
    for body, bodies in turns:
        print(f"\nPARENT: {body}\n" + "\n---\n".join(f"TEXT: {b}" for b in bodies))
    sent = "\n".join(made)
    assert "Ya tiene su carta: la carta en inglés para la escuela y después su copia en español" in sent
    links = re.findall(r"https?://\S+?\.(?:pdf|docx)\b", sent)
    assert len(links) == 2, sent
    assert K.messages["letter_ready_sms_with_copy"].get("en")[:20] not in sent  # told in Spanish only


def test_the_first_text_offers_spanish_and_2_takes_it(stack: SmsStack, twilio):
    number = "+15550102102"
    stack.text(number, "hi")
    first = twilio.wait_for(number, 1)
    assert "Responda 2 para español." in " ".join(first)
    stack.text(number, "2")
    after = settle(stack, twilio, number)
    assert K.message("language_switched", "es") in " ".join(after[len(first):])
    stack.text(number, "AYUDA")
    helped = twilio.wait_for(number, len(after) + 1)
    assert helped[-1].startswith(K.message("sms_help", "es")[:25])
