"""The case database on a real SQLite file: audit copies, download tokens, hashed conversation ids,
settings from the environment, and no letter text in the logs. No mocks."""
from __future__ import annotations

import hashlib
import json
import logging
import stat
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from bot.letters.flow import LetterFlow
from bot.letters.service import LetterService
from bot.letters.store import DownloadTokenRow, LetterRow, LetterStore, conversation_key, make_engine, sealer_of
from bot.ops.settings import Settings, SettingsError

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456)  # a Monday morning, with microseconds to round-trip
PHONE = "+15551234567"
PARENT = "José Nguyễn-Smith"
CHILD = "Maya Nguyễn-Smith"
CONCERN_SENTENCE = "Maya hides under her desk when the fire drill bell rings"


def meeting_details(**changes: str) -> dict[str, str]:
    details = {
        "meeting_reason": "lack_of_progress", "parent_name": PARENT, "child_name": CHILD, "grade": "3rd grade",
        "school": "Lincoln Elementary", "goal_area": "reading fluency", "progress_reports": "November and February",
        "concern": f"{CONCERN_SENTENCE}.\n\nHer reading scores have not moved since September.",
        "availability": "Tuesday or Thursday after 3 pm", "recipient": "", "parent_contact": "jose@example.org",
        "urgent": "no",
    }
    details.update(changes)
    return details


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'cases.db'}", secret_file=str(tmp_path / "id.secret"),
                    link_base_url="http://links.test")


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> LetterStore:
    return LetterStore(engine)


@pytest.fixture
def service(knowledge, settings, engine) -> LetterService:
    return LetterService(knowledge, settings, engine)


@pytest.fixture
def request_(knowledge):
    return LetterFlow(knowledge).request("meeting_request", meeting_details(), "en", NOW.date(), 10)


def token_of(made) -> str:
    return made.links.pdf.split("/letters/", 1)[1].split("/", 1)[0]


def all_values(engine, table) -> list[object]:
    with engine.connect() as connection:
        return [value for row in connection.execute(select(table)) for value in row]


# --- save / get / mark_sent -------------------------------------------------------------------------


def test_save_stores_exactly_what_was_generated(service, store, engine, request_):
    made = service.make(request_, None, NOW)
    stored = store.get(made.stored.id)
    assert stored == made.stored
    assert stored.letter == "meeting_request" and stored.language == "en"
    assert dict(stored.details) == dict(request_.details)
    assert stored.details["parent_name"] == PARENT
    assert stored.text == made.rendered.text and PARENT in stored.text and CONCERN_SENTENCE in stored.text
    assert stored.letter_date == request_.letter_date and stored.respond_by == request_.respond_by
    assert stored.created_at == NOW and stored.sent_on is None and stored.conversation_key is None
    # Details and text are sealed at rest: the database file holds no name. Opened, the JSON keeps non-ASCII
    # as written (not \u escapes) and round-trips exactly.
    with engine.connect() as connection:
        raw_fields, raw_text = connection.execute(select(LetterRow.fields, LetterRow.text)).one()
    assert PARENT not in raw_fields and CHILD not in raw_text and "Lincoln" not in raw_fields + raw_text
    opened = sealer_of(engine).open_text(raw_fields)
    assert PARENT in opened and json.loads(opened) == dict(request_.details)
    assert sealer_of(engine).open_text(raw_text) == made.rendered.text


def test_a_spanish_speaking_parents_letter_is_stored_and_served_with_both_texts(service, store, knowledge):
    """The audit copy is both letters as generated; every download link serves the two of them in one file."""
    import io

    from docx import Document

    request = LetterFlow(knowledge).request("meeting_request", meeting_details(), "es", NOW.date(), 10)
    made = service.make(request, PHONE, NOW)
    assert made.rendered.copy is not None and made.rendered.school.language == "en"
    stored = store.get(made.stored.id)
    assert stored.language == "es" and stored.text == made.rendered.text
    assert made.rendered.school.text in stored.text and made.rendered.copy.text in stored.text
    assert stored.text.index("Subject: ") < stored.text.index("Traducción para usted")
    token = token_of(made)
    text = service.file(token, "text", NOW)
    assert text.status == "ok" and text.body.decode("utf-8") == made.rendered.text + "\n"
    docx = service.file(token, "docx", NOW)
    paragraphs = [p.text for p in Document(io.BytesIO(docx.body)).paragraphs]
    assert paragraphs == [*made.rendered.school.paragraphs, *made.rendered.copy.paragraphs]


