"""Own classes from the webcam (issue 21): once the camera is on, each click on a card's "Take a photo" adds one photo
to that card, however fast the clicks come, and the live picture stays on until the visitor stops it.

Chromium's test camera (harness/browser.py) stands in for a webcam. English at 1366 px and German at 390 px;
screenshots go to tests/.artifacts/.
"""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, LANGUAGE_CASES, t
from playwright.sync_api import expect

from transfer.data import MIN_PER_CLASS

LIVE = "() => document.querySelector('#own-camera video').srcObject?.getVideoTracks()[0]?.readyState === 'live'"


@pytest.mark.parametrize(("language", "width"), LANGUAGE_CASES)
def test_a_burst_of_clicks_gives_one_photo_each_with_the_camera_left_on(page_in, language, width):
    page = page_in(language, width, "/?tab=finetune")
    own = t("My own classes: add photos or use the webcam", language)
    page.get_by_role("radio", name=re.compile(re.escape(own))).check()
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
    expect(cards[0].locator(".prose.own-count")).to_have_text(
        t(f"**{MIN_PER_CLASS}** photos", language).replace("**", ""))
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
    pets = t("Oxford-IIIT Pet: cat and dog breeds, ready on this server", language)
    page.get_by_role("radio", name=re.compile(re.escape(pets))).check()
    assert page.wait_for_function("track => track.readyState === 'ended'", arg=track, timeout=10_000), \
        "the camera goes off with the cards"
