"""The Ideal image tab in English and German, at desktop and phone width (issue 21): the heading names the chosen
target, and a non-pet target's run says that no real photo at hand looks like it instead of showing pets at 0%."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, LANGUAGE_CASES, t
from playwright.sync_api import expect

from ui import i18n, ideal

TARGET = "zebra"


@pytest.mark.parametrize(("language", "width"), LANGUAGE_CASES)
def test_heading_follows_the_target_and_a_zebra_has_no_look_alike_pets(page_in, language, width):
    page = page_in(language, width)
    page.get_by_role("tab", name=t("Ideal image", language)).click()
    heading = page.locator("#ideal-heading")
    expect(heading).to_contain_text(i18n.class_name("Siamese cat", language, short=True) or "Siamese cat")
    target = page.get_by_label(t("Target class", language))
    target.fill(TARGET)
    target.press("Enter")
    expect(heading).to_contain_text(i18n.class_name(TARGET, language, short=True) or TARGET)
    expect(heading).not_to_contain_text("Siam")
    steps = page.locator("#ideal-steps input[type=number]")
    steps.fill("1")
    steps.press("Enter")
    page.get_by_role("button", name=t("Create ideal image", language)).click()
    none_like = re.escape(t(ideal.NO_PHOTOS, language).split("{")[0])
    expect(page.locator("#ideal-photos")).to_contain_text(re.compile(none_like), timeout=240_000)
    expect(page.locator("#ideal-photos img")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / f"ideal-{language}-{width}.png"), full_page=True)
