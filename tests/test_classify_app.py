"""The Classify tab through its API (gradio_client) and in a real browser (Playwright + Chromium)."""

from __future__ import annotations

import re

import gradio.media
import pytest
from gradio_client import Client, handle_file
from playwright.sync_api import expect

LION = gradio.media.get_image("lion.jpg")


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_classify_endpoint_returns_top5_labels(client):
    result = client.predict(handle_file(LION), "tf_efficientnet_lite0", api_name="/classify")
    assert result["label"].startswith("lion")
    confidences = result["confidences"]
    assert len(confidences) == 5 and confidences[0]["confidence"] > 0.5


def test_classify_endpoint_reports_bad_input_clearly(client, tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(Exception, match="damaged|not an image"):
        client.predict(handle_file(str(fake)), "tf_efficientnet_lite0", api_name="/classify")
    with pytest.raises(Exception, match="Unknown model"):
        client.predict(handle_file(LION), "not_a_model", api_name="/classify")


def test_explain_endpoint_returns_images(client):
    heatmap, features = client.predict(handle_file(LION), "tf_efficientnet_lite0", "blocks.1", api_name="/explain")
    assert heatmap.endswith(".png") and features.endswith(".png")


def test_classify_in_the_browser(page):
    page.get_by_role("tab", name="Classify").click()
    page.locator("input[type=file]").first.set_input_files(LION)
    page.get_by_role("button", name="Classify", exact=True).click()
    label = page.get_by_test_id("label")
    label.get_by_text("lion, king of beasts, Panthera leo").first.wait_for()
    page.locator("#classify-heatmap img").wait_for()
    page.locator("#classify-features img").wait_for()
    assert "lion" in label.inner_text()
    for picture in ("#classify-heatmap", "#classify-features"):  # the title (Grad-CAM's colour key) above, whole
        title = page.locator(f"{picture} label[data-testid='block-label']").bounding_box()
        toolbar = page.locator(f"{picture} .icon-button-wrapper").first.bounding_box()
        assert title["y"] + title["height"] <= min(toolbar["y"], page.locator(f"{picture} img").bounding_box()["y"])


def test_ideal_image_examples_carry_captions_and_classify_as_their_class(page):
    page.get_by_role("tab", name="Classify").click()
    page.get_by_role("button", name="Zebra", exact=True).click()
    page.get_by_test_id("label").get_by_text("zebra").first.wait_for()


def test_a_new_layer_refreshes_the_maps_and_examples_keep_it(page):
    """Layers are named by depth; choosing one redraws the feature maps at once; an example keeps the chosen layer."""
    page.get_by_role("tab", name="Classify").click()
    page.get_by_role("button", name="Zebra", exact=True).click()
    maps = page.locator("#classify-features img")
    expect(maps).to_be_visible(timeout=60_000)
    before = maps.get_attribute("src")
    layer = page.get_by_label("Layer for feature maps")
    layer.click()
    page.get_by_role("option", name=re.compile(r"^late: parts")).click()
    expect(maps).not_to_have_attribute("src", before, timeout=60_000)
    expect(layer).to_have_value(re.compile(r"^late: parts"))
    page.get_by_role("button", name="Goldfinch", exact=True).click()
    page.get_by_test_id("label").get_by_text("goldfinch").first.wait_for()
    expect(layer).to_have_value(re.compile(r"^late: parts"))
