"""Every word in Spanish (issue 21): each English text has a Spanish twin in the knowledge files, the Spanish holds
no English sentences and no tú, and a reply cites the same rules in both languages."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
import yaml

from bot.guidance.conversation import Conversation, State
from tests.conftest import ROOT

KNOWLEDGE_FILES = sorted((ROOT / "bot" / "knowledge").glob("*.yml"))
# Said in the other language on purpose: how to switch to it, named in it.
OTHER_LANGUAGE_ON_PURPOSE = {"sms_offer_other_language", "sms_offer_other_language_word", "web_other_language",
                             "button_english", "button_spanish"}
# Words that show an English sentence. Acronyms (IEP, PWN), names, numbers and URLs are fine in Spanish.
ENGLISH_WORDS = frozenset("""the and you your is are was to of for with this that what please can will it
have has not we our they from when how which would should""".split())
# The forms of tú: Spanish replies say usted, never tú, and never mix them.
# Only forms that cannot be usted: "pide", "escribe" and "llama" are also "(usted/la carta) pide".
TU = re.compile(r"\b(?:tú|tu|tus|te|ti|contigo|puedes|quieres|tienes|necesitas|sabes|estás|eres|vas|debes|"
                r"puedas|quieras|dime|cuéntame|escríbeme|avísame|dinos|haz|hazlo|oye)\b", re.I)
# A cited regulation or statute section: "300.324(b)(1)(ii)", "1415(k)", with what it is a part of.
CITATION = re.compile(r"\b(?:\d+ (?:CFR|U\.S\.C\.) §? ?)?\d{3,4}(?:\.\d+)?(?:\([a-z0-9]+\))+|\b\d+ (?:CFR|U\.S\.C\.)"
                      r"|\b\d{3}\.\d+\b")


def _texts(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every mapping keyed by language ({en: ..., es: ...}) in a knowledge file, with where it is."""
    if isinstance(node, dict):
        if "en" in node and isinstance(node["en"], (str, dict, list)) and set(node) <= {"en", "es"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, path + (str(i),))


TEXTS = [(f"{p.name}:{'.'.join(where)}", texts) for p in KNOWLEDGE_FILES
         for where, texts in _texts(yaml.safe_load(p.read_text(encoding="utf-8")))]
SPANISH = [(where, texts["es"]) for where, texts in TEXTS if isinstance(texts.get("es"), str)]


