"""Work and resources stay bounded whatever the input: hostile image shapes, datasets, caches, time."""

from __future__ import annotations

from collections import OrderedDict

import gradio.media
import pytest
import timm
import torch

import transfer
from harness.corpus import hostile_shapes
from transfer.models import catalog as models, classifier
from transfer.synthesis import adversarial, ideal
from transfer.images import load_image

LION = gradio.media.get_image("lion.jpg")
#: Most float values one resize may read or write: the largest source window to_input keeps (under twice
#: FLOAT_WINDOW crops a side, for the largest catalog input, 260 px), 3 channels.
MAX_RESIZE_VALUES = 3 * (2 * classifier.FLOAT_WINDOW * 260) ** 2


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return hostile_shapes(tmp_path_factory.mktemp("shapes"))


@pytest.fixture
def resize_sizes(monkeypatch):
    """The number of values each resize of the preprocessing reads and writes; refuses (instead of allocating)
    any resize beyond MAX_RESIZE_VALUES, as the old preprocessing did for a 1x40000 image (31 GB)."""
    sizes: list[int] = []
    interpolate = classifier.F.interpolate

    def bounded(images: torch.Tensor, size, **options):
        sizes.append(max(images.numel(), images.shape[0] * images.shape[1] * size[0] * size[1]))
        assert sizes[-1] <= MAX_RESIZE_VALUES, f"resize of {tuple(images.shape)} to {size}"
        return interpolate(images, size=size, **options)

    monkeypatch.setattr(classifier.F, "interpolate", bounded)
    return sizes


@pytest.mark.parametrize("name", ["1x8000 PNG", "1x40000 PNG", "40000x1 PNG", "8000x5000 JPEG (40 MP)",
                                  "64x64 GIF, 10,000 frames"])
def test_hostile_shapes_are_classified_explained_and_attacked_within_bounds(shapes, resize_sizes, name):
    image = load_image(shapes[name])
    assert len(transfer.predict(image)) == 5
    assert transfer.gradcam(image).overlay.size == (224, 224)
    assert transfer.adversarial_example(image, steps=1).steps <= 1
    assert resize_sizes, "the preprocessing resized nothing"


def test_an_rgba_photo_of_40_megapixels_is_refused_from_its_header_for_its_decoded_size(shapes):
    """RGBA and its RGB copy would take over MAX_DECODED_BYTES (200 MB): refused before decoding, saying what to do."""
    with pytest.raises(transfer.InputError, match=r"mode RGBA: decoded it would take \d+ MB; the limit is 200 MB\. Save"):
        load_image(shapes["8000x5000 RGBA PNG (40 MP)"])


def test_bounded_preprocessing_sees_the_same_pixels_as_the_differentiable_one():
    """to_input (classify, explain) and preprocess (attack, ideal image) agree exactly up to 1024 px photos."""
    model = transfer.load_model()
    generator = torch.Generator().manual_seed(0)
    for height, width in [(343, 502), (600, 377), (1024, 683), (48, 64), (1, 1024), (1024, 1), (1000, 1000)]:
        pixels = (torch.rand(height, width, 3, generator=generator) * 255).to(torch.uint8).numpy()
        image = load_image(pixels)
        assert torch.equal(model.to_input(image), model.preprocess(transfer.images.to_tensor(image)[None]))


def test_time_limits_stop_synthesis_after_the_current_step():
    assert transfer.ideal_image("zebra", steps=ideal.STEPS.high, max_seconds=0).steps == 1
    assert transfer.adversarial_example(LION, steps=adversarial.STEPS.high, max_seconds=0).steps == 0
    with pytest.raises(transfer.InputError, match="max_seconds"):
        transfer.ideal_image("zebra", steps=1, max_seconds=-1)


def test_hub_models_are_kept_in_a_bounded_cache(monkeypatch):
    """Models loaded by name from the Hub (up to 0.5 GB each) are dropped least recently used first."""
    tiny = timm.create_model("mobilenetv3_small_050", pretrained=False)
    monkeypatch.setattr(models, "_cache", OrderedDict())
    monkeypatch.setattr(models, "_load_from_hub", lambda name: models._classifier_from_timm(name, tiny, "hub"))
    for name in ("resnet18.a1_in1k", "resnet34.a1_in1k", "vgg11.tv_in1k", "resnet18.a1_in1k", "densenet121.tv_in1k"):
        models.load_model(name)
    models.load_model(transfer.DEFAULT_MODEL)
    hub = [key for key, loaded in models._cache.items() if loaded.source == "hub"]
    assert hub == ["resnet18.a1_in1k", "densenet121.tv_in1k"][-models.MAX_CACHED["hub"]:]
    assert transfer.DEFAULT_MODEL in models._cache
