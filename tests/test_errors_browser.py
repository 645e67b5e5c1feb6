"""A user error in each tab shows a readable, specific message in the page (no traceback), and the tab still works."""

from __future__ import annotations

import re

import gradio.media
from conftest import ARTIFACTS
from playwright.sync_api import Page, expect

LION = gradio.media.get_image("lion.jpg")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \".*\.py\", line \d+")


def error_toast(page: Page, message: str | re.Pattern):
    """The visible toast carrying `message`; Gradio shows gr.Error as a toast titled 'Error'."""
    toast = page.get_by_test_id("toast-body").filter(has_text=message)
    expect(toast.first).to_be_visible(timeout=60_000)
    expect(toast.first).to_have_css("opacity", "1")  # faded in: readable by a person, not only present in the DOM
    return toast.first


def assert_no_traceback(page: Page, name: str) -> None:
    """No traceback text in the page; saves a screenshot of the page showing the error to tests/.artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"error-{name}.png"))
    text = page.locator("body").inner_text()
    assert not TRACEBACK.search(text), f"Python traceback visible in the page: {text[:500]}"


def close_toasts(page: Page) -> None:
    for button in page.get_by_test_id("toast-close").all():
        if button.is_visible():
            button.click()


def test_classify_tab_reports_a_non_image_then_classifies_a_photo(page, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("these are my holiday notes, not a photo\n" * 20)
    page.get_by_role("tab", name="Classify").click()
    page.locator("input[type=file]").first.set_input_files(str(fake))
    page.get_by_role("button", name="Classify", exact=True).click()
    toast = error_toast(page, re.compile("not an image|damaged"))
    expect(toast).to_contain_text("JPEG, PNG")
    assert_no_traceback(page, "classify")
    close_toasts(page)
    page.get_by_role("button", name="Clear").first.click()
    page.locator("input[type=file]").first.set_input_files(LION)
    page.get_by_role("button", name="Classify", exact=True).click()
    expect(page.get_by_test_id("label").get_by_text("lion, king of beasts, Panthera leo").first).to_be_visible(
        timeout=60_000)


def test_finetune_tab_reports_classes_without_photos_then_loads_the_data(page, pets_root):
    page.get_by_role("tab", name="Fine-tune").click()
    page.get_by_role("radio", name=re.compile("My own classes")).check()
    page.get_by_role("button", name="Check the data").click()
    toast = error_toast(page, "Each class needs at least 3 photos")
    expect(toast).to_contain_text("'dogs' has no photos")
    assert_no_traceback(page, "finetune")
    close_toasts(page)
    page.get_by_role("radio", name=re.compile("Oxford-IIIT Pet: cat and dog")).check()
    page.get_by_role("button", name="Check the data").click()
    expect(page.get_by_text("37 classes")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("button", name="Next: model and method")).to_be_enabled()


def test_ideal_tab_reports_an_unknown_network_then_creates_an_image(page):
    page.get_by_role("tab", name="Ideal image").click()
    steps = page.locator("#ideal-steps input[type=number]")
    steps.fill("2")
    steps.press("Enter")
    page.get_by_text("Advanced").first.click()
    network = page.get_by_label("Network", exact=True).first
    network.fill("no_such_network")
    network.press("Enter")
    page.get_by_role("button", name="Create ideal image").click()
    toast = error_toast(page, "Unknown model")
    assert_no_traceback(page, "ideal")
    close_toasts(page)
    network.fill("tf_efficientnet_lite0")
    network.press("Enter")
    page.get_by_role("button", name="Create ideal image").click()
    expect(page.locator("#ideal-final img")).to_be_visible(timeout=120_000)
    expect(page.locator("#ideal-own").get_by_test_id("label-output-value")).to_be_visible()
    expect(toast).to_be_hidden()


def test_adversarial_tab_reports_a_missing_photo_then_attacks_one(page):
    page.get_by_role("tab", name="Adversarial").click()
    page.get_by_role("button", name="Create adversarial example").click()
    toast = error_toast(page, "No image given")
    expect(toast).to_contain_text("upload a photo")
    assert_no_traceback(page, "adversarial")
    close_toasts(page)
    steps = page.get_by_label("number input for Steps (at most)")
    steps.fill("3")
    steps.press("Enter")
    page.locator("#adversarial-photo input[type=file]").set_input_files(LION)
    expect(page.locator("#adversarial-photo img")).to_be_visible()
    page.get_by_role("button", name="Create adversarial example").click()
    expect(page.locator("#adversarial-figures").get_by_role("heading")).to_be_visible(timeout=120_000)
    expect(page.locator("#adversarial-figures")).to_contain_text("/255")