def _plain(text: str) -> str:
    """The words of a Spanish text a parent reads as sentences: without fill-ins, URLs, quoted keywords."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"https?://\S+|\S+@\S+|\b[\w.-]+\.(?:org|gov|com)\S*", " ", text)
    return re.sub(r"\"[^\"]*\"|“[^”]*”", " ", text)


def test_the_knowledge_files_have_texts_keyed_by_language():
    assert len(TEXTS) > 700  # the walk found the texts (a change of shape would silently pass everything)


@pytest.mark.parametrize("where,texts", TEXTS, ids=[w for w, _ in TEXTS])
def test_every_english_text_has_its_spanish_twin(where, texts):
    if not texts["en"] or where.endswith(".recipient"):
        return  # an empty English word list needs no Spanish one; the addressee is printed in the school's letter
    if where.startswith("letter_terms.yml:") and where.endswith(".also"):
        return  # ways parents write a term, read and never shown: each language has its own (or none)
    assert "es" in texts, f"{where}: no Spanish (es) beside the English"
    if isinstance(texts["en"], str):
        assert isinstance(texts["es"], str) and texts["es"].strip(), where
        # The code fills the same blanks in both: a missing one is a crash, an extra one a stray brace.
        assert sorted(re.findall(r"\{(\w+)\}", texts["en"])) == sorted(re.findall(r"\{(\w+)\}", texts["es"])), where
    else:
        assert type(texts["es"]) is type(texts["en"]), where


@pytest.mark.parametrize("where,text", SPANISH, ids=[w for w, _ in SPANISH])
def test_spanish_text_holds_no_english_sentence_and_says_usted(where, text):
    if where.split(".")[-1] in OTHER_LANGUAGE_ON_PURPOSE or any(part in OTHER_LANGUAGE_ON_PURPOSE
                                                                for part in where.split(":")[-1].split(".")):
        return
    english = sorted({w for w in re.findall(r"[a-z]+", _plain(text).lower()) if w in ENGLISH_WORDS})
    assert len(english) < 2, f"{where}: English words in the Spanish: {english}: {text}"
    assert not TU.search(_plain(text)), f"{where}: tú in the Spanish ({TU.search(_plain(text)).group(0)}): {text}"


def test_the_checks_catch_what_they_look_for():
    """The detectors themselves: an English sentence and a tú form are found; proper Spanish passes."""
    assert len({w for w in re.findall(r"[a-z]+", "Please write to your school.".lower()) if w in ENGLISH_WORDS}) >= 2
    assert TU.search("Puedes escribir a tu escuela.")
    assert not TU.search(_plain("Puede escribir a la escuela de su hijo sobre el IEP."))
    assert not TU.search(_plain("Escriba a {name} en https://example.org/tu-centro."))


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_reply_falls_back_to_english_for_a_spanish_speaking_parent(knowledge, language):
    for key in knowledge.messages:
        text = knowledge.messages[key].by_language.get(language)
        assert text, f"message {key} has no {language} text"


def _citations(text: str) -> list[str]:
    return sorted(CITATION.findall(text))


@pytest.mark.parametrize("situation", ["stalled_progress", "evaluation_request", "evaluation_denied",
                                       "evaluation_disagreement", "eligibility_denied", "services_not_delivered",
                                       "thin_services", "outside_evaluation", "change_in_functioning",
                                       "placement_change", "behavior_discipline", "transition", "meeting_request",
                                       "meeting_refused", "no_response", "informal_handling"])
def test_a_reply_cites_the_same_rules_in_both_languages(knowledge, situation):
    talk = Conversation(knowledge)
    said = {lang: "\n".join(r.text for r in talk.explain([situation], "", State(language=lang)).replies)
            for lang in ("en", "es")}
    assert _citations(said["en"]), situation
    # The one difference allowed: a Spanish-speaking parent's meeting story also hears of the interpreter
    # (the language-access letter's right, bot/knowledge/situations.yml `language_offers`).
    offer = knowledge.language_offers["language_access"]
    extra = _citations(knowledge.rights[offer.right].citation) if situation in offer.situations else []
    assert sorted(_citations(said["en"]) + extra) == _citations(said["es"]), situation


def test_the_reflection_names_a_daughter_as_the_parent_did(knowledge):
    """A mother who writes "mi hija" is not answered about "su hijo"; a story of a son, of both, or of several
    children keeps the general "su hijo"; English says "your child" either way."""
    talk = Conversation(knowledge)

    def first(story: str, language: str) -> str:
        return talk.explain(["services_not_delivered"], story, State(language=language)).replies[0].text

    assert "su hija no está recibiendo" in first("A mi hija no le dan la terapia del habla desde octubre.", "es")
    assert "su hija" in first("mi nina no tiene su ayudante, y la maestra dice que no hay", "es")
    assert "su hija" in first("La escuela de my daughter no le da los servicios del IEP", "es")
    for story in ("Mi hijo no recibe la terapia.", "Mi hijo y mi hija no reciben sus servicios.",
                  "Mis hijas no reciben sus servicios.", ""):
        assert "su hijo no está recibiendo" in first(story, "es"), story
    assert first("My daughter is not getting her speech therapy.", "en") == first("My son is not getting it.", "en")
    two = talk.explain(["stalled_progress", "behavior_discipline"], "Mi hija no avanza y la suspendieron.",
                       State(language="es")).replies[0].text
    assert two.count("su hija") == 2 and "su hijo" not in two


def test_faq_answers_cite_the_same_rules_in_both_languages(knowledge):
    talk = Conversation(knowledge)
    for key in knowledge.faq:
        assert _citations(talk._faq_text(key, "en")) == _citations(talk._faq_text(key, "es")), key


def test_the_domain_has_no_response_variants_to_pick_wrongly():
    """Rasa picks a `channel` variant over a language `condition` one, so a Spanish SMS parent could get English.
    We have no Rasa responses at all: every word comes from bot/knowledge keyed by language, channel or not."""
    for path in (ROOT / "domain").glob("*.yml"):
        assert not (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses"), path.name


def test_widget_strings_are_all_spanish_in_spanish(knowledge):
    web = {k for k in knowledge.messages if k.startswith("web_")}
    assert web
    for key in web:
        assert knowledge.messages[key].by_language.get("es"), key


def test_no_template_for_the_parent_lacks_its_spanish_copy():
    """Pages a parent opens (the letter link page) are rendered from the messages, in either language."""
    for page in (ROOT / "templates" / "pages").glob("*.j2"):
        text = page.read_text(encoding="utf-8")
        prose = re.sub(r"\{[{%#].*?[}%#]\}|<[^>]+>", " ", text, flags=re.S)
        english = [w for w in re.findall(r"[A-Za-z]+", prose) if w.lower() in ENGLISH_WORDS]
        if page.name == "link.html.j2":
            assert not english, f"{page.name}: words written into the template: {english[:10]}"