def test_save_and_get_directly(store):
    details = {"parent_name": PARENT, "concern": "Línea uno\n\n— ümlaut, 中文, emoji-free"}
    saved = store.save(conversation_key="k" * 64, letter="follow_up", language="es", details=details,
                       text="Subject: Seguimiento\n\nHola", letter_date=date(2026, 3, 2),
                       respond_by=date(2026, 3, 16), now=NOW)
    got = store.get(saved.id)
    assert got == saved
    assert (got.conversation_key, got.letter, got.language) == ("k" * 64, "follow_up", "es")
    assert dict(got.details) == details and got.text == "Subject: Seguimiento\n\nHola"
    assert (got.letter_date, got.respond_by, got.created_at) == (date(2026, 3, 2), date(2026, 3, 16), NOW)


def test_get_unknown_id_is_none(store):
    assert store.get(12345) is None


def test_mark_sent_records_the_date(service, store, request_):
    made = service.make(request_, None, NOW)
    marked = store.mark_sent(made.stored.id, date(2026, 3, 3))
    assert marked.sent_on == date(2026, 3, 3)
    assert store.get(made.stored.id).sent_on == date(2026, 3, 3)
    assert store.get(made.stored.id).text == made.stored.text  # nothing else changes


def test_mark_sent_unknown_id_is_none(store):
    assert store.mark_sent(999, date(2026, 3, 3)) is None


# --- tokens -----------------------------------------------------------------------------------------


def test_tokens_are_long_url_safe_and_different(service, request_):
    first, second = token_of(service.make(request_, None, NOW)), token_of(service.make(request_, None, NOW))
    for token in (first, second):
        assert len(token) >= 40
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert first != second


def test_links_point_at_the_token(service, request_):
    made = service.make(request_, None, NOW)
    token = token_of(made)
    assert made.links.pdf == f"http://links.test/letters/{token}/letter.pdf"
    assert made.links.docx == f"http://links.test/letters/{token}/letter.docx"
    assert made.links.expires == (NOW + timedelta(days=30)).date()


def test_only_the_token_hash_is_stored(service, engine, request_):
    token = token_of(service.make(request_, None, NOW))
    with engine.connect() as connection:
        hashes = connection.execute(select(DownloadTokenRow.token_hash)).scalars().all()
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    for table in (DownloadTokenRow.__table__, LetterRow.__table__):
        assert not any(token in str(value) for value in all_values(engine, table))


def test_by_token_ok_until_expiry_then_expired(service, store, request_):
    made = service.make(request_, None, NOW)
    token = token_of(made)
    found = store.by_token(token, NOW)
    assert found.status == "ok" and found.letter == made.stored
    assert store.by_token(token, NOW + timedelta(days=30) - timedelta(microseconds=1)).status == "ok"
    for later in (timedelta(days=30), timedelta(days=30, seconds=1), timedelta(days=400)):
        found = store.by_token(token, NOW + later)
        assert found.status == "expired" and found.letter is None


def test_custom_link_days(knowledge, settings, engine, request_):
    short = LetterService(knowledge, replace(settings, link_days=7), engine)
    made = short.make(request_, None, NOW)
    token = token_of(made)
    assert made.links.expires == date(2026, 3, 9)
    assert short.store.by_token(token, NOW + timedelta(days=6, hours=23)).status == "ok"
    assert short.store.by_token(token, NOW + timedelta(days=7)).status == "expired"


@pytest.mark.parametrize("wrong", ["", "x", "A" * 43, "A" * 5000, "' OR 1=1 --", "%00", "\u00e9" * 60])
def test_wrong_tokens_are_unknown(service, store, request_, wrong):
    service.make(request_, None, NOW)
    found = store.by_token(wrong, NOW)
    assert found.status == "unknown" and found.letter is None


def test_a_token_only_opens_its_own_letter(service, store, knowledge, request_):
    mine = service.make(request_, None, NOW)
    other_request = LetterFlow(knowledge).request("meeting_request", meeting_details(child_name="Other Child"),
                                                  "en", NOW.date(), 10)
    other = service.make(other_request, None, NOW)
    assert store.by_token(token_of(other), NOW).letter.id == other.stored.id != mine.stored.id
    assert store.by_token(token_of(mine), NOW).letter.id == mine.stored.id
    assert store.by_token(token_of(mine).swapcase(), NOW).status == "unknown"


