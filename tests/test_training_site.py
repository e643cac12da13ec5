"""The /training pages (bot/training/site.py) through aiohttp's test client: the story list and its filters,
asking the parent, a scored round that is stored, bad input that comes back with a clear message and
stores nothing, the report and its CSV, and one walkthrough from the trained model.

Stories come from a temporary folder and results go to a temporary database: nothing here reads
data/scenarios or touches var/.
"""
from __future__ import annotations

import ast
import asyncio
import base64
import csv
import hashlib
import io
import re
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from bot.channels import demo_site
from bot.serving.rasa_model import open_nlu
from bot.training.site import MAX_BODY, add_training
from bot.training.store import TrainingStore, training_engine
from tests.scenario_samples import STORIES, write_stories

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 3, 10, 0)

PERFECT = {"volunteer": "Ann Lee", "situations": ["evaluation_denied", "evaluation_request"],
           "rights": ["prior_written_notice", "initial_evaluation"], "letter": "pwn_request",
           "advocate": "worth_considering"}


@pytest.fixture
def database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'training.db'}"


@pytest.fixture
async def client(tmp_path, database, knowledge):
    app = web.Application()
    add_training(app, demo_site.HEADERS, database_url=database, scenarios_dir=write_stories(tmp_path / "stories"),
                 knowledge=knowledge, clock=lambda: NOW)
    async with TestClient(TestServer(app)) as made:
        yield made


def stored(database: str) -> int:
    """How many practice rounds the database holds."""
    return sum(row.rounds for row in TrainingStore(training_engine(database)).report().by_situation)


