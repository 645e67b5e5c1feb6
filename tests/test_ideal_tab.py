"""The Ideal image tab's handlers: the heading names the target, no pets pretend to look like a non-pet class, and a
failed run leaves no earlier result looking current (issue 21)."""

from __future__ import annotations

import threading
import time

import gradio as gr
import pytest

import transfer
from transfer.data import pets_images
from ui import ideal, synthesis
from ui.i18n import translate

MODEL = transfer.DEFAULT_MODEL


@pytest.mark.parametrize(("target", "english", "german"), [
    ("Siamese cat, Siamese", "### What does Siamese cat look like to the network?", "Siamkatze"),
    ("zebra", "### What does zebra look like to the network?", "*Zebra*"),
    ("my_cat*", r"### What does my\_cat\* look like to the network?", r"my\_cat\*"),
])
def test_the_heading_names_the_chosen_target_in_both_languages(target, english, german):
    assert ideal.heading(target) == english
    shown = translate(ideal.heading(target), "de")
    assert shown.startswith("### Wie stellt sich das Netz") and german in shown


@pytest.fixture(scope="module")
def photos() -> list[str]:
    """Siamese cats and pugs from the pets sample: a few photos to keep the test quick."""
    return [str(path) for breed in ("Siamese", "pug") for path in sorted(pets_images().glob(f"{breed}_*.jpg"))[:3]]


def test_real_photos_like_a_pet_show_and_none_pretend_to_look_like_a_zebra(photos):
    cats = ideal.similar_photos(transfer.Target(*target_of("Siamese cat, Siamese")), photos, MODEL)
    assert cats.label == ideal.PHOTOS_LABEL and len(cats.value) >= 3
    zebras = ideal.similar_photos(transfer.Target(*target_of("zebra")), photos, MODEL)
    assert zebras.value == [] and zebras.label.startswith(f"None of the {len(photos)} real photos")
    assert "zebra" in zebras.label
    assert translate(zebras.label, "de").startswith(f"Keines der {len(photos)} vorhandenen echten Fotos sieht")


def target_of(label: str) -> tuple:
    """A Target's fields for an ImageNet label."""
    labels = transfer.imagenet_labels()
    return labels.index(label), label


def test_a_failed_run_first_clears_the_previous_result():
    run = ideal.run_ideal("no such class at all", "robust", 1, 0.5, 0.05, 0, MODEL)
    cleared = next(run)
    assert set(cleared) == set(ideal.OUTPUTS) and cleared["status"] == ideal.STARTED
    assert all(cleared[name] is None for name in ideal.OUTPUTS if name != "status")
    photos = ideal.clear_photos()  # the click's other event: the previous image's photos go too
    assert photos.value == [] and photos.label == ideal.PHOTOS_LABEL
    with pytest.raises(gr.Error):
        next(run)


def test_similar_photos_are_asked_for_by_the_target_s_name_and_a_wrong_one_is_refused(pets_root):
    found = ideal.show_similar_photos("Siamese cat, Siamese", MODEL)
    assert found.label == ideal.PHOTOS_LABEL and 0 < len(found.value) <= ideal.SIMILAR_PHOTOS
    with pytest.raises(gr.Error, match="no such class at all"):
        ideal.show_similar_photos("no such class at all", MODEL)


def test_visitors_sharing_an_ideal_image_share_its_panels(monkeypatch):
    """Issue 23: a class's identical requests get the one kept result; its PNGs, map, cross-check and summary are made
    once, not once per student."""
    request = ("zebra", "robust", 2, 0.5, 0.05, 7, MODEL)
    first = list(ideal.run_ideal(*request))[-1]
    assert first["final"].endswith(".png") and first["download"] == first["final"]
    monkeypatch.setattr(ideal, "panels", lambda *_: pytest.fail("made the panels again"))
    assert list(ideal.run_ideal(*request))[-1] is first


def test_visitors_shown_a_preview_at_the_same_moment_wait_for_its_one_png():
    """The followers of a shared run get each preview together: its PNG is made once while the others wait (made once
    per visitor, a class of 8 spent 6 s of CPU on previews during one ideal image)."""
    preview, made, start = object(), [], threading.Barrier(8)

    def make() -> str:
        made.append(1)
        time.sleep(0.2)
        return f"preview-{len(made)}.png"

    def visitor(answers: list[str]) -> None:
        start.wait()
        answers.append(synthesis.once_per(preview, make))

    answers: list[str] = []
    visitors = [threading.Thread(target=visitor, args=(answers,)) for _ in range(8)]
    for thread in visitors:
        thread.start()
    for thread in visitors:
        thread.join(10)
    assert answers == ["preview-1.png"] * 8 and len(made) == 1
