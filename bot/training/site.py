"""The /training pages of the demo site: volunteers practise with the scenario library and are scored;
the coordinator picks a set of stories for a session and reads the results.

    GET  /training                        the stories, filtered by tag, difficulty and situation (?session=)
    GET  /training/scenarios/{id}         the annotated walkthrough as HTML (?format=md: Markdown download)
    GET  /training/practice/{id}          the parent's opening, a question box and the answer form
    POST /training/practice/{id}/ask      the same page with the parent's answer to the question
    POST /training/practice/{id}          the scored answer, stored for the coordinator
    GET  /training/report                 each volunteer's average by situation; the most-missed stories
    GET  /training/report.csv             the same as CSV

Plain HTML forms, no script. Every word on the pages comes from templates/pages/training/<language>/
and from the practice messages of the knowledge base; this module only decides what to show.
The scoring, storage and walkthrough are the core's (bot/training/practice.py, bot/training/store.py,
bot/training/walkthrough.py). Blocking work (files, the database, the model) runs in worker threads; the
trained model is loaded only when a walkthrough is first asked for, in a thread of its own.

Configuration: IEP_TRAINING_DATABASE_URL (Settings), IEP_SCENARIOS_DIR (default data/scenarios),
IEP_MODEL (default models/current.tar.gz).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from urllib.parse import parse_qsl, quote, urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.knowledge import Knowledge, load_knowledge
from bot.training.practice import PARTS, Answer, AnswerError, ask, read_answer, score, volunteer_name
from bot.training.scenarios import DIFFICULTIES, SCENARIOS_DIR, Scenario, ScenarioError, load_scenarios, pick

if TYPE_CHECKING:  # the walkthrough module is loaded only when a walkthrough is asked for
    from bot.training.walkthrough import Parser

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pages" / "training"
LANGUAGE = "en"  # one folder of templates per language; English for now
MAX_BODY = 64 * 1024  # a larger form is refused with a 413 page
MAX_FIELDS = 300  # form fields in one request (19 situations, 35 rights, the questions asked, ...)
MAX_QUESTION = 300  # characters in one question to the parent
MAX_QUESTIONS = 20  # questions kept on the page; older ones drop off
MAX_SESSION = 60  # the store's column
# The rights, grouped for the answer form by their section of the fact sheet (shared/idea-facts.md).
# The groups' names are in the templates (words.html.j2, right_groups); a right in no group goes to "other".
RIGHT_GROUPS = (
    ("plan", ("1", "2", "3", "4", "5", "11", "13")),
    ("evaluation", ("7", "8", "9", "10")),
    ("notice", ("6", "22", "23")),
    ("placement", ("12", "14", "15", "16")),
    ("disputes", ("17", "18", "19", "18-20", "20", "21", "25")),
    ("section_504", ("24",)),
)
# What an answer part is replaced with once it has been found wrong, so the rest is checked too.
_STAND_INS: dict[str, Callable[[Knowledge], object]] = {
    "situations": lambda k: [next(iter(k.situations))],
    "rights": lambda k: [],
    "letter": lambda k: "none",
    "advocate": lambda k: next(iter(k.levels)),
}
_FORM_ORDER = ("question", "volunteer", "session", "situations", "rights", "letter", "advocate")


class _Refused(Exception):
    """A request whose body cannot be used: answered with the problem page `problem` and `status`."""

    def __init__(self, status: int, problem: str):
        super().__init__(problem)
        self.status, self.problem = status, problem


@dataclass
class PracticeForm:
    """What the volunteer sent (or nothing yet): kept as typed, so a form that comes back keeps it."""

    volunteer: str = ""
    session: str = ""
    question: str = ""
    asked: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    rights: tuple[str, ...] = ()
    letter: str = ""
    advocate: str = ""

    @classmethod
    def read(cls, pairs: Sequence[tuple[str, str]]) -> "PracticeForm":
        def one(name: str) -> str:
            return next((v for k, v in pairs if k == name), "")

        def many(name: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for k, v in pairs if k == name and v.strip()))

        asked = tuple(q[:MAX_QUESTION] for q in (v.strip() for k, v in pairs if k == "asked") if q)
        return cls(volunteer=one("volunteer"), session=one("session").strip(), question=one("question").strip(),
                   asked=asked[-MAX_QUESTIONS:], situations=many("situations"), rights=many("rights"),
                   letter=one("letter").strip(), advocate=one("advocate").strip())

    def answer_fields(self) -> dict[str, object]:
        return {"situations": list(self.situations), "rights": list(self.rights), "letter": self.letter,
                "advocate": self.advocate}


class _Model:
    """The trained model, loaded on first use and used from one thread of its own: RasaNLU keeps an
    event loop of its own, which must never run twice at once, nor on the site's loop."""

    def __init__(self, path: str | None, load: Callable[[str | None], Parser] | None):
        self.path, self._load = path, load
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training-model")
        self._nlu: Parser | None = None

    def _parse(self, text: str) -> dict[str, Any]:
        if self._nlu is None:
            if self._load is None:  # started without the model: the page says so, as for a missing file
                raise FileNotFoundError(self.path)
            self._nlu = self._load(self.path)
        return self._nlu.parse(text)

    async def parse(self, text: str) -> dict[str, Any]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._parse, text)

    async def close(self) -> None:
        def close() -> None:
            if self._nlu is not None:
                self._nlu.close()
                self._nlu = None

        await asyncio.get_running_loop().run_in_executor(self._thread, close)
        self._thread.shutdown(wait=False)


