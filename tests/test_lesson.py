"""A lesson shared by link (issue 24, item 4): the URL's settings read and checked (ui/lesson.py), and in Chromium in
English and German, at desktop and phone width: a link opens the Ideal tab with its target, mode and sliders, teacher
mode hides the advanced settings, the address bar follows what the visitor changes, and a link's language wins over
the browser's."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, LANGUAGE_CASES
from playwright.sync_api import expect

from ui import i18n
from ui.lesson import read_link

TABS = ["classify", "finetune", "ideal", "adversarial"]


def test_a_link_gives_its_settings_checked():
    lesson = read_link({"tab": "ideal", "target": "zebra", "mode": "robust", "steps": "100", "tv": "0.3",
                        "teacher": "1"}, TABS)
    assert (lesson.tab, lesson.target, lesson.mode, lesson.steps, lesson.tv_weight, lesson.teacher) == \
           ("ideal", "zebra", "robust", 100, 0.3, True)
    assert lesson.problems == []
    assert read_link({}, TABS).tab is None and not read_link({"teacher": "0"}, TABS).teacher
    assert read_link({"target": "Siamese cat"}, TABS).target == "Siamese cat, Siamese"  # any synonym of the label


@pytest.mark.parametrize(("query", "said"), [
    ({"tab": "settings"}, "tab=settings was left out: use one of classify, finetune, ideal, adversarial."),
    ({"target": "zebrra"}, "Did you mean: 'zebra'"),
    ({"steps": "many"}, "steps=many was left out: not a number"),
    ({"steps": "100000"}, "steps must be a whole number from 1 to 512"),
    ({"tv": "-1"}, "tv=-1 was left out"),
    ({"mode": "dream"}, "use one of natural, robust, lesson."),
])
def test_what_a_link_gets_wrong_is_left_out_and_said(query, said):
    lesson = read_link(query, TABS)
    assert (lesson.tab, lesson.target, lesson.mode, lesson.steps, lesson.tv_weight) == (None,) * 5
    assert len(lesson.problems) == 1 and said in str(lesson.problems[0])
    assert i18n.lookup(str(lesson.problems[0]), "de") is not None  # said in German too


@pytest.mark.parametrize(("language", "width"), LANGUAGE_CASES)
def test_a_link_opens_the_lesson_and_follows_the_visitor(page_in, app_url, language, width):
    page = page_in(language, width, "/?tab=ideal&target=zebra&mode=robust&steps=100&tv=0.3&teacher=1")
    ideal = page.get_by_role("tab", name=i18n.translate("Ideal image", language), exact=True)
    expect(ideal).to_have_attribute("aria-selected", "true")
    expect(page.locator("#ideal-heading")).to_contain_text(re.compile("zebra", re.IGNORECASE))
    steps = page.locator("#ideal-steps input[type=number]")
    expect(steps).to_have_value("100")  # the mode's own 128 did not replace the link's
    expect(page.get_by_text(i18n.translate("Advanced", language), exact=True)).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lesson-link-{language}-{width}.png"), full_page=True)
    steps.fill("60")
    steps.press("Enter")
    expect(page).to_have_url(re.compile(r"steps=60\b"))
    page.get_by_role("tab", name=i18n.translate("Classify", language), exact=True).click()
    expect(page).to_have_url(re.compile(r"tab=classify\b"))
    # a wrong value: a warning in the page's language, the value shown as text (a link is anyone's), the rest as
    # usual
    page.goto(f"{app_url}/?steps=%3Cb%20id%3Dinjected%3Emany%3C%2Fb%3E")
    expect(page.get_by_test_id("toast-body").first).to_contain_text(
        {"en": "steps=<b id=injected>many</b> was left out",
         "de": "steps=<b id=injected>many</b> aus dem Link wurde nicht übernommen"}[language])
    expect(page.locator("#injected")).to_have_count(0)
    other = {"en": "de", "de": "en"}[language]  # a link's language wins over the browser's
    page.goto(f"{app_url}/?lang={other}&tab=adversarial")
    expect(page.get_by_role("tab", name=i18n.translate("Adversarial", other), exact=True)).to_have_attribute(
        "aria-selected", "true")
    assert page.evaluate("document.documentElement.lang") == other
