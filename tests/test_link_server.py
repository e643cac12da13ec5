"""The download server, in process, over real HTTP (aiohttp's TestServer/TestClient; no pytest-aiohttp)."""
from __future__ import annotations

import asyncio
import html
import io
from datetime import date, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from docx import Document
from pypdf import PdfReader

from bot.letters.flow import LetterFlow
from bot.letters.link_server import make_app
from bot.letters.service import LetterService
from bot.letters.store import make_engine
from bot.ops.settings import Settings

CONCERN_SENTENCE = "Maya hides under her desk when the fire drill bell rings"
DETAILS = {
    "meeting_reason": "lack_of_progress", "parent_name": "José Nguyễn-Smith", "child_name": "Maya Nguyễn-Smith",
    "grade": "3rd grade", "school": "Lincoln Elementary", "goal_area": "reading fluency",
    "progress_reports": "November and February",
    "concern": f"{CONCERN_SENTENCE}.\n\nHer reading scores have not moved since September.",
    "availability": "Tuesday or Thursday after 3 pm", "recipient": "", "parent_contact": "jose@example.org",
    "urgent": "no",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@pytest.fixture
def service(knowledge, tmp_path) -> LetterService:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cases.db'}", secret_file=str(tmp_path / "id.secret"),
                        link_base_url="http://links.test")
    engine = make_engine(settings.database_url)
    yield LetterService(knowledge, settings, engine)
    engine.dispose()


@pytest.fixture
async def client(service, knowledge):
    async with TestClient(TestServer(make_app(service, knowledge))) as client:
        yield client


def make_letter(service, knowledge, now: datetime):
    """A letter made at `now` (the server checks expiry against the real clock); returns it and its token."""
    request = LetterFlow(knowledge).request("meeting_request", DETAILS, "en", now.date(), 10)
    made = service.make(request, "+15551234567", now)
    return made, made.links.pdf.split("/letters/", 1)[1].split("/", 1)[0]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("suffix", ["pdf", "docx", "txt", "html"])
async def test_fresh_letter_downloads(client, service, knowledge, suffix):
    made, token = make_letter(service, knowledge, datetime.now())
    response = await client.get(f"/letters/{token}/letter.{suffix}")
    assert response.status == 200
    assert response.headers["Content-Type"] == CONTENT_TYPES[suffix]
    filename = f"meeting_request-{made.stored.letter_date.isoformat()}.{suffix}"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = await response.read()
    text = made.stored.text
    if suffix == "pdf":
        assert body.startswith(b"%PDF")
        pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        assert squeeze(pages) == squeeze(text)
    elif suffix == "docx":
        assert "\n\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs) == text
    elif suffix == "txt":
        assert body.decode("utf-8") == text + "\n"
    else:
        page = body.decode("utf-8")
        assert page.startswith("<!DOCTYPE html>") and CONCERN_SENTENCE in page
        assert "Maya Nguyễn-Smith" in page


async def _page(client, path: str, status: int) -> str:
    response = await client.get(path)
    assert response.status == status
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Content-Disposition" not in response.headers
    return await response.text()


async def test_expired_link_is_a_kind_410_page(client, service, knowledge):
    _, token = make_letter(service, knowledge, datetime.now() - timedelta(days=31))
    page = await _page(client, f"/letters/{token}/letter.pdf", 410)
    assert knowledge.message("link_expired") in html.unescape(page)
    assert token not in page and CONCERN_SENTENCE not in page


@pytest.mark.parametrize("accept, language", [
    ("es-US,es;q=0.9,en;q=0.8", "es"), ("es", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"), ("fr-FR,es;q=0.5", "es"),
    ("pt-BR", "en"), ("", "en"), ("es;q=abc,en;q=0.2", "en"), (";;,,=", "en")])
async def test_a_link_page_speaks_the_language_the_phone_asks_for(client, service, knowledge, accept, language):
    _, token = make_letter(service, knowledge, datetime.now() - timedelta(days=31))
    response = await client.get(f"/letters/{token}/letter.pdf", headers={"Accept-Language": accept})
    assert response.status == 410
    page = html.unescape(await response.text())
    assert f'<html lang="{language}">' in page
    assert knowledge.message("link_expired", language) in page
    assert knowledge.message("link_page_title", language) in page
    missing = await client.get("/letters/nothing-here/letter.pdf", headers={"Accept-Language": accept})
    assert knowledge.message("link_unknown", language) in html.unescape(await missing.text())


async def test_wrong_token_is_a_404_page(client, service, knowledge):
    _, token = make_letter(service, knowledge, datetime.now())
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = await _page(client, f"/letters/{wrong}/letter.pdf", 404)
    assert knowledge.message("link_unknown") in html.unescape(page)
    assert wrong not in page and token not in page


async def test_unknown_suffix_is_a_404_page(client, service, knowledge):
    _, token = make_letter(service, knowledge, datetime.now())
    page = await _page(client, f"/letters/{token}/letter.exe", 404)
    assert knowledge.message("link_unknown") in html.unescape(page)
    assert token not in page


@pytest.mark.parametrize("token", ["A" * 5000, "%27%20OR%201%3D1", "%C3%A9" * 30, "%ED%A0%80", "%FF%FE"])
async def test_odd_tokens_are_404_not_500(client, service, knowledge, token):
    make_letter(service, knowledge, datetime.now())
    page = await _page(client, f"/letters/{token}/letter.pdf", 404)
    assert knowledge.message("link_unknown") in html.unescape(page)


async def test_health(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_concurrent_pdfs_do_not_block_the_server(client, service, knowledge):
    made, token = make_letter(service, knowledge, datetime.now())

    async def pdf() -> bytes:
        response = await client.get(f"/letters/{token}/letter.pdf")
        assert response.status == 200
        return await response.read()

    downloads = asyncio.ensure_future(asyncio.gather(*(pdf() for _ in range(10))))
    await asyncio.sleep(0.05)  # the renders are under way in worker threads
    health = await client.get("/health")  # the event loop still answers while they run
    assert health.status == 200
    assert not downloads.done()
    bodies = await downloads
    assert len(bodies) == 10 and all(body.startswith(b"%PDF") for body in bodies)
    first = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bodies[0])).pages)
    assert squeeze(first) == squeeze(made.stored.text)


def test_letter_date_in_filename_is_the_letter_date(service, knowledge):
    made, token = make_letter(service, knowledge, datetime(2026, 3, 2, 23, 59))
    found = service.file(token, "pdf", datetime(2026, 3, 3, 0, 1))
    assert found.filename == "meeting_request-2026-03-02.pdf" and made.stored.letter_date == date(2026, 3, 2)
