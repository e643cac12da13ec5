"""The /training pages in a real browser (Debian's Chromium, headless), served by the demo site process as
`make run` starts it: a volunteer does a practice round by keyboard alone and sees their score; axe-core
finds no WCAG 2.2 A/AA problems on the story list, a practice page (plain, with errors, with feedback),
a walkthrough and the report; nothing scrolls sideways at 320 px.

Stories come from a temporary folder and results go to a temporary database. The walkthrough loads the
trained model in the site process (make train). Screenshots go to results/screenshots/.
"""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.test_widget import (CHROMIUM, CHROMIUM_ARGS, SHOTS, Problems, axe_script, focused, readable,
                                       run_axe, tab_to)
from tests.stack import ROOT, Stack, running
from tests.scenario_samples import STORIES, write_stories

STORY = "pwn_phone_refusal"
WALK_TIMEOUT_MS = 240_000  # the first walkthrough loads the model in the site process


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("training")
    env = {"IEP_SCENARIOS_DIR": str(write_stories(folder / "stories")),
           "IEP_TRAINING_DATABASE_URL": f"sqlite:///{folder / 'training.db'}"}
    with running(Stack(folder, extra_env=env), "site") as made:
        yield made


@pytest.fixture(scope="module")
def browser():
    if not axe_script().exists():
        pytest.fail(f"axe-core is missing at {axe_script()}: run scripts/browser_deps.sh")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser: Browser, width: int = 1280, height: int = 800, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page, Problems(page)


def press_and_wait(page: Page, key: str) -> None:
    """Presses a key that submits a form or follows a link, and waits for the new page."""
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press(key)


def check_by_keyboard(page: Page, ids: list[str]) -> None:
    """Tabs to each of these boxes in page order and ticks it with Space."""
    order = page.evaluate("() => Array.from(document.querySelectorAll('input')).map(e => e.id)")
    for wanted in sorted(ids, key=order.index):
        tab_to(page, lambda f, w=wanted: f["id"] == w, limit=150)
        page.keyboard.press("Space")
        assert page.is_checked(f"#{wanted}"), wanted


def choose_radio_by_keyboard(page: Page, group: str, wanted: str) -> None:
    """Tabs into a radio group (it is one stop), then arrows to the choice, which selects it."""
    tab_to(page, lambda f: f["id"].startswith(f"{group}-"), limit=150)
    for _ in range(20):
        if focused(page)["id"] == wanted:
            break
        page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == wanted and page.is_checked(f"#{wanted}")


def no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate("() => ({scroll: document.scrollingElement.scrollWidth, view: window.innerWidth})")
    assert sizes["scroll"] <= sizes["view"], f"{page.url} scrolls sideways at {sizes['view']} px: {sizes}"


def small_targets(page: Page) -> list[str]:
    """Buttons, boxes and links outside running text that are under 24 by 24 CSS pixels."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
            'button, input:not([type=hidden]), select, nav a, .actions a, .error-summary a'))
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.width < 24 || r.height < 24); })
        .map(e => `${e.tagName} ${e.id || e.textContent.trim()} ${e.getBoundingClientRect().width}x`
                  + `${e.getBoundingClientRect().height}`)""")


def fill_answer(page: Page, volunteer: str, answer: dict) -> None:
    page.fill("#volunteer", volunteer)
    for box in answer.get("situations", []):
        page.check(f"#situation-{box}")
    for box in answer.get("rights", []):
        page.check(f"#right-{box}")
    if answer.get("letter"):
        page.check(f"#letter-{answer['letter']}")
    if answer.get("advocate"):
        page.check(f"#advocate-{answer['advocate']}")


def axe_clean(page: Page, what: str) -> None:
    violations = run_axe(page)
    assert not violations, f"axe-core found WCAG 2.2 A/AA problems on {what}:\n" + readable(violations)


# ------------------------------------------------------------------------------------------------ tests


def test_a_volunteer_practises_by_keyboard_alone_and_sees_their_score(site, browser):
    context, page, problems = open_page(browser)
    key = STORIES[STORY]["key"]
    page.goto(site.site_url + "/training?session=Keyboard+day")

    print("\n1. Tab from the top of the list to the story's Practise link, Enter")
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == f"Practise: {STORIES[STORY]['title']}")
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/training/practice/{STORY}?session=Keyboard+day")
    assert page.input_value("#session") == "Keyboard day"

    print("2. Tab to the question box, type a question, Enter asks it")
    tab_to(page, lambda f: f["id"] == "question")
    page.keyboard.type("Did you ask for the testing in writing?")
    press_and_wait(page, "Enter")
    assert "I asked by email in March." in page.inner_text("#latest")
    assert focused(page)["id"] == "latest", "focus should land on the parent's answer"

    print("3. Type a name, tick the situations and rights with Space, arrow to the letter and the advocate")
    tab_to(page, lambda f: f["id"] == "volunteer")
    page.keyboard.type("Kim Lo")
    check_by_keyboard(page, [f"situation-{s}" for s in key["situations"]])
    check_by_keyboard(page, [f"right-{r}" for r in key["rights"]])
    choose_radio_by_keyboard(page, "letter", f"letter-{key['letter']}")
    choose_radio_by_keyboard(page, "advocate", f"advocate-{key['advocate']['level']}")

    print("4. Tab to Check my answer, Enter: the score shows, and focus is on it")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Check my answer")
    press_and_wait(page, "Enter")
    assert page.inner_text("#result-title") == "Your score: 100 out of 100."
    assert focused(page)["id"] == "result"
    assert "Did you ask for the testing in writing?" in page.inner_text("main")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "training-score-1280.png"), full_page=True)

    print("5. The coordinator's report shows the round in its session")
    report = requests.get(site.site_url + "/training/report.csv?session=Keyboard+day", timeout=10).text
    assert f"Kim Lo,{key['situations'][0]},1,100" in report
    assert not problems.seen, problems.seen
    context.close()


