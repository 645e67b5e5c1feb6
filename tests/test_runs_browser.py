"""Steps 3 and 4 in English and German, at desktop and phone width: the head's run is said in words, not drawn as
curves; the runs table shows the compared numbers (test accuracy, seconds) beside the run number, the per-class and
most-confused tables every column, the mistakes their captions below the photos; a default training per language
(the last layer on pets-mini, seconds once its features are cached), then the same on Lite0 in one click from step 4;
step 2 previews what training shows the network."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, LANGUAGE_CASES, t
from playwright.sync_api import expect


@pytest.mark.parametrize(("language", "width"), LANGUAGE_CASES)
def test_two_networks_read_in_words_and_compared_by_their_numbers(page_in, language, width):
    page = page_in(language, width)
    page.get_by_role("tab", name=t("Fine-tune", language)).click()
    page.get_by_role("button", name=t("Check the data", language)).click()
    expect(page.locator("#finetune-report")).to_contain_text(t("No problems found.", language), timeout=180_000)
    page.get_by_role("button", name=t("Next: model and method", language)).click()
    preview = page.locator("#finetune-preview")  # the last layer is fitted on the photo and its mirror image
    expect(preview).to_contain_text(t("What training shows the network of a training photo: the photo and its "
                                      "mirror image", language))
    expect(preview.locator("img")).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / f"runs-step2-{language}-{width}.png"), full_page=True)
    page.get_by_role("button", name=t("Next: train", language)).click()
    status = page.locator("#finetune-status")
    page.get_by_role("button", name=t("Start training", language)).click()
    expect(status).to_contain_text({"en": "Run 1 ", "de": "Lauf 1 "}[language], timeout=300_000)
    # networks compared in one click: the same data and settings on the smallest other network, Lite0
    page.get_by_role("button", name=t("Next: evaluate", language)).click()
    expect(page.locator("#finetune-other input")).to_have_value(re.compile("Lite0"))
    page.get_by_role("button", name=t("Train it", language)).click()
    expect(status).to_contain_text({"en": "Run 2 ", "de": "Lauf 2 "}[language], timeout=300_000)
    # the head's L2 path: no plot against L2 strengths, the reading names the strength kept and its accuracy
    expect(page.locator("#finetune-loss")).to_be_hidden()
    expect(page.locator("#finetune-accuracy")).to_be_hidden()
    expect(page.locator("#finetune-reading")).to_contain_text("L2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"runs-step3-{language}-{width}.png"), full_page=True)
    page.get_by_role("button", name=t("Next: evaluate", language)).click()
    runs = page.locator("#finetune-runs")
    expect(runs).to_be_visible()
    # the compared numbers are on screen, not scrolled away; so is every column of the per-class and
    # most-confused tables (long German class names filled a phone's width with the first column)
    for selector, columns in (("#finetune-runs", ("run", "test accuracy", "seconds")),
                              ("#finetune-table", ("class", "right")),
                              ("#finetune-confused", ("true class", "taken for", "times"))):
        shown = page.locator(selector)
        shown.scroll_into_view_if_needed()
        table = shown.bounding_box()
        for column in columns:
            header = shown.locator("th", has_text=t(column, language)).first
            expect(header).to_be_visible()
            box = header.bounding_box()
            assert table["x"] <= box["x"] and box["x"] + box["width"] <= table["x"] + table["width"] + 1, \
                (selector, column, box, table)
    expect(runs).to_contain_text("%")
    expect(runs.get_by_role("gridcell", name="tf_efficientnet_lite0")).to_be_visible()
    expect(page.locator("#finetune-table")).to_contain_text({"en": " of ", "de": " von "}[language])
    # each mistake's caption below its photo, in the page's language, and the gallery's title above the photos
    mistakes = page.locator("#finetune-mistakes")
    mistakes.scroll_into_view_if_needed()
    photo, caption = mistakes.locator(".thumbnail-item img").first, mistakes.locator(".caption-label").first
    expect(caption).to_contain_text({"en": "% sure)", "de": " % sicher)"}[language])
    title = mistakes.locator("label[data-testid='block-label']").bounding_box()
    assert title["y"] + title["height"] <= photo.bounding_box()["y"] + 1
    assert caption.bounding_box()["y"] >= photo.bounding_box()["y"] + photo.bounding_box()["height"] - 1
    page.screenshot(path=str(ARTIFACTS / f"runs-mistakes-{language}-{width}.png"))
    mistakes.locator(".thumbnail-item").first.click()  # explained: where it saw its answer and the right class
    for why in ("#finetune-why-answer", "#finetune-why-truth"):
        expect(page.locator(f"{why} img")).to_be_visible()
    expect(page.locator("#finetune-why-answer")).to_contain_text({"en": "Where it saw", "de": "Wo es"}[language])
    page.locator("#finetune-why").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"runs-why-{language}-{width}.png"))
    runs.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"runs-step4-{language}-{width}.png"), full_page=True)
