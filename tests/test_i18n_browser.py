"""The app in a German and in an English browser: every tab's texts in that language, library errors too.

The texts checked come from the page's own config (its gr.I18n keys and their German), so a text added to the app
is checked here as soon as it is translated. Screenshots of each tab at 1366 and 390 px go to tests/.artifacts/.
"""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import ARTIFACTS
from playwright.sync_api import Page, expect

from ui import i18n

TABS = ["Classify", "Fine-tune", "Ideal image", "Adversarial"]
NO_IMAGE = "No image given: upload a photo (JPEG, PNG, WebP, ...) first."
WIDTHS = (1366, 390)
#: Small words only one of the languages has: any of them left on a page, once its catalog texts are cut out, is
#: text the catalog does not know (names such as ImageNet or 'tabby cat' contain none of them).
ONLY_IN = {"en": {"the", "and", "of", "to", "is", "for", "with", "your", "you", "this", "on", "from", "by", "it",
                  "not", "or", "are", "be", "that", "which", "what", "how", "can", "its", "at"},
           "de": {"der", "das", "und", "ist", "nicht", "mit", "für", "ein", "eine", "Sie", "auf", "zu", "wird",
                  "oder", "den", "dem", "des", "sich", "werden", "Ihr", "Ihre"}}
FIELDS = "input[type=text]:visible, input:not([type]):visible, textarea:visible"  # what a visitor reads in them
#: Texts and tooltips that are one of Gradio's translation keys ("common.webcam"): its frontend shows a key it cannot
#: find as it is.
RAW_KEYS = r"""() => {
  const key = /^[a-z_]+\.[a-z_]+$/, found = new Set();
  for (const element of document.body.querySelectorAll("*")) {
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = element.getAttribute(name)?.trim();
      if (value && key.test(value)) found.add(`${name}=${value}`);
    }
    for (const node of element.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && key.test(node.nodeValue.trim())) found.add(node.nodeValue.trim());
    }
  }
  return [...found];
}"""


def segments(text: str) -> set[str]:
    """Runs of plain text between Markdown marks and line ends, as the page shows them (whitespace collapsed)."""
    return {" ".join(part.split()) for part in re.split(r"[*#`|\n„“]+", text) if i18n.LETTERS.search(part)}


@pytest.fixture(scope="module")
def catalog(app_url) -> dict[str, str]:
    """English text -> German, for every translated static text of the running app, as the browser receives them
    (a text without German stays English on the German page: tests/test_i18n.py names it)."""
    german = httpx.get(f"{app_url}/config").json()["i18n_translations"]["de"]
    return {english: text for english, text in german.items() if i18n.lookup(english, "de") is not None}


def visible_text(page: Page) -> str:
    """The page's text and the values shown in its inputs (dropdowns show their choice there)."""
    values = page.locator(FIELDS).evaluate_all("els => els.map(e => e.value)")
    return " ".join((page.locator("body").inner_text() + " " + " ".join(values)).split())


def found(texts: set[str], page_text: str) -> set[str]:
    """The texts on the page, as whole words ('Mode' is not in 'Modell')."""
    return {text for text in texts if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", page_text)}


def without(texts: set[str], page_text: str) -> str:
    """The page's text with `texts` cut out, longest first ('Seed' stays legitimately in 'Startwert (Seed)')."""
    for text in sorted(texts, key=len, reverse=True):
        page_text = page_text.replace(text, " | ")
    return page_text


@pytest.mark.parametrize("locale", ["de-DE", "en-US"])
def test_each_tab_speaks_the_browsers_language(browser, app_url, catalog, locale):
    language = locale[:2]
    other = "en" if language == "de" else "de"
    shown = {english: (german if language == "de" else english) for english, german in catalog.items()}
    hidden = {english: (english if language == "de" else german) for english, german in catalog.items()}
    wanted = set().union(*(segments(text) for text in shown.values()))
    # parts both languages share (names such as ImageNet, Grad-CAM, Oxford-IIIT Pet, zebra/Zebra) prove nothing
    folded = {text.casefold() for text in wanted}
    unwanted = {text for text in set().union(*(segments(text) for text in hidden.values()))
                if text.casefold() not in folded}
    context = browser.new_context(locale=locale, viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        for tab in TABS:
            expect(page.get_by_role("tab", name=shown[tab], exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == language
        seen = set()
        for index, tab in enumerate(TABS):
            page.get_by_role("tab", name=shown[tab], exact=True).click()
            expect(page.get_by_role("tab", name=shown[tab], exact=True)).to_have_attribute("aria-selected", "true")
            text = visible_text(page)
            seen |= found(wanted, text)
            rest = without(wanted, text)
            assert not found(unwanted, rest), f"{other} text on the {locale} page, tab {tab}"
            assert not found(ONLY_IN[other], rest), f"text in another language on the {locale} page: {rest}"
            assert not page.evaluate(RAW_KEYS), f"Gradio's keys shown as they are on the {locale} page, tab {tab}"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(ARTIFACTS / f"i18n-{locale}-{index + 1}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        assert len(seen) > 60, f"only {len(seen)} texts of the catalog found on the {locale} page"
        # Classify's ideal image examples are captioned with their class in the page's language
        page.get_by_role("tab", name=shown["Classify"], exact=True).click()
        captions = page.locator("button.gallery-item")
        expect(captions.get_by_text({"de": "Siamkatze", "en": "Siamese cat"}[language], exact=True)).to_be_visible()
        expect(captions.get_by_text({"de": "Siamese cat", "en": "Siamkatze"}[language], exact=True)).to_have_count(0)
        # a library error, translated on the server for this page
        page.get_by_role("tab", name=shown["Classify"], exact=True).click()
        page.get_by_role("button", name=shown["Classify"], exact=True).click()
        expect(page.get_by_test_id("toast-body").first).to_contain_text(i18n.translate(NO_IMAGE, language))
        title = i18n.PAGE_TEXTS.get(language, {}).get("Error", "Error")  # Gradio sends it in English: the page's
        expect(page.locator(".toast-title").first).to_contain_text(title)
        if language == "en":
            switch_to_german_by_hand(page)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        context.close()


def switch_to_german_by_hand(page: Page) -> None:
    """Settings -> Language -> Deutsch at the foot of the page: the page and the server's messages follow."""
    for button in page.get_by_test_id("toast-close").all():
        button.click()
    page.get_by_text("Settings", exact=True).click()
    page.get_by_role("dialog").get_by_role("combobox").first.click()  # the language dropdown
    page.get_by_role("option", name="Deutsch").click()
    page.get_by_role("dialog").get_by_role("button").first.click()  # close
    expect(page.get_by_role("button", name="Klassifizieren", exact=True)).to_be_visible()
    page.get_by_role("button", name="Klassifizieren", exact=True).click()
    expect(page.get_by_test_id("toast-body").first).to_contain_text(i18n.translate(NO_IMAGE, "de"))
    expect(page.locator(".toast-title").first).to_contain_text("Fehler")
