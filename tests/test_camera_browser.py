"""Own classes from the webcam (issue 21): once the camera is on, each click on a card's "Take a photo" adds one photo
to that card, however fast the clicks come, and the live picture stays on until the visitor stops it.

Chromium's test camera (harness/browser.py) stands in for a webcam. English at 1366 px and German at 390 px;
screenshots go to tests/.artifacts/.
"""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS
from playwright.sync_api import expect

from transfer.data import MIN_PER_CLASS
from ui import i18n

CASES = [("en", 1366), ("de", 390)]
LOCALES = {"en": "en-US", "de": "de-DE"}
LIVE = "() => document.querySelector('#own-camera video').srcObject?.getVideoTracks()[0]?.readyState === 'live'"


def t(text: str, language: str) -> str:
    return i18n.translate(text, language)


@pytest.mark.parametrize(("language", "width"), CASES)
def test_a_burst_of_clicks_gives_one_photo_each_with_the_camera_left_on(browser, app_url, language, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=LOCALES[language])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app_url}/?tab=finetune")
        page.get_by_role("radio", name=re.compile(re.escape(t("My own classes: add photos or use the webcam",
                                                                 language)))).check()
        cards = [page.locator(f"#own-class-{slot}") for slot in range(2)]
        shoot = cards[0].get_by_role("button", name=t("Take a photo", language), exact=True)
        expect(shoot).to_be_hidden()  # nothing to take a photo with yet
        expect(cards[0].get_by_role("button", name=re.compile("camera", re.I))).to_have_count(0)  # one camera
        page.get_by_role("button", name=t("Start the camera", language), exact=True).click()
        expect(shoot).to_be_visible()
        assert page.wait_for_function(LIVE)
        for _ in range(MIN_PER_CLASS):
            shoot.click()
        page.screenshot(path=str(ARTIFACTS / f"camera-{language}-{width}.png"))
        cards[1].get_by_role("button", name=t("Take a photo", language), exact=True).click()
        expect(cards[0].locator(".prose.own-count")).to_have_text(t(f"**{MIN_PER_CLASS}** photos", language)
                                                                .replace("**", ""))
        expect(cards[1].locator(".prose.own-count")).to_contain_text(
            t(f"**1** photo (add {MIN_PER_CLASS - 1} more)", language).replace("**", ""))
        expect(cards[0].locator(".thumbnail-item")).to_have_count(MIN_PER_CLASS)
        assert page.evaluate(LIVE), "the camera stays on between photos"
        page.screenshot(path=str(ARTIFACTS / f"camera-{language}-{width}-photos.png"), full_page=True)
        page.get_by_role("button", name=t("Stop the camera", language), exact=True).click()
        expect(shoot).to_be_hidden()
        assert not page.evaluate(LIVE)
        page.get_by_role("button", name=t("Start the camera", language), exact=True).click()
        track = page.wait_for_function("() => document.querySelector('#own-camera video').srcObject?.getVideoTracks()[0]")
        page.get_by_role("radio", name=re.compile(re.escape(t("Oxford-IIIT Pet: cat and dog breeds, ready on this "
                                                                 "server", language)))).check()
        assert page.wait_for_function("track => track.readyState === 'ended'", arg=track, timeout=10_000), \
            "the camera goes off with the cards"
    finally:
        context.close()