def test_deleting_a_letter_deletes_its_tokens(service, store, engine, request_):
    keep = service.make(request_, None, NOW)
    gone = service.make(request_, None, NOW)
    store.issue_token(gone.stored.id, NOW, 30)  # a second link to the same letter
    with engine.begin() as connection:
        connection.execute(delete(LetterRow.__table__).where(LetterRow.id == gone.stored.id))
    with engine.connect() as connection:
        count = lambda letter_id: connection.execute(  # noqa: E731
            select(func.count()).select_from(DownloadTokenRow.__table__)
            .where(DownloadTokenRow.letter_id == letter_id)).scalar_one()
        assert count(gone.stored.id) == 0
        assert count(keep.stored.id) == 1
    assert store.by_token(token_of(gone), NOW).status == "unknown"
    assert store.by_token(token_of(keep), NOW).status == "ok"


# --- conversation ids -------------------------------------------------------------------------------


def test_conversation_key_is_a_stable_hmac():
    key = conversation_key(PHONE, b"secret-one")
    assert key == conversation_key(PHONE, b"secret-one")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != conversation_key(PHONE, b"secret-two")
    assert key != conversation_key("+15551234568", b"secret-one")
    assert key != hashlib.sha256(PHONE.encode()).hexdigest()  # keyed, so a phone list cannot be hashed to match


def test_conversation_id_is_never_stored(service, engine, settings, request_):
    made = service.make(request_, PHONE, NOW)
    assert made.stored.conversation_key == conversation_key(PHONE, settings.id_secret())
    assert service.make(request_, PHONE, NOW).stored.conversation_key == made.stored.conversation_key
    for table in (LetterRow.__table__, DownloadTokenRow.__table__):
        for value in all_values(engine, table):
            assert PHONE not in str(value) and PHONE.lstrip("+") not in str(value)


# --- settings ---------------------------------------------------------------------------------------


def test_settings_defaults():
    assert Settings.from_env({}) == Settings()
    s = Settings()
    assert (s.link_days, s.response_school_days) == (30, 10)
    assert s.database_url == "sqlite:///var/cases.db" and s.link_base_url == "http://127.0.0.1:5056"


def test_settings_from_env_reads_every_variable():
    s = Settings.from_env({"DATABASE_URL": "sqlite:////tmp/x.db", "LINK_BASE_URL": "https://links.example.org/",
                           "IEP_LINK_DAYS": "7", "IEP_RESPONSE_SCHOOL_DAYS": "15", "IEP_SECRET_FILE": "/tmp/s"})
    assert s == Settings(database_url="sqlite:////tmp/x.db", link_base_url="https://links.example.org",
                         link_days=7, response_school_days=15, secret_file="/tmp/s")
    assert Settings.from_env({"IEP_LINK_DAYS": "", "IEP_RESPONSE_SCHOOL_DAYS": ""}) == Settings()
    assert Settings.from_env({"IEP_LINK_DAYS": "365", "IEP_RESPONSE_SCHOOL_DAYS": "1"}).link_days == 365


@pytest.mark.parametrize("name", ["IEP_LINK_DAYS", "IEP_RESPONSE_SCHOOL_DAYS"])
@pytest.mark.parametrize("bad", ["abc", "0", "999", "-3", "2.5"])
def test_bad_settings_name_the_variable(name, bad):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: bad})


def test_id_secret_is_made_once_and_private(tmp_path):
    path = tmp_path / "deep" / "id.secret"
    settings = Settings(secret_file=str(path))
    first = settings.id_secret({})
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    written = path.read_bytes()
    assert settings.id_secret({}) == first and path.read_bytes() == written
    assert Settings(secret_file=str(tmp_path / "other.secret")).id_secret({}) != first


def test_id_secret_from_the_environment_wins(tmp_path):
    path = tmp_path / "id.secret"
    settings = Settings(secret_file=str(path))
    assert settings.id_secret({"IEP_ID_SECRET": "from-env"}) == b"from-env"
    assert not path.exists()


# --- logs -------------------------------------------------------------------------------------------


def test_no_letter_text_in_logs(service, request_, caplog):
    service.files.render(service.writer.render(request_), "pdf")  # import WeasyPrint and friends first
    caplog.set_level(logging.DEBUG)
    # Every logger the letter path can reach, at DEBUG. SQLAlchemy's own loggers keep their level: at
    # INFO they are `echo=True`, which prints every SQL parameter by design (see the report).
    for name in list(logging.root.manager.loggerDict):
        if not name.startswith("sqlalchemy"):
            caplog.set_level(logging.DEBUG, logger=name)
    caplog.clear()
    made = service.make(request_, PHONE, NOW)
    token = token_of(made)
    files = [service.file(token, fmt, NOW) for fmt in ("text", "html", "docx", "pdf")]
    assert all(f.status == "ok" for f in files)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (CONCERN_SENTENCE, CHILD, PARENT, "Nguyễn", PHONE, token, made.rendered.subject):
        assert secret not in logged