class Training:
    """The pages' handlers, with what they load once: knowledge, scenarios, the store and the model."""

    def __init__(self, headers: Mapping[str, str], database_url: str | None = None,
                 scenarios_dir: Path | str | None = None, model: str | None = None,
                 knowledge: Knowledge | None = None, clock: Callable[[], datetime] = datetime.now,
                 load_parser: Callable[[str | None], Parser] | None = None):
        self.headers = dict(headers)
        self.database_url = database_url
        self.folder = Path(scenarios_dir or os.environ.get("IEP_SCENARIOS_DIR") or SCENARIOS_DIR)
        self.clock = clock
        self.pages = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                 undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self._knowledge = knowledge
        self._scenarios: list[Scenario] | None = None
        self._signature: object = None
        self._store: Any = None
        self._model = _Model(model, load_parser)
        self._walks: dict[Scenario, tuple[str, str]] = {}

    # ---------------------------------------------------------------------------------------- loading

    async def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = await asyncio.to_thread(load_knowledge)
        return self._knowledge

    async def scenarios(self) -> list[Scenario]:
        """The library, read again when a file in it changes. Raises ScenarioError for a bad file."""
        k = await self.knowledge()
        signature = await asyncio.to_thread(_signature, self.folder)
        if self._scenarios is None or signature != self._signature:
            self._scenarios = None
            self._scenarios = await asyncio.to_thread(load_scenarios, k, self.folder)
            self._signature = signature
        return self._scenarios

    async def store(self) -> Any:
        if self._store is None:
            from bot.ops.settings import Settings
            from bot.training.store import TrainingStore, training_engine

            url = self.database_url or Settings.from_env().training_database_url
            self._store = await asyncio.to_thread(lambda: TrainingStore(training_engine(url)))
        return self._store

    async def close(self, _: web.Application | None = None) -> None:
        await self._model.close()
        if self._store is not None:
            self._store.engine.dispose()

    # ---------------------------------------------------------------------------------------- responses

    def words(self, language: str) -> Any:
        """The words Python needs to pick (error texts, group names): top-level sets of words.html.j2."""
        return self.pages.get_template(f"{language}/words.html.j2").module

    def page(self, name: str, status: int = 200, language: str = LANGUAGE, **context: object) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        html = self.pages.get_template(f"{language}/{name}.html.j2").render(
            nonce=nonce, language=language, **context)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8",
                            headers=self._headers(f"'nonce-{nonce}'"))

    def _headers(self, style: str) -> dict[str, str]:
        policy = "; ".join(["default-src 'none'", f"style-src {style}", "img-src 'self' data:",
                            "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"])
        return dict(self.headers, **{"Content-Security-Policy": policy, "Cache-Control": "no-store"})

    def download(self, text: str, content_type: str, filename: str) -> web.Response:
        headers = dict(self._headers("'none'"), **{"Content-Disposition": f'attachment; filename="{filename}"'})
        return web.Response(text=text, content_type=content_type, charset="utf-8", headers=headers)

    async def problem(self, problem: str, status: int, detail: str = "", session: str = "") -> web.Response:
        k = await self.knowledge()
        unknown = k.message("practice_unknown_scenario", LANGUAGE)
        return self.page("problem", status, problem=problem, detail=detail, unknown_scenario=unknown,
                         session=session, links=_links(session))

    async def _scenario(self, request: web.Request) -> Scenario | web.Response:
        """The scenario the path names, or the page that says what is wrong."""
        session = _clean_session(request.query.get("session", ""))
        try:
            scenarios = await self.scenarios()
        except ScenarioError as err:
            log.error("training: the scenario library cannot be loaded: %s", err)
            return await self.problem("library", 500, str(err), session)
        found = next((s for s in scenarios if s.id == request.match_info["id"]), None)
        return found if found is not None else await self.problem("not_found", 404, session=session)

    async def _posted(self, request: web.Request) -> tuple[Scenario, "PracticeForm"] | web.Response:
        """A practice form posted for the scenario the path names, or the page that says what is wrong."""
        try:
            pairs = await _read_form(request)
        except _Refused as refused:
            return await self.problem(refused.problem, refused.status)
        found = await self._scenario(request)
        if isinstance(found, web.Response):
            return found
        return found, PracticeForm.read(pairs)

    # ---------------------------------------------------------------------------------------- handlers

    async def index(self, request: web.Request) -> web.Response:
        k, language = await self.knowledge(), LANGUAGE
        words = self.words(language)
        query = request.query
        chosen = {"session": query.get("session", "").strip(), "tag": query.get("tag", "").strip().lower(),
                  "difficulty": query.get("difficulty", "").strip(), "situation": query.get("situation", "").strip()}
        try:
            scenarios = await self.scenarios()
        except ScenarioError as err:
            log.error("training: the scenario library cannot be loaded: %s", err)
            return await self.problem("library", 500, str(err))
        tags = sorted({t for s in scenarios for t in s.tags})
        errors: dict[str, str] = {}
        if _session_problem(chosen["session"]):
            errors["session"] = words.errors[_session_problem(chosen["session"])]
        for name, allowed in (("tag", tags), ("difficulty", DIFFICULTIES), ("situation", list(k.situations))):
            if chosen[name] and chosen[name] not in allowed:
                errors[name] = k.message("practice_unknown_choice", language)
        session = "" if "session" in errors else chosen["session"]
        shown = pick(scenarios, [chosen["tag"]] if chosen["tag"] and "tag" not in errors else (),
                     chosen["difficulty"] if chosen["difficulty"] and "difficulty" not in errors else None,
                     chosen["situation"] if chosen["situation"] and "situation" not in errors else None)
        stories = [{"id": s.id, "title": s.title, "difficulty": s.difficulty, "who": s.who, "tags": s.tags,
                    "situations": [k.situations[x].title.get(language) for x in s.key.situations],
                    "practice": _url(f"/training/practice/{s.id}", session=session),
                    "walkthrough": _url(f"/training/scenarios/{s.id}", session=session),
                    "markdown": _url(f"/training/scenarios/{s.id}", format="md")} for s in shown]
        situations = [(sid, k.situations[sid].title.get(language)) for sid in k.situations
                      if any(sid in s.key.situations for s in scenarios)]
        return self.page("index", chosen=chosen, errors=_ordered(errors, ("session", "tag", "difficulty", "situation")),
                         stories=stories, total=len(scenarios), tags=tags, difficulties=DIFFICULTIES,
                         situations=situations, session=session, links=_links(session))

    async def practice(self, request: web.Request) -> web.Response:
        found = await self._scenario(request)
        if isinstance(found, web.Response):
            return found
        session = _clean_session(request.query.get("session", ""))
        return await self._practice_page(found, PracticeForm(session=session))

    async def ask_parent(self, request: web.Request) -> web.Response:
        posted = await self._posted(request)
        if isinstance(posted, web.Response):
            return posted
        found, form = posted
        words = self.words(LANGUAGE)
        errors: dict[str, str] = {}
        if not form.question:
            errors["question"] = words.errors["question_missing"]
        elif len(form.question) > MAX_QUESTION:
            errors["question"] = words.errors["question_too_long"]
        if _session_problem(form.session):
            errors["session"] = words.errors[_session_problem(form.session)]
        if errors:
            return await self._practice_page(found, form, errors, status=400)
        form = replace(form, asked=(*form.asked, form.question)[-MAX_QUESTIONS:], question="")
        return await self._practice_page(found, form, just_asked=True)

    async def check(self, request: web.Request) -> web.Response:
        posted = await self._posted(request)
        if isinstance(posted, web.Response):
            return posted
        found, form = posted
        k, language = await self.knowledge(), LANGUAGE
        errors: dict[str, str] = {}
        try:
            name = volunteer_name(form.volunteer)
        except AnswerError as err:
            errors["volunteer"] = k.message(err.message_key, language)
        answer, problems = _check_answer(form.answer_fields(), k)
        errors.update({part: k.message(key, language) for part, key in problems.items()})
        if _session_problem(form.session):
            errors["session"] = self.words(language).errors[_session_problem(form.session)]
        if errors or answer is None:
            return await self._practice_page(found, form, errors, status=400)
        scored = score(found, answer, k, language)
        store = await self.store()
        await asyncio.to_thread(store.record, name, found, answer, scored, self.clock(), form.session)
        return await self._practice_page(found, form, scored=scored)

    async def _practice_page(self, scenario: Scenario, form: PracticeForm, errors: Mapping[str, str] | None = None,
                             status: int = 200, just_asked: bool = False, scored: Any = None) -> web.Response:
        k, language = await self.knowledge(), LANGUAGE
        words = self.words(language)
        no_fact = k.message("practice_no_fact", language)
        transcript = [(q, (fact.answer if (fact := ask(scenario, q)) else no_fact)) for q in form.asked]
        session = "" if _session_problem(form.session) else form.session
        result = None
        if scored is not None:
            points = [line for line in scored.feedback[1:] if not line.startswith("•")]
            mistakes_intro = k.message("practice_mistakes", language)
            result = {"total": scored.total, "headline": scored.feedback[0], "parts": dict(scored.parts),
                      "points": [p for p in points if p != mistakes_intro], "mistakes_intro": mistakes_intro,
                      "mistakes": [line.lstrip("• ").strip() for line in scored.feedback if line.startswith("•")],
                      "saved": k.message("practice_cli_saved", language)}
        groups: dict[str, list[str]] = {name: [] for name, _ in RIGHT_GROUPS}
        for key, right in k.rights.items():
            group = next((name for name, sections in RIGHT_GROUPS if right.section in sections), "other")
            groups.setdefault(group, []).append(key)
        return self.page(
            "practice", status, scenario=scenario, form=form, transcript=transcript, just_asked=just_asked,
            errors=_ordered(errors or {}, _FORM_ORDER), result=result, parts=PARTS,
            situations=[(sid, k.situations[sid].title.get(language)) for sid in k.situations],
            right_groups=[(g, [(r, k.rights[r].name.get(language), k.rights[r].citation) for r in keys])
                          for g, keys in groups.items() if keys],
            letters=[(lid, k.letters[lid].name.get(language)) for lid in k.letters],
            levels=[(lid, text.get(language)) for lid, text in k.levels.items()],
            group_names=words.right_groups, session=session, links=_links(session),
            check_url=f"/training/practice/{scenario.id}", ask_url=f"/training/practice/{scenario.id}/ask",
            again_url=_url(f"/training/practice/{scenario.id}", session=session),
            walkthrough_url=_url(f"/training/scenarios/{scenario.id}", session=session))

    async def walkthrough(self, request: web.Request) -> web.Response:
        found = await self._scenario(request)
        if isinstance(found, web.Response):
            return found
        session = _clean_session(request.query.get("session", ""))
        try:
            html, markdown = await self._walk(found)
        except Exception as err:  # noqa: BLE001 - no model, or one that cannot load: a page that says so
            log.exception("training: no walkthrough for %s", found.id)
            return await self.problem("model", 503, str(err), session)
        if request.query.get("format") == "md":
            return self.download(markdown, "text/markdown", f"{found.id}.md")
        style = re.search(r"<style[^>]*>(.*?)</style>", html, re.S)
        source = f"'sha256-{base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()}'" \
            if style else "'none'"
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers=self._headers(source))

    async def _walk(self, scenario: Scenario) -> tuple[str, str]:
        """The walkthrough as HTML and Markdown, made once per version of the scenario."""
        if scenario not in self._walks:
            from bot.training.walkthrough import to_html, to_markdown, walk

            k = await self.knowledge()
            parse = await self._model.parse(scenario.opening)

            def render() -> tuple[str, str]:
                made = walk(scenario, parse, k, LANGUAGE)
                return to_html(made, k, LANGUAGE), to_markdown(made, k, LANGUAGE)

            rendered = await asyncio.to_thread(render)
            if len(self._walks) > 500:
                self._walks.clear()
            self._walks[scenario] = rendered
        return self._walks[scenario]

    async def report(self, request: web.Request) -> web.Response:
        k, language = await self.knowledge(), LANGUAGE
        raw = request.query.get("session", "").strip()
        errors: dict[str, str] = {}
        if _session_problem(raw):
            errors["session"] = self.words(language).errors[_session_problem(raw)]
        session = "" if errors else raw
        store = await self.store()
        report = await asyncio.to_thread(store.report, session or None)
        try:
            titles = {s.id: s.title for s in await self.scenarios()}
        except ScenarioError:
            titles = {}
        situation = lambda sid: k.situations[sid].title.get(language) if sid in k.situations else sid  # noqa: E731
        rows = [{"volunteer": r.volunteer, "situation": situation(r.situation), "rounds": r.rounds,
                 "average": round(r.average)} for r in report.by_situation]
        missed = [{"id": sid, "title": titles.get(sid, sid), "rounds": rounds, "average": round(average),
                   "walkthrough": _url(f"/training/scenarios/{sid}", session=session) if sid in titles else ""}
                  for sid, rounds, average in report.most_missed]
        return self.page("report", raw=raw, session=session, errors=errors, rows=rows, missed=missed,
                         csv_url=_url("/training/report.csv", session=session), links=_links(session))

    async def report_csv(self, request: web.Request) -> web.Response:
        session = _clean_session(request.query.get("session", ""))
        store = await self.store()
        report = await asyncio.to_thread(store.report, session or None)
        name = f"training-report-{session}.csv" if session and re.fullmatch(r"[\w.\-]+", session, re.A) \
            else "training-report.csv"
        return self.download(report.csv(), "text/csv", name)

    async def slash(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(_url("/training", **dict(request.query)))


def add_training(app: web.Application, headers: Mapping[str, str], **options: Any) -> Training:
    """Mounts the /training pages on `app` (the demo site). `options` go to Training (tests set the
    database URL, the scenario folder and the model there)."""
    training = Training(headers, **options)
    app.add_routes([
        web.get("/training", training.index),
        web.get("/training/", training.slash),
        web.get("/training/report", training.report),
        web.get("/training/report.csv", training.report_csv),
        web.get("/training/scenarios/{id}", training.walkthrough),
        web.get("/training/practice/{id}", training.practice),
        web.post("/training/practice/{id}", training.check),
        web.post("/training/practice/{id}/ask", training.ask_parent),
    ])
    app.on_cleanup.append(training.close)
    return training


# -------------------------------------------------------------------------------------------- helpers


async def _read_form(request: web.Request) -> list[tuple[str, str]]:
    """The url-encoded form in the body, read no further than MAX_BODY bytes."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise _Refused(413, "too_large")
    body = bytearray()
    while chunk := await request.content.read(16 * 1024):
        body += chunk
        if len(body) > MAX_BODY:
            raise _Refused(413, "too_large")
    if body and request.content_type != "application/x-www-form-urlencoded":
        raise _Refused(400, "bad_form")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "bad_form") from None


def _check_answer(raw: Mapping[str, object], k: Knowledge) -> tuple[Answer | None, dict[str, str]]:
    """The answer, or each part that is wrong with its message key (the core reports one at a time:
    a wrong part is replaced with a stand-in and the answer read again)."""
    raw, problems = dict(raw), {}
    for _ in range(len(_STAND_INS) + 1):
        try:
            answer = read_answer(raw, k)
        except AnswerError as err:
            if err.field in problems or err.field not in _STAND_INS:
                problems.setdefault(err.field, err.message_key)
                break
            problems[err.field] = err.message_key
            raw[err.field] = _STAND_INS[err.field](k)
            continue
        return (None if problems else answer), problems
    return None, problems


def _session_problem(raw: str) -> str | None:
    """None for an empty or plain session name, else the key of its error text in words.html.j2."""
    if not raw:
        return None
    if len(raw) > MAX_SESSION:
        return "session_invalid"
    try:
        volunteer_name(raw)  # the same plain words as a name: no markup
    except AnswerError:
        return "session_invalid"
    return None


def _clean_session(raw: str) -> str:
    raw = raw.strip()
    return "" if _session_problem(raw) else raw


def _url(path: str, **query: str) -> str:
    kept = {k: v for k, v in query.items() if v}
    return f"{quote(path)}?{urlencode(kept)}" if kept else quote(path)


def _links(session: str) -> dict[str, str]:
    return {"home": _url("/training", session=session), "report": _url("/training/report", session=session)}


def _ordered(errors: Mapping[str, str], order: Sequence[str]) -> dict[str, str]:
    return {name: errors[name] for name in (*order, *errors) if name in errors}


def _signature(folder: Path) -> object:
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.yml")))
    except OSError:
        return None
