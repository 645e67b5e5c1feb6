"""Adversarial examples on real dog photos: success that survives saving the 8-bit PNG and classifying it again."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image

from transfer import InputError, predict
from transfer.synthesis.adversarial import AdversarialExample, adversarial_example, iter_adversarial
from transfer.images import to_tensor
from transfer.progress import OptimisationStep


@pytest.fixture(scope="module")
def dog_photos(pets_images):
    """A few real dog photos of different breeds from pets-mini."""
    dogs = [path for path, _breed, is_cat in pets_images if not is_cat]
    return dogs[::60][:3]


@pytest.mark.slow
@pytest.mark.parametrize("eps", [2.0])
def test_targeted_attack_fools_the_network_after_png_round_trip(dog_photos, tmp_path, eps):
    for photo in dog_photos:
        result = adversarial_example(photo, "tabby cat", steps=20, eps=eps)
        assert result.success, f"{photo.name}: {result.adversarial[0]}"
        assert result.linf <= eps and 0 < result.l2 and result.psnr > 40
        assert result.original[0].index != 281 and result.adversarial[0].index == 281
        saved = tmp_path / f"{photo.stem}.png"
        saved.write_bytes(result.png)
        assert predict(saved)[0].index == 281
        assert Image.open(saved).size == Image.open(photo).size
        difference = (to_tensor(Image.open(saved).convert("RGB")) - to_tensor(Image.open(photo).convert("RGB")))
        assert float(difference.abs().max()) * 255 <= eps + 1e-4


@pytest.mark.slow
def test_attack_keeps_going_until_the_network_is_sure_enough(dog_photos):
    """The lesson's cat reaches 87%: asking for it costs a few more steps than the first fooled PNG."""
    result = adversarial_example(dog_photos[0], "tabby cat", steps=40, eps=2.0, confidence=0.87)
    assert result.success and result.confidence == 0.87
    assert result.adversarial[0].index == 281 and result.adversarial[0].score >= 0.87
    assert predict(result.png)[0].score >= 0.87, "the saved PNG itself is that sure"
    assert result.amplification == pytest.approx(255 / (2 * max(result.linf, 1)), rel=1e-3)


@pytest.mark.slow
def test_untargeted_attack_changes_the_top_class(dog_photos):
    result = adversarial_example(dog_photos[0], None, steps=20, eps=1.0)
    assert result.success and result.target is None
    assert result.adversarial[0].index != result.original[0].index and result.linf <= 1.0


@pytest.mark.slow
def test_streams_progress_then_result(dog_photos):
    items = list(iter_adversarial(dog_photos[1], "zebra", steps=2, eps=1.0))
    assert all(isinstance(item, OptimisationStep) for item in items[:-1])
    result = items[-1]
    assert isinstance(result, AdversarialExample) and result.steps <= 2
    assert Image.open(__import__("io").BytesIO(result.png)).size == result.image.size == result.perturbation.size


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps"), ({"steps": 100_000}, "steps"), ({"eps": 0}, "eps"), ({"eps": 300}, "eps"),
    ({"eps": float("nan")}, "eps"), ({"tv_weight": -0.1}, "tv_weight"), ({"tv_weight": float("inf")}, "tv_weight"),
    ({"lr": -1}, "learning rate"), ({"target": "kitty"}, "Unknown target"), ({"target": 1000}, "index"),
    ({"confidence": 1.0}, "confidence"), ({"confidence": -0.1}, "confidence"), ({"confidence": "87%"}, "confidence"),
    ({"image": None}, "No image"), ({"image": b"not an image"}, "not an image"),
])
def test_invalid_parameters_are_refused_clearly(kwargs, message):
    arguments = {"image": Image.new("RGB", (64, 64), "gray"), "target": "tabby cat", "steps": 1, **kwargs}
    with pytest.raises(InputError, match=message):
        adversarial_example(arguments.pop("image"), arguments.pop("target"), **arguments)


@pytest.mark.slow
def test_cli_png_gives_the_reported_class_when_classified_again(dog_photos, tmp_path):
    out = tmp_path / "adversarial.png"
    completed = subprocess.run(
        [sys.executable, "-m", "transfer", "adversarial", str(dog_photos[2]), "--target", "tabby cat", "--eps", "2",
         "--out", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["success"] and report["linf"] <= 2 and report["out"] == str(out)
    assert report["adversarial"]["label"] == "tabby, tabby cat" and report["original"]["label"] != "tabby, tabby cat"
    classified = subprocess.run([sys.executable, "-m", "transfer", "classify", str(out), "--json"],
                                capture_output=True, text=True, timeout=300)
    assert json.loads(classified.stdout)[0]["predictions"][0]["label"] == report["adversarial"]["label"]
