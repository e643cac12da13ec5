"""The chat widget in a real browser (Debian's Chromium, headless), on the demo site, against the whole
stack: a parent has a conversation by keyboard alone, from the greeting to a downloaded letter; the
conversation survives a reload; axe-core finds no WCAG 2.2 A/AA problems; the panel reflows at 320 px
and at 200% zoom; a message that is too long stays in the box.

Needs the trained model (make train) and scripts/browser_deps.sh (Chromium and axe-core). Slow-ish.
Screenshots go to results/screenshots/.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.stack import ROOT, Stack, running

CHROMIUM = os.environ.get("IEP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "results" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
REPLY_TIMEOUT_MS = 120_000

OPENING = ("Hi. My daughter is 8 and has an IEP for dyslexia. Her reading has not improved all year and the "
           "school keeps saying to wait. I'd like to ask for a meeting.")
# What a parent types for each question of the meeting request (matched on the question's words, in order).
ANSWERS = [
    ("full name", "Maria Lopez"),
    ("name of your child's school", "Lincoln Elementary"),
    ("child's name", "Sofia Lopez"),
    ("what grade", "3rd grade"),
    ("worries you", "Sofia's reading scores have not changed since September. Her teacher keeps saying to wait, "
                    "but she is falling further behind her class."),
    ("which goals", "Reading fluency and decoding"),
    ("progress reports", "The ones from November and January"),
    ("days and times", "Weekday mornings, or Tuesday after 3 pm"),
    ("new information", "Reading logs from home and notes from her tutor"),
    ("phone number or email", "maria.lopez@example.org"),
]
# Questions a parent answers with one of the offered quick replies (question words, the button's title).
CHOICES = [
    ("who should the letter go to", "skip"),
    ("is this urgent", "no"),
    ("main reason", "progress"),
    ("please check it", "make the letter"),
]

# ------------------------------------------------------------------------------------------------ fixtures


def axe_script() -> Path:
    """axe.min.js as scripts/browser_deps.sh installs it (IEP_AXE_JS overrides)."""
    if os.environ.get("IEP_AXE_JS"):
        return Path(os.environ["IEP_AXE_JS"])
    version = re.search(r'AXE_VERSION="\$\{IEP_AXE_VERSION:-([0-9.]+)\}"',
                        (ROOT / "scripts" / "browser_deps.sh").read_text()).group(1)
    cache = Path(os.environ.get("IEP_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                 / "iep-navigator")
    return cache / "npm" / f"axe-core-{version}" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running(Stack(tmp_path_factory.mktemp("browser")), "actions", "rasa", "links", "site") as made:
        yield made


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/browser_deps.sh")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def saved() -> dict:
    """What the keyboard conversation leaves for later tests: the browser storage holding its token."""
    return {}


class Problems:
    """Script errors and console errors (a CSP refusal shows up here) seen on a page."""

    def __init__(self, page: Page):
        self.seen: list[str] = []
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))
        page.on("console", lambda message: self.seen.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning") else None)
        page.on("response", lambda response: self.seen.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 else None)


def new_page(browser: Browser, width: int, height: int, **options) -> tuple[BrowserContext, Page, Problems]:
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page, Problems(page)


# ------------------------------------------------------------------------------------------------ helpers


def widget_ready(page: Page) -> None:
    page.wait_for_selector("#iepn-root:not([hidden]) .iepn-launcher", state="visible")


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {id: e && e.id, tag: e && e.tagName, cls: (e && e.className && String(e.className)) || '',
                text: ((e && e.textContent) || '').trim(), label: (e && e.getAttribute('aria-label')) || ''}; }""")


