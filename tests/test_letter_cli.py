"""`iep-navigator letter` (bot/letters/cli.py): called in-process through bot.cli.main, plus one real
`python -m bot letter --list` run to prove the module entry works. Exit code 2 for anything the user can fix.

bot.letters.cli is imported only inside main(), so a broken letter_cli fails each test here, not the collection.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from bot.cli import main
from bot.letters.bilingual import PAGE_BREAK
from bot.letters.drafting import letter_fields
from bot.letters.flow import LetterFlow
from tests.conftest import ROOT
from tests.test_letters import CASES, TODAY, case_details, docx_text, golden_path, pdf_text, squash
from tests.test_letters_es import NOTICE, caso, golden_es

DATE = TODAY.isoformat()  # 2026-11-24, the date of every golden letter


@pytest.fixture(autouse=True)
def _default_school_days(monkeypatch):
    monkeypatch.delenv("IEP_RESPONSE_SCHOOL_DAYS", raising=False)  # the default, 10, as in the golden letters


def details_file(tmp_path: Path, details: object, name: str = "details.json") -> str:
    path = tmp_path / name
    path.write_text(details if isinstance(details, str) else json.dumps(details, ensure_ascii=False), encoding="utf-8")
    return str(path)


def letter(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["letter", *args])
    out, err = capsys.readouterr()
    return code, out, err


def golden(name: str) -> str:
    return golden_path(name).read_text(encoding="utf-8")


def pwn_details(**changes: object) -> dict[str, object]:
    details: dict[str, object] = {"parent_name": "Maria Lopez", "child_name": "Sam Lopez", "school": "Lincoln Elementary",
                                  "decision": "The team said no to testing Sam for dyslexia."}
    details.update(changes)
    return details


# --- --list and --fields --------------------------------------------------------------------------------

def test_list_names_every_letter_and_every_meeting_reason(capsys, knowledge):
    code, out, err = letter(capsys, "--list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    for key, spec in knowledge.letters.items():
        assert any(re.match(rf"\s+{key}\s+{re.escape(spec.description.get('en'))}$", line) for line in lines), key
    for key, reason in knowledge.reasons.items():
        assert any(re.match(rf"\s+{key}\s+{re.escape(reason.label.get('en'))}$", line) for line in lines), key
    assert lines.index("Letters:") < lines.index("Meeting reasons (meeting_reason for meeting_request):")


def test_python_dash_m_bot_letter_list_works(knowledge):
    done = subprocess.run([sys.executable, "-m", "bot", "letter", "--list"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    for key in [*knowledge.letters, *knowledge.reasons]:
        assert re.search(rf"^\s+{key}\s", done.stdout, re.M), key


def _field_lines(out: str) -> dict[str, tuple[str, str]]:
    found = {}
    for line in out.splitlines()[1:]:
        match = re.match(r"\s+(\w+)\s+(required|optional)\s+(.+)$", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def test_fields_of_meeting_request_give_each_field_its_need_and_help_and_the_reason_extras(capsys, knowledge):
    code, out, err = letter(capsys, "--fields", "meeting_request")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == f"meeting_request: {knowledge.letters['meeting_request'].description.get('en')}"
    listed = _field_lines(out)
    assert list(listed) == letter_fields("meeting_request", None, knowledge)
    for field, (need, help_text) in listed.items():
        spec = knowledge.fields[field]
        assert need == ("optional" if spec.optional else "required"), field
        assert help_text == spec.help.get("en"), field
    for reason in knowledge.reasons.values():
        if not reason.fields:
            continue
        expected = ", ".join(f"{f}{'' if knowledge.fields[f].optional else ' (required)'}" for f in reason.fields)
        assert f"  with meeting_reason={reason.id}: {expected}" in out.splitlines()
    assert "service (required), missed_service" in out


def test_the_meeting_reason_help_points_to_a_list_that_names_every_reason(capsys, knowledge):
    # The help for meeting_reason says the reasons are "listed by `--fields`", but --fields only shows the
    # reasons that add fields (placement, informal_handling and general_concern are missing); --list has them all.
    code, out, _ = letter(capsys, "--fields", "meeting_request")
    assert code == 0
    help_text = knowledge.fields["meeting_reason"].help.get("en")
    assert "--list" in help_text or all(reason in out for reason in knowledge.reasons), (
        f"help says {help_text!r}, but --fields leaves out: "
        f"{[r for r in knowledge.reasons if r not in out]}")


@pytest.mark.parametrize("letter_id", ["evaluation_request", "pwn_request", "iee_request", "records_request",
                                       "follow_up", "section_504_request", "advocate_attendance_notice",
                                       "language_access"])
def test_fields_of_every_other_letter(capsys, knowledge, letter_id):
    code, out, err = letter(capsys, "--fields", letter_id)
    assert code == 0 and err == ""
    assert list(_field_lines(out)) == letter_fields(letter_id, None, knowledge)
    assert "with meeting_reason" not in out


def test_fields_of_an_unknown_letter_exit_2_and_say_which_letters_exist(capsys, knowledge):
    code, out, err = letter(capsys, "--fields", "nosuch")
    assert code == 2 and out == ""
    assert "unknown letter 'nosuch'" in err
    assert f"Letters: {', '.join(knowledge.letters)}" in err


# --- drafting a letter ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_text_to_stdout_matches_the_golden_letter(capsys, tmp_path, knowledge, name):
    letter_id, details = case_details(name, knowledge)
    used = LetterFlow(knowledge).fields(letter_id, details)  # the CLI refuses details a letter does not use
    details = {key: value for key, value in details.items() if key in used}
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE)
    assert code == 0, err
    assert out == golden(name)


def test_docx_out_writes_a_word_file_with_the_same_words(capsys, tmp_path, knowledge):
    letter_id, details = case_details("meeting_request-lack_of_progress", knowledge)
    out_path = tmp_path / "x.docx"
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE,
                            "--format", "docx", "--out", str(out_path))
    assert code == 0, err
    assert out == "" and f"wrote {out_path}" in err
    data = out_path.read_bytes()
    assert data.startswith(b"PK")
    assert docx_text(data) == golden("meeting_request-lack_of_progress").rstrip("\n")
    properties = Document(io.BytesIO(data)).core_properties
    assert properties.title == "Request for an IEP meeting for Sam Lopez" and properties.author == "Maria Lopez"


def test_pdf_out_writes_a_tagged_pdf_with_the_same_words(capsys, tmp_path, knowledge):
    letter_id, details = case_details("records_request", knowledge)
    out_path = tmp_path / "x.pdf"
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE,
                            "--format", "pdf", "--out", str(out_path))
    assert code == 0, err
    assert out == "" and f"wrote {out_path}" in err
    data = out_path.read_bytes()
    assert data.startswith(b"%PDF")
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/Lang"] == "en"
    assert squash(pdf_text(data).text) == squash(golden("records_request"))


def test_html_goes_to_stdout(capsys, tmp_path, knowledge):
    letter_id, details = case_details("follow_up", knowledge)
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE,
                            "--format", "html")
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and '<html lang="en">' in out
    assert "<title>Follow-up on my earlier request for Sam Lopez</title>" in out


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_binary_formats_need_out(capsys, tmp_path, knowledge, fmt):
    letter_id, details = case_details("follow_up", knowledge)
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE,
                            "--format", fmt)
    assert code == 2 and out == ""
    assert f"--format {fmt} needs --out PATH" in err


def test_a_missing_required_detail_exits_2_and_names_it(capsys, tmp_path, knowledge):
    letter_id, details = case_details("meeting_request-services_not_delivered", knowledge)
    del details["availability"], details["service"]
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, details), "--date", DATE)
    assert code == 2 and out == ""
    assert "meeting_request needs these details: service, availability" in err
    assert "--fields meeting_request" in err


def test_a_required_detail_answered_skip_exits_2_and_names_it(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details", details_file(tmp_path, pwn_details(school="skip")),
                            "--date", DATE)
    assert code == 2 and out == ""
    assert "school" in err


def test_an_unknown_detail_key_exits_2_and_names_it(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details",
                            details_file(tmp_path, pwn_details(favourite_colour="blue")), "--date", DATE)
    assert code == 2 and out == ""
    assert "unknown detail(s): favourite_colour" in err


def test_a_detail_this_letter_does_not_use_is_not_silently_dropped(capsys, tmp_path, knowledge):
    # `urgent` is a known field, but the advocate note has no urgent option: the letter would silently come out
    # not urgent. A detail the letter does not ask for should be named, like an unknown one.
    letter_id, details = case_details("advocate_attendance_notice", knowledge)
    code, out, err = letter(capsys, letter_id, "--details", details_file(tmp_path, {**details, "urgent": "yes"}),
                            "--date", DATE)
    assert code == 2, "the urgent detail was dropped without a word"
    assert "urgent" in err and out == ""


def test_a_date_that_cannot_be_read_exits_2_and_names_the_field(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details",
                            details_file(tmp_path, pwn_details(decision_date="the 45th of Smarch")), "--date", DATE)
    assert code == 2 and out == ""
    assert "decision_date" in err and "the 45th of Smarch" in err


def test_a_future_date_for_a_past_event_exits_2(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details",
                            details_file(tmp_path, pwn_details(decision_date="2027-01-05")), "--date", DATE)
    assert code == 2 and "decision_date" in err


@pytest.mark.parametrize("content", ['{"parent_name": "Maria Lopez",', "parent_name: Maria", ""])
def test_invalid_json_exits_2(capsys, tmp_path, content):
    path = details_file(tmp_path, content)
    code, out, err = letter(capsys, "pwn_request", "--details", path, "--date", DATE)
    assert code == 2 and out == ""
    assert f"{path} is not valid JSON" in err


@pytest.mark.parametrize("content", [["Maria Lopez"], "just a string", 42])
def test_json_that_is_not_an_object_exits_2(capsys, tmp_path, content):
    code, out, err = letter(capsys, "pwn_request", "--details", details_file(tmp_path, json.dumps(content)),
                            "--date", DATE)
    assert code == 2 and out == ""
    assert "one JSON object" in err


def test_a_missing_details_file_exits_2(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details", str(tmp_path / "nope.json"), "--date", DATE)
    assert code == 2 and out == "" and "nope.json" in err


def test_last_tuesday_is_read_against_the_letter_date(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details",
                            details_file(tmp_path, pwn_details(decision_date="last tuesday")), "--date", DATE)
    assert code == 0, err
    assert "On Tuesday, November 17, 2026, I was told about this decision:" in out
    assert "Tuesday, November 24, 2026" in out  # the letter's own date


def test_details_are_read_like_chat_answers(capsys, tmp_path):
    details = pwn_details(child_name="sam lopez", urgent=True, grade="skip", parent_contact="555-201-7788")
    code, out, err = letter(capsys, "pwn_request", "--details", details_file(tmp_path, details), "--date", DATE)
    assert code == 0, err
    assert out.startswith("Subject: Urgent: Request for Prior Written Notice for Sam Lopez\n")
    assert "a student at Lincoln Elementary" in out  # "skip" leaves the grade out
    assert out.endswith("555-201-7788\n\ncc: Principal, Lincoln Elementary\n")


def test_details_can_come_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(pwn_details())))
    code, out, err = letter(capsys, "pwn_request", "--details", "-", "--date", DATE)
    assert code == 0, err
    assert out.startswith("Subject: Request for Prior Written Notice for Sam Lopez\n")


def test_school_days_set_the_reply_date(capsys, tmp_path, monkeypatch):
    path = details_file(tmp_path, pwn_details())
    code, out, _ = letter(capsys, "pwn_request", "--details", path, "--date", DATE, "--school-days", "5")
    assert code == 0 and "Please send the notice by Wednesday, December 2, 2026." in out
    monkeypatch.setenv("IEP_RESPONSE_SCHOOL_DAYS", "5")
    code, out, _ = letter(capsys, "pwn_request", "--details", path, "--date", DATE)
    assert code == 0 and "Please send the notice by Wednesday, December 2, 2026." in out
    code, out, err = letter(capsys, "pwn_request", "--details", path, "--date", DATE, "--school-days", "0")
    assert code == 2 and out == "" and "--school-days" in err


def test_a_bad_letter_date_exits_2(capsys, tmp_path):
    code, out, err = letter(capsys, "pwn_request", "--details", details_file(tmp_path, pwn_details()),
                            "--date", "2026-13-01")
    assert code == 2 and out == "" and err.startswith("iep-navigator letter: ")


def test_an_unknown_letter_type_exits_2(capsys, tmp_path, knowledge):
    code, out, err = letter(capsys, "nosuch", "--details", details_file(tmp_path, pwn_details()), "--date", DATE)
    assert code == 2 and out == ""
    assert "unknown letter 'nosuch'" in err and "pwn_request" in err


def test_no_type_or_no_details_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["letter"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["letter", "pwn_request"])
    assert caught.value.code == 2
    assert "--details FILE" in capsys.readouterr().err


# --- --language es: what a Spanish-speaking parent gets, the English letter then the Spanish copy -----------

def _used(letter_id: str, details: dict, knowledge) -> dict:
    used = LetterFlow(knowledge).fields(letter_id, details)  # the CLI refuses details a letter does not use
    return {key: value for key, value in details.items() if key in used}


@pytest.mark.parametrize("name", CASES)
def test_language_es_writes_the_golden_bilingual_letter(capsys, tmp_path, knowledge, name):
    letter_id, details = caso(name, knowledge)
    # --language es names the parent's language where a letter asks for it, as the chat does; a minimal case
    # leaves it out, as a parent who skips that question.
    skipped = {key: "omitir" for key in LetterFlow(knowledge).language_details(letter_id, "es") if key not in details}
    code, out, err = letter(capsys, letter_id, "--details",
                            details_file(tmp_path, {**_used(letter_id, details, knowledge), **skipped}),
                            "--date", DATE, "--language", "es")
    assert code == 0, err
    assert out == golden_es(name).read_text(encoding="utf-8")
    english, between, copy = out.partition(f"\n{PAGE_BREAK}\n")
    assert between and copy.startswith(NOTICE) and english.startswith("Subject: ")


def test_language_en_is_the_default(capsys, tmp_path, knowledge):
    letter_id, details = case_details("language_access", knowledge)
    path = details_file(tmp_path, _used(letter_id, details, knowledge))
    code, out, err = letter(capsys, letter_id, "--details", path, "--date", DATE, "--language", "en")
    assert code == 0, err
    assert out == golden("language_access") and PAGE_BREAK not in out
    assert letter(capsys, letter_id, "--details", path, "--date", DATE) == (0, out, "")


@pytest.mark.parametrize("name", ["language_access", "meeting_request-services_not_delivered"])
def test_language_es_docx_holds_both_letters_with_the_copy_on_a_new_page(capsys, tmp_path, knowledge, name):
    letter_id, details = caso(name, knowledge)
    out_path = tmp_path / "carta.docx"
    path = details_file(tmp_path, _used(letter_id, details, knowledge))
    code, out, err = letter(capsys, letter_id, "--details", path, "--date", DATE, "--language", "es",
                            "--format", "docx", "--out", str(out_path))
    assert code == 0 and out == "", err
    paragraphs = Document(io.BytesIO(out_path.read_bytes())).paragraphs
    english, copy = golden_es(name).read_text(encoding="utf-8").rstrip("\n").split(f"\n{PAGE_BREAK}\n")
    assert [p.text for p in paragraphs] == english.split("\n\n") + copy.split("\n\n")
    first_of_copy = paragraphs[len(english.split("\n\n"))]
    assert first_of_copy.text == NOTICE and first_of_copy.paragraph_format.page_break_before
    assert details["parent_name"] in docx_text(out_path.read_bytes())


def test_language_es_pdf_reads_back_as_both_letters(capsys, tmp_path, knowledge):
    letter_id, details = caso("language_access", knowledge)
    out_path = tmp_path / "carta.pdf"
    path = details_file(tmp_path, _used(letter_id, details, knowledge))
    code, out, err = letter(capsys, letter_id, "--details", path, "--date", DATE, "--language", "es",
                            "--format", "pdf", "--out", str(out_path))
    assert code == 0 and out == "", err
    text = pdf_text(out_path.read_bytes())
    assert squash(text.text) == squash(golden_es("language_access").read_text(encoding="utf-8"))
    assert not text.undrawable
    assert PdfReader(io.BytesIO(out_path.read_bytes())).trailer["/Root"]["/Lang"] == "en"


def test_language_es_reads_details_as_a_spanish_speaking_parent_types_them(capsys, tmp_path, knowledge):
    # Spanish dates and "omitir", as in the chat; the language of the papers is the conversation's, as in the chat.
    _, details = caso("language_access", knowledge)
    details = {**details, "meeting_date": "el 15 de diciembre", "grade": "cuarto grado"}
    details.pop("home_language")
    code, out, err = letter(capsys, "language_access", "--details", details_file(tmp_path, details), "--date", DATE,
                            "--language", "es")
    assert code == 0, err
    assert out == golden_es("language_access").read_text(encoding="utf-8").replace("4.º grado", "cuarto grado")
    assert "a qualified interpreter for Spanish at the next IEP meeting, on Tuesday, December 15, 2026" in out
    code, out, err = letter(capsys, "language_access", "--details",
                            details_file(tmp_path, {**details, "home_language": "omitir"}), "--date", DATE,
                            "--language", "es")
    assert code == 0, err
    assert "English is not my native language." in out and "El inglés no es mi idioma materno." in out
    assert "Spanish" not in out.split(PAGE_BREAK)[0]


def test_a_language_other_than_en_or_es_is_a_usage_error(capsys, tmp_path, knowledge):
    letter_id, details = case_details("language_access", knowledge)
    with pytest.raises(SystemExit) as caught:
        main(["letter", letter_id, "--details", details_file(tmp_path, details), "--language", "fr"])
    assert caught.value.code == 2
    assert "--language" in capsys.readouterr().err