def test_a_mistake_is_named_by_its_field_and_the_choices_stay(site, browser):
    context, page, _ = open_page(browser)
    page.goto(site.site_url + f"/training/practice/{STORY}")
    page.fill("#volunteer", "<b>Ann</b>")
    page.check("#situation-evaluation_denied")
    page.keyboard.press("Tab")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Check my answer", limit=150)
    press_and_wait(page, "Enter")
    assert focused(page)["cls"] == "error-summary", "focus should land on the list of problems"
    assert page.input_value("#volunteer") == "<b>Ann</b>" and page.is_checked("#situation-evaluation_denied")
    assert page.locator("#volunteer").get_attribute("aria-invalid") == "true"
    page.keyboard.press("Tab")  # the first link in the summary goes to the name box
    assert focused(page)["text"].startswith("Your name or code:")
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#volunteer"
    context.close()


def test_axe_finds_no_wcag_problems_on_the_training_pages(site, browser):
    # axe is injected as a script tag, which the pages' policy refuses: this context alone bypasses it.
    context, page, problems = open_page(browser, bypass_csp=True)
    checked = []

    page.goto(site.site_url + "/training")
    axe_clean(page, "the story list")
    checked.append("/training")

    page.goto(site.site_url + "/training?tag=nope&session=%3Cb%3E")
    axe_clean(page, "the story list with filter errors")
    checked.append("/training with errors")

    page.goto(site.site_url + f"/training/practice/{STORY}")
    page.fill("#question", "How old is she?")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    axe_clean(page, "a practice page with a question asked")
    checked.append("practice, asked")

    with page.expect_navigation():
        page.get_by_role("button", name="Check my answer").click()
    assert page.locator(".error-summary").count() == 1
    axe_clean(page, "a practice page with errors")
    checked.append("practice, errors")

    fill_answer(page, "Axe Tester", {"situations": ["evaluation_request"], "rights": ["initial_evaluation"],
                                     "letter": "evaluation_request", "advocate": "recommended"})
    with page.expect_navigation():
        page.get_by_role("button", name="Check my answer").click()
    assert page.locator("#result").count() == 1 and "out of 100" in page.inner_text("#result-title")
    axe_clean(page, "a practice page with feedback shown")
    checked.append("practice, feedback")

    page.goto(site.site_url + f"/training/scenarios/{STORY}", timeout=WALK_TIMEOUT_MS)
    assert page.inner_text("h1") == STORIES[STORY]["title"]
    axe_clean(page, "a walkthrough")
    checked.append("walkthrough")

    page.goto(site.site_url + "/training/report")
    axe_clean(page, "the report")
    checked.append("report")

    page.goto(site.site_url + "/training/practice/no_such_story")
    axe_clean(page, "the 404 page")
    checked.append("404")
    print(f"axe-core: no violations on {', '.join(checked)}")
    expected = re.compile(r"HTTP 40[04]|status of 40[04]")  # the page with errors (400) and the unknown story (404)
    assert not [p for p in problems.seen if not expected.search(p)], problems.seen
    context.close()


def test_no_page_scrolls_sideways_at_320_px_and_targets_are_24_px(site, browser):
    context, page, _ = open_page(browser, 320, 640, device_scale_factor=2)
    pages = ["/training", f"/training/practice/{STORY}", "/training/report", "/training/practice/no_such_story",
             f"/training/scenarios/{STORY}"]
    for path in pages:
        page.goto(site.site_url + path, timeout=WALK_TIMEOUT_MS)
        no_horizontal_scroll(page)
        if "/scenarios/" not in path:
            assert small_targets(page) == [], f"{path}: {small_targets(page)}"
    page.goto(site.site_url + f"/training/practice/{STORY}")
    page.keyboard.press("Tab")  # the skip link shows itself and leads to the main content
    assert focused(page)["text"] == "Skip to main content"
    fill_answer(page, "Narrow Screen", {"situations": ["evaluation_denied"], "advocate": "worth_considering"})
    with page.expect_navigation():
        page.get_by_role("button", name="Check my answer").click()
    no_horizontal_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "training-score-320.png"), full_page=True)
    print(f"\nscreenshots: {(SHOTS / 'training-score-320.png').relative_to(ROOT)}")
    context.close()