def tab_to(page: Page, matches, key: str = "Tab", limit: int = 80) -> dict:
    """Presses Tab (or Shift+Tab) until the focused element matches; fails after `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if matches(now):
            return now
        seen.append(now["text"][:40] or now["id"] or now["tag"])
    raise AssertionError(f"{key} never reached the element; went through: {seen}")


def messages(page: Page) -> list[dict]:
    """What the log shows: each message's speaker, text, letter and live quick replies."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#iepn-log .iepn-msg')).map(m => ({
        from: m.classList.contains('iepn-msg-parent') ? 'parent' : 'bot',
        text: (m.querySelector('.iepn-bubble') || {textContent: ''}).textContent,
        letter: Boolean(m.querySelector('.iepn-letter')),
        choices: Array.from(m.querySelectorAll('.iepn-choice')).map(b => b.textContent)}))""")


def wait_for_reply(page: Page, before: int) -> list[dict]:
    """Waits until the turn is answered (typing indicator gone, the parent's message and a reply shown)."""
    page.wait_for_function(
        """before => !document.querySelector('.iepn-typing-on') && !document.querySelector('.iepn-pending')
                    && (document.querySelectorAll('#iepn-log .iepn-msg').length >= before + 2
                        || document.getElementById('iepn-error').textContent.length > 0)""",
        arg=before, timeout=REPLY_TIMEOUT_MS)
    error = page.text_content("#iepn-error")
    assert not error, f"the widget showed an error: {error}"
    return messages(page)


def assert_focus_in_input(page: Page) -> None:
    now = focused(page)
    assert now["id"] == "iepn-input", f"focus left the message box after the reply: {now}"


def type_and_send(page: Page, text: str) -> list[dict]:
    before = len(messages(page))
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    shown = wait_for_reply(page, before)
    assert shown[before]["from"] == "parent" and shown[before]["text"] == text, shown[before:]
    assert_focus_in_input(page)
    return shown


def choose_by_keyboard(page: Page, title_words: str) -> list[dict]:
    """From the message box, Shift+Tab back to the quick reply whose title contains `title_words`; Enter."""
    before = len(messages(page))
    chosen = tab_to(page, lambda f: "iepn-choice" in f["cls"] and title_words in f["text"].lower(), "Shift+Tab")
    page.keyboard.press("Enter")
    shown = wait_for_reply(page, before)
    assert shown[before]["from"] == "parent" and shown[before]["text"] == chosen["text"], shown[before:]
    assert_focus_in_input(page)
    return shown


def this_turn(shown: list[dict]) -> list[dict]:
    last_parent = max(i for i, m in enumerate(shown) if m["from"] == "parent")
    return shown[last_parent + 1:]


def no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate("""() => ({scroll: document.scrollingElement.scrollWidth, view: window.innerWidth,
        log: document.getElementById('iepn-log').scrollWidth - document.getElementById('iepn-log').clientWidth,
        panel: document.getElementById('iepn-panel').getBoundingClientRect().toJSON()})""")
    assert sizes["scroll"] <= sizes["view"], f"the page scrolls sideways: {sizes}"
    assert sizes["log"] <= 0, f"the conversation scrolls sideways: {sizes}"
    panel = sizes["panel"]
    assert panel["left"] >= 0 and panel["right"] <= sizes["view"] + 0.5, f"the panel sticks out: {sizes}"


def run_axe(page: Page) -> list[dict]:
    path = axe_script()
    if not path.exists():
        pytest.fail(f"axe-core is missing at {path}: run scripts/browser_deps.sh (or set IEP_AXE_JS)")
    page.add_script_tag(path=str(path))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    print(f"\naxe-core {result['testEngine']['version']}: {len(result['passes'])} rules passed, "
          f"{len(result['violations'])} violated, {len(result['incomplete'])} need a person to check")
    print("  passed: " + ", ".join(sorted(rule["id"] for rule in result["passes"])))
    for item in result["incomplete"]:
        print(f"  to check by hand: {item['id']}: {item['help']} ({len(item['nodes'])} elements)")
    return result["violations"]


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ tests


def test_a_parent_gets_a_letter_by_keyboard_alone_and_it_survives_a_reload(stack, browser, saved):
    context, page, problems = new_page(browser, 1280, 800, permissions=["clipboard-read", "clipboard-write"])
    page.goto(stack.site_url + "/")
    widget_ready(page)
    launcher_name = page.text_content(".iepn-launcher").strip()
    assert launcher_name, "the launcher has no name"

    print("\n1. Tab from the top of the page to the chat button, open it with Enter")
    tab_to(page, lambda f: "iepn-launcher" in f["cls"])
    assert page.get_attribute(".iepn-launcher", "aria-expanded") == "false"
    page.keyboard.press("Enter")
    page.wait_for_selector("#iepn-panel", state="visible")
    assert page.get_attribute(".iepn-launcher", "aria-expanded") == "true"
    assert_focus_in_input(page)
    shown = messages(page)
    assert len(shown) == 1 and shown[0]["from"] == "bot" and shown[0]["text"], "the welcome is missing"

    print("2. Escape closes the panel and puts focus back on the chat button; Space opens it again")
    page.keyboard.press("Escape")
    page.wait_for_selector("#iepn-panel", state="hidden")
    assert "iepn-launcher" in focused(page)["cls"]
    page.keyboard.press("Space")
    page.wait_for_selector("#iepn-panel", state="visible")
    assert_focus_in_input(page)

    print("3. The parent describes the situation and sends it with Enter")
    shown = type_and_send(page, OPENING)
    offered = [c for m in this_turn(shown) for c in m["choices"]]
    print(f"   offered: {offered}")
    assert any("meeting" in c.lower() for c in offered), f"no meeting letter offered: {this_turn(shown)}"

    print("4. Shift+Tab back to the meeting letter button, Enter")
    shown = choose_by_keyboard(page, "meeting")

    print("5. The letter questions, answered by typing (or with a quick reply when the bot offers one)")
    for _ in range(30):
        turn = this_turn(shown)
        if any(m["letter"] for m in turn):
            break
        question = next((m["text"] for m in reversed(turn) if m["text"]), "").lower()
        choices = [c.lower() for m in turn for c in m["choices"]]
        pick = next((title for words, title in CHOICES if words in question and any(title in c for c in choices)),
                    None)
        if pick:
            print(f"   Q: {question[:70]!r} -> quick reply {pick!r}")
            shown = choose_by_keyboard(page, pick)
            continue
        answer = next((a for words, a in ANSWERS if words in question), None)
        assert answer is not None, f"a question this test cannot answer: {question!r} (choices {choices})"
        print(f"   Q: {question[:70]!r} -> {answer!r}")
        shown = type_and_send(page, answer)
    else:
        raise AssertionError("no letter after 30 answers")

    letters = page.locator("#iepn-log .iepn-letter")
    assert letters.count() == 1
    letter_text = letters.first.inner_text()
    assert "Sofia Lopez" in letter_text and "Lincoln Elementary" in letter_text and "Maria Lopez" in letter_text
    assert letters.first.locator("h3").inner_text().strip(), "the letter has no heading"
    pdf_href = page.get_attribute(".iepn-download-pdf", "href")
    assert page.get_attribute(".iepn-download-docx", "href"), "no Word download link"
    print(f"   the letter is on screen, with downloads ({pdf_href})")

    print("6. Shift+Tab to the PDF download link, Enter: the file downloads and the page stays")
    with page.expect_download() as caught:
        tab_to(page, lambda f: "iepn-download-pdf" in f["cls"], "Shift+Tab")
        page.keyboard.press("Enter")
    download = caught.value
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF"), body[:40]
    assert page.url.rstrip("/") == stack.site_url, f"the page navigated away: {page.url}"
    print(f"   downloaded {download.suggested_filename} ({len(body)} bytes)")

    print("7. Shift+Tab to the Copy button, Enter: the letter is on the clipboard and the button says so")
    copy_label = page.text_content(".iepn-copy")
    tab_to(page, lambda f: "iepn-copy" in f["cls"], "Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("label => document.querySelector('.iepn-copy').textContent !== label", arg=copy_label)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "Sofia Lopez" in copied and "Maria Lopez" in copied, copied[:200]
    page.wait_for_function("""() => document.querySelector('#iepn-panel > .iepn-sr-only[role=status]').textContent
                                  === document.querySelector('.iepn-copy').textContent""")  # told to screen readers

    print("8. Reload: the same conversation comes back, the panel is still open")
    before = messages(page)
    page.reload()
    widget_ready(page)
    page.wait_for_selector("#iepn-panel", state="visible")
    page.wait_for_function("n => document.querySelectorAll('#iepn-log .iepn-msg').length >= n", arg=len(before))
    after = messages(page)
    assert after == before, "the conversation changed on reload"
    assert page.locator("#iepn-log .iepn-letter").count() == 1
    assert page.get_attribute(".iepn-launcher", "aria-expanded") == "true"
    print(f"   {len(after)} messages and the letter are back")

    assert not problems.seen, problems.seen
    saved["storage"] = context.storage_state()
    context.close()


def open_with_conversation(page: Page, url: str) -> None:
    """The demo page with the panel opened by keyboard and a conversation in the log (the keyboard test's,
    when it ran first; else a short one of its own)."""
    page.goto(url + "/")
    widget_ready(page)
    page.focus(".iepn-launcher")
    page.keyboard.press("Enter")
    page.wait_for_selector("#iepn-panel", state="visible")
    assert_focus_in_input(page)
    page.wait_for_timeout(500)  # the history arrives before the widget shows itself; let the panel settle
    if len(messages(page)) < 2:
        type_and_send(page, OPENING)


def test_axe_finds_no_wcag_problems_with_a_conversation_on_screen_and_screenshots(stack, browser, saved):
    # axe is injected as a script tag, which the demo page's CSP refuses: this page alone bypasses it.
    context, page, problems = new_page(browser, 1280, 800, bypass_csp=True, storage_state=saved.get("storage"))
    open_with_conversation(page, stack.site_url)
    has_letter = page.locator("#iepn-log .iepn-letter").count() == 1
    print(f"\n{len(messages(page))} messages on screen{', with the letter' if has_letter else ''}")
    violations = run_axe(page)
    assert not violations, "axe-core found WCAG 2.2 A/AA problems:\n" + readable(violations)

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        if has_letter:  # show the letter's top and the messages around it
            page.evaluate("""() => { const log = document.getElementById('iepn-log');
                log.scrollTop = log.querySelector('.iepn-letter').closest('.iepn-msg').offsetTop - 120; }""")
        page.wait_for_timeout(300)
        no_horizontal_scroll(page)
        target = SHOTS / f"widget-{width}.png"
        page.screenshot(path=str(target))
        print(f"screenshot: {target.relative_to(ROOT)}")
    assert not problems.seen, problems.seen
    context.close()


@pytest.mark.parametrize("width, height", [(320, 640), (640, 400)], ids=["320px", "200pct-zoom"])
def test_the_open_panel_reflows_without_sideways_scrolling(stack, browser, saved, width, height):
    # 640x400 CSS pixels at 2x is what a 1280x800 window shows at 200% zoom.
    context, page, problems = new_page(browser, width, height, device_scale_factor=2,
                                       storage_state=saved.get("storage"))
    open_with_conversation(page, stack.site_url)
    no_horizontal_scroll(page)
    box = page.locator("#iepn-panel").bounding_box()
    assert box["width"] == pytest.approx(width, abs=1) and box["height"] == pytest.approx(height, abs=1)
    for target in (".iepn-close", ".iepn-restart", ".iepn-language", ".iepn-send", ".iepn-input", ".iepn-download-pdf"):
        if page.locator(target).count():
            size = page.locator(target).bounding_box()
            assert size["width"] >= 44 and size["height"] >= 44, f"{target} is smaller than 44 px: {size}"
    # The panel fills the screen and hides the page, so Tab goes round the panel, not to hidden links.
    page.keyboard.press("Tab")
    assert "iepn-send" in focused(page)["cls"]
    page.keyboard.press("Tab")
    assert "iepn-restart" in focused(page)["cls"], focused(page)
    page.keyboard.press("Shift+Tab")
    assert "iepn-send" in focused(page)["cls"]
    page.keyboard.press("Escape")
    page.wait_for_selector(".iepn-launcher", state="visible")
    assert "iepn-launcher" in focused(page)["cls"]
    assert not problems.seen, problems.seen
    context.close()


def test_reduced_motion_keeps_the_typing_dots_still(stack, browser):
    context, page, _ = new_page(browser, 1280, 800, reduced_motion="reduce")
    page.goto(stack.site_url + "/")
    widget_ready(page)
    animations = page.evaluate("""() => { const dots = document.createElement('span');
        dots.className = 'iepn-dot'; document.querySelector('.iepn-typing').appendChild(dots);
        const name = getComputedStyle(dots).animationName; dots.remove(); return name; }""")
    assert animations == "none"
    context.close()


def test_a_message_that_is_too_long_stays_in_the_box_with_a_kind_explanation(stack, browser):
    context, page, _ = new_page(browser, 1280, 800)
    page.goto(stack.site_url + "/")
    widget_ready(page)
    page.focus(".iepn-launcher")
    page.keyboard.press("Enter")
    long_text = "My son needs help with reading. " * 400  # about 12,800 characters, over the limit
    page.keyboard.insert_text(long_text)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('iepn-error').textContent.length > 0",
                           timeout=REPLY_TIMEOUT_MS)
    assert page.input_value("#iepn-input") == long_text
    assert page.get_attribute("#iepn-input", "aria-invalid") == "true"
    assert len(messages(page)) == 1, "the refused message should not stay in the conversation"
    assert_focus_in_input(page)
    context.close()


def test_when_the_server_cannot_be_reached_the_words_stay_in_the_box(stack, browser):
    context, page, _ = new_page(browser, 1280, 800)
    page.goto(stack.site_url + "/")
    widget_ready(page)
    page.focus(".iepn-launcher")
    page.keyboard.press("Enter")
    page.route("**/webhooks/web/messages*", lambda route: route.abort("internetdisconnected"))
    words = "Can the school say no to a meeting?"
    page.keyboard.type(words)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('iepn-error').textContent.length > 0")
    assert page.input_value("#iepn-input") == words
    assert len(messages(page)) == 1
    assert not page.locator(".iepn-typing-on").count()
    page.unroute("**/webhooks/web/messages*")
    page.keyboard.press("Enter")  # the same words, sent again once the server is back
    shown = wait_for_reply(page, 1)
    assert shown[1]["text"] == words and page.input_value("#iepn-input") == ""
    assert page.text_content("#iepn-error") == ""
    context.close()


def test_the_language_button_turns_the_widget_and_the_conversation_to_spanish_and_back(stack, browser):
    from bot.knowledge import load_knowledge

    k = load_knowledge()
    context, page, problems = new_page(browser, 1280, 800)
    page.goto(stack.site_url + "/")
    widget_ready(page)
    page.focus(".iepn-launcher")
    page.keyboard.press("Enter")
    assert page.text_content(".iepn-language").strip() == "Español"
    page.click(".iepn-language")  # before a word is said: only the widget's own words change
    page.wait_for_function("() => document.getElementById('iepn-root').getAttribute('lang') === 'es'")
    assert page.text_content(".iepn-label").strip() == k.message("web_input_label", "es")
    assert page.text_content(".iepn-msg-welcome").strip().endswith(k.message("web_welcome", "es").strip()[-20:])
    assert page.text_content(".iepn-language").strip() == "English"
    page.focus("#iepn-input")
    shown = type_and_send(page, "hola")
    assert k.message("greeting", "es") in " ".join(m["text"] for m in this_turn(shown))
    page.click(".iepn-language")  # mid-conversation: the conversation says so, in English
    page.wait_for_function("() => document.getElementById('iepn-root').getAttribute('lang') === 'en'")
    page.wait_for_function("(t) => document.getElementById('iepn-log').textContent.includes(t)",
                           arg=k.message("language_switched", "en"))
    assert page.text_content(".iepn-label").strip() == k.message("web_input_label", "en")
    assert not problems.seen, problems.seen
    context.close()


def test_the_demo_page_embeds_the_widget_with_one_tag_under_a_strict_policy(stack):
    page = requests.get(stack.site_url + "/", timeout=10)
    assert page.ok and page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert f"script-src {stack.rasa_url}" in policy and f"connect-src {stack.rasa_url}" in policy
    assert "'unsafe-inline'" not in policy
    tags = re.findall(r"<script\b[^>]*>", page.text)
    assert tags == [f'<script src="{stack.rasa_url}/webhooks/web/widget.js" data-server="{stack.rasa_url}" defer>']
    assert requests.get(stack.site_url + "/health", timeout=10).json() == {"status": "ok"}


def test_the_widget_never_puts_server_text_into_html_and_carries_no_words_of_its_own():
    source = (ROOT / "bot" / "channels" / "widget" / "widget.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source)
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may speak English
    words = [[w for w in s.split() if not w.startswith("iepn-")] for s in re.findall(r'"([^"\n]*)"', code)]
    sentences = {" ".join(w) for w in words if len(w) > 1 and all(re.fullmatch(r"[A-Za-z']+[.,:]?", x) for x in w)}
    assert sentences <= {"use strict", "noopener noreferrer"}, f"a parent's words come from GET /strings: {sentences}"
