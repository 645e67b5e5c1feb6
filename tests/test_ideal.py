"""Ideal images: gradient descent on the image raises the target probability; TV makes it smoother."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from PIL import Image

from transfer import InputError, load_model
from transfer.images import to_tensor
from transfer.ideal import IdealImage, ideal_image, iter_ideal_image
from transfer.synthesis import Progress, total_variation

STEPS = 12


def start_probability(target_index: int) -> float:
    """Target probability of a mid-grey image, a fair stand-in for the starting noise."""
    model = load_model()
    grey = Image.new("RGB", (224, 224), (128, 128, 128))
    return float(model.infer(model.to_input(grey)).softmax(-1)[0, target_index])


@pytest.mark.parametrize("mode, target", [("lesson", "Siamese cat"), ("lesson", "zebra"), ("robust", "goldfish")])
def test_target_probability_rises_far_above_start(mode, target):
    result = ideal_image(target, steps=STEPS, mode=mode, size=160)
    assert isinstance(result, IdealImage) and result.image.size == (160, 160)
    assert result.probability > 0.3 > 20 * start_probability(result.target.index)
    assert result.predictions[0].index == result.target.index


def test_higher_tv_weight_gives_a_smoother_image():
    def tv(weight: float) -> float:
        image = ideal_image("tabby cat", steps=STEPS, tv_weight=weight, mode="lesson", size=128, seed=1).image
        return float(total_variation(to_tensor(image)))
    low, high = tv(0.0), tv(20.0)
    assert high < 0.85 * low


def test_streams_progress_with_previews_then_result():
    items = list(iter_ideal_image(281, steps=4, size=64, preview_every=2, mode="robust"))
    progress, result = items[:-1], items[-1]
    assert [p.step for p in progress] == [1, 2, 3, 4] and all(isinstance(p, Progress) for p in progress)
    assert [p.preview is not None for p in progress] == [False, True, False, True]
    assert isinstance(result, IdealImage) and result.target.index == 281 and result.steps == 4


def test_same_seed_same_image():
    first = ideal_image("zebra", steps=2, size=64, seed=7).image
    second = ideal_image("zebra", steps=2, size=64, seed=7).image
    assert torch.equal(to_tensor(first), to_tensor(second))


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps"), ({"steps": 10**6}, "steps"), ({"steps": 2.5}, "steps"),
    ({"tv_weight": -1}, "tv_weight"), ({"tv_weight": float("nan")}, "tv_weight"), ({"tv_weight": "x"}, "tv_weight"),
    ({"lr": 0}, "learning rate"), ({"lr": float("inf")}, "learning rate"), ({"size": 8}, "size"),
    ({"seed": -1}, "seed"), ({"mode": "dream"}, "mode"), ({"target": "not a class"}, "Unknown target"),
])
def test_invalid_parameters_are_refused_clearly(kwargs, message):
    arguments = {"target": "zebra", "steps": 1, "size": 64, **kwargs}
    with pytest.raises(InputError, match=message):
        ideal_image(arguments.pop("target"), **arguments)


def test_cli_writes_png_and_json(tmp_path):
    out = tmp_path / "cat.png"
    completed = subprocess.run(
        [sys.executable, "-m", "transfer", "ideal", "--target", "Siamese cat", "--steps", "3", "--size", "96",
         "--mode", "lesson", "--out", str(out), "--json"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["target"] == "Siamese cat, Siamese" and report["target_index"] == 284
    assert 0 <= report["probability"] <= 1 and report["out"] == str(out)
    assert Image.open(out).size == (96, 96)


def test_cli_unknown_target_is_a_clear_error(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "transfer", "ideal", "--target", "siamse cat",
                                "--out", str(tmp_path / "x.png")], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2 and "Did you mean" in completed.stderr and "Siamese cat" in completed.stderr