def text_of(html: str) -> str:
    """The page's words, without tags, as a reader sees them."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[-1])).split())


def checked(html: str) -> set[tuple[str, str]]:
    """(name, value) of every checked box and radio button."""
    return {(m.group(1), m.group(2)) for m in
            re.finditer(r'<input type="(?:checkbox|radio)" id="[^"]+" name="([^"]+)" value="([^"]+)" checked>', html)}


def first(anchor: str, knowledge) -> str:
    """`situation-*` and the like: the first box of that group, where a summary link lands."""
    among = {"situation": knowledge.situations, "right": knowledge.rights, "advocate": knowledge.levels}
    return f"{anchor[:-2]}-{next(iter(among[anchor[:-2]]))}" if anchor.endswith("-*") else anchor


def assert_headers(response) -> None:
    for header, value in demo_site.HEADERS.items():
        assert response.headers[header] == value
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy


def assert_one_h1(html: str) -> None:
    assert len(re.findall(r"<h1\b", html)) == 1, "a page has one h1"


# ------------------------------------------------------------------------------------------------ the list


async def test_the_list_shows_every_story_with_its_details_and_links(client, knowledge):
    response = await client.get("/training")
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert_headers(response)
    assert_one_h1(html)
    words = text_of(html)
    assert "All 3 stories." in words
    for story in STORIES.values():
        assert story["title"] in words and story["persona"]["who"] in words
        assert f'href="/training/practice/{story["id"]}"' in html
        assert f'href="/training/scenarios/{story["id"]}"' in html
        assert f'href="/training/scenarios/{story["id"]}?format=md"' in html
    assert knowledge.situations["evaluation_denied"].title.get() in words
    assert "risk:high" in words and "es-en" in words and "Hard" in words
    assert '<html lang="en">' in html and 'class="skip" href="#main"' in html


@pytest.mark.parametrize("query,shown", [
    ("tag=reading", {"reading_stalled"}),
    ("tag=risk%3Ahigh", {"sent_home_again"}),
    ("tag=en", {"pwn_phone_refusal", "reading_stalled"}),
    ("difficulty=medium", {"pwn_phone_refusal"}),
    ("situation=evaluation_request", {"pwn_phone_refusal"}),
    ("tag=en&difficulty=easy", {"reading_stalled"}),
    ("tag=behavior&difficulty=easy", set()),
])
async def test_the_filters_pick_a_set_for_a_session(client, query, shown):
    html = await (await client.get(f"/training?{query}")).text()
    listed = set(re.findall(r'<h3 id="story-([a-z0-9_]+)"', html))
    assert listed == shown
    if not shown:
        assert "No stories match these choices." in text_of(html)
    else:
        assert f"{len(shown)} of 3 stories match your choices." in text_of(html)


async def test_the_session_name_is_carried_in_the_links(client):
    html = await (await client.get("/training?session=Tuesday+group&difficulty=easy")).text()
    assert 'href="/training/practice/reading_stalled?session=Tuesday+group"' in html
    assert 'href="/training/report?session=Tuesday+group"' in html
    assert 'id="session" name="session" value="Tuesday group"' in html
    practice = await (await client.get("/training/practice/reading_stalled?session=Tuesday+group")).text()
    assert 'id="session" name="session" value="Tuesday group"' in practice


async def test_a_filter_that_is_not_on_the_list_or_a_session_with_markup_is_named(client, knowledge):
    response = await client.get("/training?tag=<i>x</i>&difficulty=extreme&session=<b>Tue</b>")
    html = await response.text()
    assert response.status == 200
    assert "<b>Tue</b>" not in html and "<i>x</i>" not in html and "&lt;b&gt;Tue&lt;/b&gt;" in html
    assert 'href="#tag"' in html and 'href="#difficulty"' in html and 'href="#session"' in html
    assert html.count(knowledge.message("practice_unknown_choice")) >= 2
    assert 'aria-describedby="session-hint session-error" aria-invalid="true"' in html
    assert "?session=" not in html  # a refused session name is never put into links
    assert "All 3 stories." in text_of(html)  # the filters that could not be used are left out


# ------------------------------------------------------------------------------------------------ practice


async def test_the_practice_page_has_the_opening_the_question_box_and_the_answer_form(client, knowledge):
    response = await client.get("/training/practice/pwn_phone_refusal")
    html = await response.text()
    assert response.status == 200
    assert_headers(response)
    assert_one_h1(html)
    story = STORIES["pwn_phone_refusal"]
    assert story["opening"] in unescape(html) and story["persona"]["who"] in html
    assert 'formaction="/training/practice/pwn_phone_refusal/ask"' in html
    assert '<form method="post" action="/training/practice/pwn_phone_refusal" novalidate>' in html
    assert html.count('type="checkbox" id="situation-') == len(knowledge.situations)
    assert html.count('type="checkbox" id="right-') == len(knowledge.rights)
    assert html.count('type="radio" id="letter-') == len(knowledge.letters) + 1
    assert html.count('type="radio" id="advocate-') == len(knowledge.levels)
    for control in re.findall(r'<input type="(?:checkbox|radio|text)" id="([^"]+)"', html):
        assert f'<label for="{control}">' in html, f"{control} has no label"
    assert html.count("<fieldset") == html.count("<legend>") >= 5  # the rights in groups, inside their own fieldset


async def test_asking_the_parent_shows_the_answer_and_keeps_earlier_questions_and_choices(client, knowledge):
    page = "/training/practice/pwn_phone_refusal"
    first = await client.post(page + "/ask", data={"question": "Did you ask in writing?", "volunteer": "Ann",
                                                   "situations": ["evaluation_denied"], "letter": "pwn_request"})
    html = await first.text()
    assert first.status == 200
    assert "Did you ask in writing?" in html and "I asked by email in March." in html
    assert '<input type="hidden" name="asked" value="Did you ask in writing?">' in html
    assert 'name="volunteer" value="Ann"' in html
    assert checked(html) == {("situations", "evaluation_denied"), ("letter", "pwn_request")}
    assert 'id="latest" tabindex="-1" autofocus' in html  # the new answer is where focus lands

    second = await client.post(page + "/ask", data={"asked": "Did you ask in writing?",
                                                    "question": "What is the weather like?"})
    words = text_of(await second.text())
    assert "I asked by email in March." in words and "What is the weather like?" in words
    assert knowledge.message("practice_no_fact") in words


@pytest.mark.parametrize("question,message", [
    ("", "Type your question for the parent, then choose Ask."),
    ("   ", "Type your question for the parent, then choose Ask."),
    ("why? " * 100, "Please keep your question short: 300 characters or less."),
])
async def test_an_empty_or_huge_question_is_named_next_to_the_box(client, question, message):
    response = await client.post("/training/practice/pwn_phone_refusal/ask", data={"question": question})
    html = await response.text()
    assert response.status == 400
    assert f'<p class="error-message" id="question-error"><span class="visually-hidden">Error: </span>{message}</p>' \
        in html
    assert 'aria-describedby="question-hint question-error" aria-invalid="true"' in html
    assert '<a href="#question">Your question: ' + message in html


async def test_a_scored_round_shows_the_total_and_every_feedback_line_and_is_stored(client, database, knowledge):
    response = await client.post("/training/practice/pwn_phone_refusal",
                                 data={**PERFECT, "session": "Tuesday", "asked": "How old is she?"})
    html = await response.text()
    assert response.status == 200
    assert_one_h1(html)
    words = text_of(html)
    assert "Your score: 100 out of 100." in words
    assert knowledge.message("practice_cli_saved") in words
    assert 'class="result" id="result" aria-labelledby="result-title" tabindex="-1" autofocus' in html
    assert "She is 7, in 2nd grade." in words  # what was asked stays on the page
    assert "Telling the father to ask again next year." in words
    report = TrainingStore(training_engine(database)).report("Tuesday")
    assert [(r.volunteer, r.situation, r.rounds, r.average) for r in report.by_situation] == [
        ("Ann Lee", "evaluation_denied", 1, 100.0)]


async def test_a_partial_answer_shows_what_was_missed_with_citation_and_why(client, database, knowledge):
    response = await client.post("/training/practice/pwn_phone_refusal", data={
        "volunteer": "Ben", "situations": ["evaluation_request", "stalled_progress"], "rights": ["initial_evaluation"],
        "letter": "evaluation_request", "advocate": "not_needed_yet"})
    html = await response.text()
    words = text_of(html)
    pwn = knowledge.rights["prior_written_notice"]
    assert "Your score: 21 out of 100." in words
    assert f"You missed {pwn.name.get()}. {pwn.text.get()} ({pwn.citation})" in words
    assert "Why these fit this story: The school refused" in words
    assert knowledge.message("practice_situation_extra",
                             situation=knowledge.situations["stalled_progress"].title.get()) in words
    assert knowledge.signs["evaluation_denied_unwritten"].reason.get() in words
    assert stored(database) == 1


async def test_no_letter_is_a_choice(client, database):
    response = await client.post("/training/practice/sent_home_again", data={
        "volunteer": "Cy", "situations": ["behavior_discipline"],
        "rights": ["discipline_10_days", "manifestation_determination"], "letter": "none", "advocate": "recommended"})
    assert "Your score: 100 out of 100." in text_of(await response.text())
    assert stored(database) == 1


BAD = [
    # (what the volunteer sent, the field, the message's key or words, where the summary links)
    ({}, "volunteer", "practice_name_missing", "volunteer"),
    ({**PERFECT, "volunteer": "   "}, "volunteer", "practice_name_missing", "volunteer"),
    ({**PERFECT, "volunteer": "<b>Ann</b>"}, "volunteer", "practice_name_invalid", "volunteer"),
    ({**PERFECT, "volunteer": "A" * 20_000}, "volunteer", "practice_name_invalid", "volunteer"),
    ({**PERFECT, "situations": []}, "situations", "practice_need_situation", "situation-*"),
    ({**PERFECT, "situations": ["late_bus"]}, "situations", "practice_unknown_choice", "situation-*"),
    ({**PERFECT, "rights": ["free_lunch"]}, "rights", "practice_unknown_choice", "right-*"),
    ({**PERFECT, "letter": "angry_letter"}, "letter", "practice_unknown_choice", "letter-none"),
    ({**PERFECT, "advocate": ""}, "advocate", "practice_need_advocate", "advocate-*"),
    ({**PERFECT, "advocate": "maybe"}, "advocate", "practice_need_advocate", "advocate-*"),
    ({**PERFECT, "session": "<script>x</script>"}, "session", "session_invalid", "session"),
    ({**PERFECT, "session": "s" * 5000}, "session", "session_invalid", "session"),
]


@pytest.mark.parametrize("sent,field,message,anchor", BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
async def test_bad_input_comes_back_with_a_clear_message_by_the_field_and_stores_nothing(
        client, database, knowledge, sent, field, message, anchor):
    anchor = first(anchor, knowledge)
    response = await client.post("/training/practice/pwn_phone_refusal", data=sent)
    html = await response.text()
    assert response.status == 400
    text = knowledge.message(message) if message.startswith("practice_") else \
        "Please use only letters, numbers, spaces, dots and dashes in the session name. Keep it short: 60 or less."
    assert f'id="{field}-error"><span class="visually-hidden">Error: </span>{unescape(text)}</p>' in unescape(html)
    assert f'aria-describedby="{field}-error"' in html or f'aria-describedby="{field}-hint {field}-error"' in html
    assert 'class="error-summary" tabindex="-1" autofocus' in html
    assert f'<a href="#{anchor}">' in html and f'id="{anchor}"' in html
    assert "<title>Error: " in html and 'class="result"' not in html
    # The volunteer's choices come back as they were.
    wanted = {("situations", s) for s in sent.get("situations", []) if s in knowledge.situations} | \
             {("rights", r) for r in sent.get("rights", []) if r in knowledge.rights} | \
             {(k, sent[k]) for k in ("letter", "advocate") if sent.get(k) in {*knowledge.letters, *knowledge.levels}}
    assert checked(html) == wanted
    assert stored(database) == 0


async def test_every_wrong_part_is_named_at_once(client, database, knowledge):
    html = await (await client.post("/training/practice/pwn_phone_refusal", data={
        "volunteer": "", "situations": ["late_bus"], "rights": ["x"], "letter": "y", "advocate": "z"})).text()
    summary = re.search(r'<section class="error-summary".*?</section>', html, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', summary) == [
        first(a, knowledge) for a in ("volunteer", "situation-*", "right-*", "letter-none", "advocate-*")]
    assert stored(database) == 0


async def test_a_name_with_markup_is_refused_and_never_shown_as_markup(client, database):
    for name in ("<b>Ann</b>", '"><script>alert(1)</script>', "Ann<img src=x onerror=alert(1)>"):
        html = await (await client.post("/training/practice/pwn_phone_refusal",
                                        data={**PERFECT, "volunteer": name})).text()
        assert name not in html and "<script>alert" not in html and "<img src=x" not in html
        assert f'name="volunteer" value="{escape(name)}"' in html  # kept in the box, as text
    assert stored(database) == 0


async def test_a_body_over_64_kb_gets_a_413_page_and_stores_nothing(client, database):
    data = {**PERFECT, "volunteer": "x" * (MAX_BODY + 10)}
    response = await client.post("/training/practice/pwn_phone_refusal", data=data)
    html = await response.text()
    assert response.status == 413 and "That form was too large" in html
    assert_headers(response)
    response = await client.post("/training/practice/pwn_phone_refusal/ask", data={"question": "q" * (MAX_BODY + 1)})
    assert response.status == 413

    async def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(10):
            yield b"volunteer=" + b"y" * 10_000
    response = await client.post("/training/practice/pwn_phone_refusal", data=chunks(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 413
    assert stored(database) == 0


async def test_a_form_that_cannot_be_read_gets_a_kind_page(client, database):
    too_many = "&".join(["rights=fape"] * 400)
    for body, kind in ((too_many, "application/x-www-form-urlencoded"), ("volunteer=Ann", "application/json"),
                       (b"volunteer=\xff\xfe", "application/x-www-form-urlencoded")):
        response = await client.post("/training/practice/pwn_phone_refusal", data=body,
                                     headers={"Content-Type": kind})
        assert response.status == 400 and "We could not read that form" in await response.text()
    assert stored(database) == 0


async def test_an_unknown_story_gets_a_kind_404_page(client, knowledge):
    for method, path in (("GET", "/training/practice/no_such_story"), ("POST", "/training/practice/no_such_story"),
                         ("POST", "/training/practice/no_such_story/ask"), ("GET", "/training/scenarios/no_such_story"),
                         ("GET", "/training/scenarios/no_such_story?format=md"),
                         ("GET", "/training/practice/%3Cb%3Ex%3C%2Fb%3E")):
        response = await client.request(method, path)
        html = await response.text()
        assert response.status == 404, path
        assert knowledge.message("practice_unknown_scenario") in html and 'href="/training"' in html
        assert "<b>x</b>" not in html
        assert_headers(response)


async def test_a_bad_story_file_is_named_on_the_page(tmp_path, database, knowledge):
    folder = write_stories(tmp_path / "broken")
    data = dict(STORIES["reading_stalled"], difficulty="extreme")
    (folder / "reading_stalled.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    app = web.Application()
    add_training(app, demo_site.HEADERS, database_url=database, scenarios_dir=folder, knowledge=knowledge)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/training")
        words = text_of(await response.text())
        assert response.status == 500
        assert "reading_stalled.yml: difficulty: 'extreme' is not one of easy, medium, hard" in words
        data["difficulty"] = "easy"  # fixed: the next request reads the library again
        (folder / "reading_stalled.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
        assert (await client.get("/training")).status == 200


# ------------------------------------------------------------------------------------------------ report


async def test_the_report_shows_each_volunteer_by_situation_and_the_most_missed(client, knowledge):
    rounds = [("Tuesday", PERFECT, "pwn_phone_refusal"),
              ("Tuesday", {"volunteer": "Ben", "situations": ["stalled_progress"], "advocate": "recommended"},
               "reading_stalled"),
              ("Friday", {**PERFECT, "volunteer": "Cy", "letter": "none"}, "pwn_phone_refusal")]
    for session, answer, story in rounds:
        response = await client.post(f"/training/practice/{story}", data={**answer, "session": session})
        assert response.status == 200

    response = await client.get("/training/report")
    html = await response.text()
    assert response.status == 200
    assert_headers(response)
    assert_one_h1(html)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S)]
    stalled = knowledge.situations["stalled_progress"].title.get()
    denied = knowledge.situations["evaluation_denied"].title.get()
    assert f"Ann Lee {denied} 1 100" in rows and f"Ben {stalled} 1 25" in rows and f"Cy {denied} 1 75" in rows
    missed = re.search(r'id="missed-title".*', html, re.S).group(0)
    assert missed.index("Reading has not moved") < missed.index("They said no on the phone")  # weakest first
    assert '<th scope="col">Volunteer</th>' in html

    tuesday = await (await client.get("/training/report?session=Tuesday")).text()
    assert "Ann Lee" in tuesday and "Ben" in tuesday and "Cy" not in text_of(tuesday)
    assert 'href="/training/report.csv?session=Tuesday"' in tuesday

    response = await client.get("/training/report.csv?session=Tuesday")
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="training-report-Tuesday.csv"'
    table = list(csv.reader(io.StringIO(await response.text())))
    assert table[0] == ["volunteer", "situation", "rounds", "average_score"]
    assert ["Ann Lee", "evaluation_denied", "1", "100"] in table and ["Ben", "stalled_progress", "1", "25"] in table
    assert not any(row and row[0] == "Cy" for row in table)
    everyone = await (await client.get("/training/report.csv")).text()
    assert "Cy,evaluation_denied,1,75" in everyone


async def test_an_empty_report_and_a_bad_session_name(client):
    words = text_of(await (await client.get("/training/report")).text())
    assert "No practice results yet." in words and "No story has been missed yet." in words
    html = await (await client.get("/training/report?session=%3Cb%3Ex%3C%2Fb%3E")).text()
    assert "<b>x</b>" not in html and 'href="#session"' in html


# ------------------------------------------------------------------------------------------------ walkthrough


async def test_the_walkthrough_comes_from_the_model_as_html_and_markdown_without_blocking(tmp_path, database,
                                                                                          knowledge):
    app = web.Application()
    add_training(app, demo_site.HEADERS, database_url=database, scenarios_dir=write_stories(tmp_path / "stories"),
                 knowledge=knowledge, model=str(ROOT / "models" / "current.tar.gz"), load_parser=open_nlu)
    async with TestClient(TestServer(app)) as client:
        walking = asyncio.create_task(client.get("/training/scenarios/pwn_phone_refusal"))
        await asyncio.sleep(0.5)  # the model is loading in its own thread: the other pages still answer
        listed = await asyncio.wait_for(client.get("/training"), timeout=5)
        assert listed.status == 200 and not walking.done()
        response = await asyncio.wait_for(walking, timeout=240)
        html = await response.text()
        assert response.status == 200 and response.content_type == "text/html"
        assert_headers(response)
        assert "<h1>They said no on the phone</h1>" in html and STORIES["pwn_phone_refusal"]["opening"] in html
        assert knowledge.rights["prior_written_notice"].citation in html
        style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in response.headers["Content-Security-Policy"]

        markdown = await client.get("/training/scenarios/pwn_phone_refusal?format=md")
        assert markdown.status == 200 and markdown.content_type == "text/markdown"
        assert markdown.headers["Content-Disposition"] == 'attachment; filename="pwn_phone_refusal.md"'
        assert (await markdown.text()).startswith("# They said no on the phone\n")


# ------------------------------------------------------------------------------------------------ the site


async def test_the_demo_site_serves_the_training_pages_and_keeps_its_home_page(tmp_path, monkeypatch):
    monkeypatch.setenv("IEP_SCENARIOS_DIR", str(write_stories(tmp_path / "stories")))
    monkeypatch.setenv("IEP_TRAINING_DATABASE_URL", f"sqlite:///{tmp_path / 'training.db'}")
    async with TestClient(TestServer(demo_site.make_app("http://127.0.0.1:5005"))) as client:
        home = await client.get("/")
        assert home.status == 200 and "form-action 'none'" in home.headers["Content-Security-Policy"]
        assert (await client.get("/health")).status == 200
        assert (await client.get("/training")).status == 200
        response = await client.post("/training/practice/reading_stalled", data={
            "volunteer": "Dee", "situations": ["stalled_progress"], "rights": ["iep_review_revision"],
            "letter": "meeting_request", "advocate": "worth_considering"})
        assert "Your score: 100 out of 100." in text_of(await response.text())
        redirect = await client.get("/training/?session=x", allow_redirects=False)
        assert redirect.status == 302 and redirect.headers["Location"] == "/training?session=x"
    assert (tmp_path / "training.db").exists()


def test_the_pages_words_live_in_the_templates_not_in_python():
    """String constants in bot/training/site.py (docstrings and log lines aside) are ids, paths and
    markup-free keys: no sentence a volunteer reads."""
    tree = ast.parse((ROOT / "bot" / "training" / "site.py").read_text())
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "log":
            skip.update(id(arg) for arg in node.args)
    sentences = [node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                 and re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", node.value) and "'" not in node.value[:1]]
    assert sentences == [], sentences
    assert (ROOT / "templates" / "pages" / "training" / "en" / "practice.html.j2").exists()
