"""The Ideal image and Adversarial tabs end to end in headless Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from transfer import predict


def test_ideal_tab_streams_natural_previews_and_shows_every_panel(page):
    page.get_by_role("tab", name="Ideal image").click()
    expect(page.get_by_text("Total variation (TV)")).to_be_visible()
    expect(page.get_by_label("Natural (looks like a photo)")).to_be_checked()
    steps = page.locator("#ideal-steps input[type=number]")
    steps.fill("24")
    steps.press("Enter")
    page.get_by_role("button", name="Create ideal image").click()
    preview = page.locator("#ideal-preview img")
    expect(preview).to_be_visible(timeout=300_000)
    # Progress shows beside the button only, with the network's confidence; the live preview stays uncovered.
    expect(page.locator("#ideal-status")).to_contain_text("sure · step", timeout=60_000)
    expect(page.locator("#ideal-preview [data-testid=status-tracker]")).to_have_class(re.compile(r"\bhide\b"))
    first = preview.get_attribute("src")
    expect(preview).not_to_have_attribute("src", first, timeout=300_000)  # a later preview replaced it
    expect(page.locator("#ideal-final img")).to_be_visible(timeout=300_000)
    expect(page.locator("#ideal-importance img")).to_be_visible()
    expect(page.locator("#ideal-own").get_by_test_id("label-output-value")).to_be_visible()
    expect(page.locator("#ideal-cross").get_by_test_id("label-output-value")).to_be_visible()
    expect(page.locator("#ideal-status")).to_contain_text("second network")
    expect(page.locator("#ideal-download a").first).to_have_attribute("href", re.compile(r"ideal-.*\.png"))
    expect(page.locator("#ideal-photos img")).to_have_count(4, timeout=120_000)


def test_adversarial_tab_fools_the_network_with_the_downloaded_png(page, pets_images, tmp_path):
    dog = next(path for path, _breed, is_cat in pets_images if not is_cat)
    page.get_by_role("tab", name="Adversarial").click()
    page.locator("#adversarial-photo input[type=file]").set_input_files(str(dog))
    expect(page.locator("#adversarial-photo img")).to_be_visible()
    for slider, value in (("#adversarial-sure", "87"), ("#adversarial-steps", "40")):  # the lesson's cat: 87%
        number = page.locator(f"{slider} input[type=number]")
        number.fill(value)
        number.press("Enter")
    page.get_by_role("button", name="Create adversarial example").click()
    expect(page.locator("#adversarial-figures").get_by_role("heading", name="Fooled")).to_be_visible(timeout=120_000)
    expect(page.locator("#adversarial-figures")).to_contain_text("/255")
    expect(page.locator("#adversarial-figures")).to_contain_text("amplified ×")
    expect(page.locator("#adversarial-slider img")).to_have_count(2)
    expect(page.locator("#adversarial-perturbation img")).to_be_visible()
    expect(page.locator("#adversarial-after").get_by_test_id("label-output-value")).to_contain_text("tabby")
    link = page.locator("#adversarial-download a").first
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    saved = tmp_path / "adversarial.png"
    saved.write_bytes(response.body())
    [top] = predict(saved, top_k=1)
    assert top.label == "tabby, tabby cat" and top.score >= 0.87
