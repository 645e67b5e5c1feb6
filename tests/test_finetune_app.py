"""The Fine-tune wizard end to end in headless Chromium on pets-mini, plus its helpers without a browser."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import gradio as gr
import pytest
from PIL import Image
from playwright.sync_api import expect

from transfer.evaluate import Evaluation
from ui.finetune import LOCAL, UPLOAD, Session, cleanup, confusion_image, load_data, per_class_table

ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"


def load_pets(page, pets_root) -> None:
    """Steps 1 and 2 of the wizard: load pets-mini from its folder and go on to the model step."""
    page.get_by_role("tab", name="Fine-tune").click()
    page.get_by_role("textbox", name="Folder").fill(str(pets_root))
    page.get_by_role("button", name="Load data").click()
    expect(page.get_by_text("37 classes")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Next: model and method").click()


def test_wizard_trains_evaluates_and_offers_the_model(page, pets_root):
    load_pets(page, pets_root)
    expect(page.get_by_text("Feature extraction: frozen network")).to_be_visible()
    page.get_by_role("button", name="Next: train").click()
    page.get_by_role("button", name="Start training").click()
    heading = page.get_by_role("heading", name=re.compile(r"Test accuracy: \d+\.\d%"))
    expect(heading).to_be_visible(timeout=240_000)
    accuracy = float(re.search(r"(\d+\.\d)%", heading.inner_text()).group(1))
    assert accuracy >= 79.0, f"wizard test accuracy {accuracy}% is below the floor measured for the library"
    expect(page.locator("#finetune-confusion img")).to_be_visible()
    expect(page.locator("#finetune-mistakes img").first).to_be_visible()
    expect(page.locator("#finetune-table").get_by_text("test images")).to_be_visible()
    expect(page.locator("#finetune-table td")).not_to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finetune-4-evaluate.png"), full_page=True)
    page.get_by_role("tab", name=re.compile(r"3\. Train")).click()
    expect(page.locator("#finetune-loss canvas, #finetune-loss svg").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Done in \d+ s"))).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "finetune-3-train.png"), full_page=True)
    page.get_by_role("button", name="Next: evaluate").click()
    page.get_by_role("button", name="Next: use it").click()
    expect(page.get_by_role("button", name="Download model (.zip)")).to_be_visible()
    page.locator("input[type=file]").last.set_input_files(
        str(pets_root / "oxford-iiit-pet" / "images" / "Abyssinian_142.jpg"))
    page.get_by_role("button", name="Classify with my model").click()
    expect(page.get_by_test_id("label-output-value")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Classify").click()
    page.get_by_label("Pretrained network").first.click()
    expect(page.get_by_role("option", name=re.compile("Fine-tuned: 37 classes"))).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Ideal image").click()  # the other tabs offer it too
    page.get_by_text("Advanced").first.click()
    page.locator("#ideal-model input").click()
    expect(page.get_by_role("option", name=re.compile("Fine-tuned: 37 classes"))).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Fine-tune").click()


def test_session_folder_is_removed_on_cleanup():
    session = Session()
    (session.folder / "model").mkdir()
    cleanup(session)
    assert not session.folder.exists()
    cleanup(None)


def test_evaluation_views():
    evaluation = Evaluation(0.5, ["cat", "dog"], [[1, 1], [1, 1]], [])
    image = confusion_image(evaluation)
    assert image.width > 28 and image.height > 28
    assert list(per_class_table(evaluation)["accuracy"]) == ["50%", "50%"]


def test_upload_zip_and_local_path_rules(tmp_path):
    archive = tmp_path / "mine.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
            for i in range(4):
                buffer = io.BytesIO()
                Image.new("RGB", (40, 40), colour).save(buffer, format="PNG")
                zf.writestr(f"{name}/{i}.png", buffer.getvalue())
    first, text, samples, _ = load_data(UPLOAD, "", str(archive), "breeds", 0, None)
    second, *_ = load_data(UPLOAD, "", str(archive), "breeds", 0, None)
    assert "**2 classes**" in text and [caption for _, caption in samples] == ["blue", "red"]
    assert first.folder != second.folder, "each browser session gets its own folder"
    assert all(str(path).startswith(str(first.folder)) for path, _ in first.data.train)
    with pytest.raises(gr.Error, match="No Oxford-IIIT Pet dataset"):
        load_data(LOCAL, str(first.folder / "data"), None, "breeds", 0, first, roots=[first.folder])
    with pytest.raises(gr.Error, match="can only be opened inside"):  # outside the configured data roots
        load_data(LOCAL, str(first.folder / "data"), None, "breeds", 0, first, roots=[tmp_path])
    with pytest.raises(gr.Error, match="can only be opened inside"):
        load_data(LOCAL, f"{tmp_path}/../../etc", None, "breeds", 0, first, roots=[tmp_path])
    cleanup(first), cleanup(second)


def test_stop_button_ends_training_cleanly(page, pets_root):
    load_pets(page, pets_root)
    page.get_by_role("radio", name=re.compile("Fine-tune the last blocks")).check()
    expect(page.get_by_label("number input for Epochs")).to_have_value("6")  # the method's own defaults
    page.get_by_role("button", name="Next: train").click()
    page.get_by_role("button", name="Start training").click()
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped before the first epoch finished")).to_be_visible(timeout=120_000)
