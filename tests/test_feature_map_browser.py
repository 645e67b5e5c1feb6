"""Step 5 in English and German, at desktop and phone width: the feature-space maps, and the float and int8 ONNX
files side by side; one default training per language (the last layer on pets-mini, seconds once its features are
cached)."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, LANGUAGE_CASES, LOCALES, t
from playwright.sync_api import Page, expect

MAPS = ("#finetune-map-before", "#finetune-map-after")


@pytest.fixture(scope="module")
def trained_pages(browser, app_url):
    """One page per language, made on first use, that trained the default run and opened step 5."""
    pages: dict[str, Page] = {}

    def open_page(language: str) -> Page:
        if language not in pages:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=LOCALES[language])
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(app_url)
            page.get_by_role("tab", name=t("Fine-tune", language)).click()
            page.get_by_role("button", name=t("Check the data", language)).click()
            expect(page.locator("#finetune-report")).to_contain_text(t("No problems found.", language),
                                                                   timeout=180_000)
            for step in ("Next: model and method", "Next: train", "Start training"):
                page.get_by_role("button", name=t(step, language)).click()
            next_step = page.get_by_role("button", name=t("Next: evaluate", language))
            expect(next_step).to_be_enabled(timeout=300_000)
            next_step.click()
            page.get_by_role("button", name=t("Next: use it", language)).click()
            pages[language] = page
        return pages[language]

    yield open_page
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize(("language", "width"), LANGUAGE_CASES)  # each once: a training per language
def test_maps_before_and_after_training_with_a_tried_photo(trained_pages, language, width):
    page = trained_pages(language)
    page.set_viewport_size({"width": width, "height": 900})
    before, after = (page.locator(selector) for selector in MAPS)
    for plot in (before, after):
        expect(plot.locator("canvas, svg.marks").first).to_be_visible(timeout=60_000)
    expect(before).to_contain_text(t("Before training: pretrained features", language))
    expect(after).to_contain_text(t("After training: class scores", language))
    reading = page.locator("#finetune-map-reading")
    expect(reading).to_contain_text({"en": "Before training", "de": "Vor dem Training"}[language])
    # side by side on a desktop, one above the other on a phone; neither wider than the page
    boxes = [plot.bounding_box() for plot in (before, after)]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= width + 1 for box in boxes), boxes
    assert (boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] / 2) == (width < 700), boxes
    # a test photo clicked in step 5 lands on both maps, and the reading names the class it lands nearest
    page.locator("#finetune-examples .thumbnail-item").first.click()
    expect(reading).to_contain_text("★", timeout=60_000)
    landed = reading.inner_text()
    assert re.search(r"★.*\b(\w[\w ]+)\b", landed)
    # hovering a dot shows its class and the photo's thumbnail
    ARTIFACTS.mkdir(exist_ok=True)
    before.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"feature-map-{language}-{width}.png"), full_page=True)
    box = before.locator("canvas, svg.marks").first.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    for step in range(40):  # sweep across the plot until the pointer meets a dot
        page.mouse.move(box["x"] + box["width"] * (0.15 + step * 0.7 / 40), box["y"] + box["height"] * 0.5)
        if tooltip.is_visible() and tooltip.locator("img").count():
            break
    expect(tooltip.locator("img")).to_have_attribute("src", re.compile("^data:image/jpeg;base64,"))
    page.screenshot(path=str(ARTIFACTS / f"feature-map-{language}-{width}-hover.png"))
    if language == "de":  # the int8 file beside the float one (issue 24), its table readable on a phone
        page.get_by_role("button", name=t("Make ONNX file", language)).click()
        report = page.locator("#finetune-onnx-report")
        expect(report).to_contain_text("int8", timeout=180_000)
        expect(report).to_contain_text("-mal kleiner")
        expect(page.get_by_role("button", name=re.compile(r"Lauf \d+ int8 herunterladen"))).to_be_visible()
        table = report.locator("table").bounding_box()
        assert table["x"] >= 0 and table["x"] + table["width"] <= width + 1, table
        report.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"onnx-int8-{language}-{width}.png"))
