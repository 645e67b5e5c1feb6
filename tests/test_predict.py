"""Predictions, Grad-CAM and feature maps on real photos."""

from __future__ import annotations

import copy
import dataclasses
import threading
import time

import gradio.media
import numpy as np
import pytest
import torch
from PIL import Image

import transfer
from transfer import InputError, analyse, feature_layers, feature_maps, gradcam, predict, predict_batch

LION = gradio.media.get_image("lion.jpg")
CHEETAH = gradio.media.get_image("cheetah.jpg")
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
DOG_CLASSES = range(151, 269)


def test_real_photos_get_their_class():
    lion, cheetah = predict_batch([LION, CHEETAH], top_k=3)
    assert lion[0].label.startswith("lion") and lion[0].index == 291 and lion[0].score > 0.5
    assert cheetah[0].label.startswith("cheetah") and cheetah[0].score > 0.5


def test_predictions_are_sorted_probabilities():
    predictions = predict(LION, top_k=10)
    scores = [p.score for p in predictions]
    assert len(predictions) == 10 and scores == sorted(scores, reverse=True)
    assert 0 < sum(scores) <= 1.0001
    assert len({p.index for p in predictions}) == 10


@pytest.mark.parametrize("top_k", [0, -1, 1001, 2.5, "5", True])
def test_top_k_is_validated(top_k):
    with pytest.raises(InputError, match="top_k"):
        predict(LION, top_k=top_k)


@pytest.mark.slow
def test_pets_are_told_apart_as_cats_and_dogs(pets_images):
    """Measured on all 370 pets-mini photos: 93.5% top-1 and 98.6% top-5 name a class of the right species."""
    results = predict_batch([path for path, _, _ in pets_images], top_k=5)
    top1 = top5 = 0
    for (_, _, is_cat), predictions in zip(pets_images, results):
        species = CAT_CLASSES if is_cat else DOG_CLASSES
        top1 += predictions[0].index in species
        top5 += any(p.index in species for p in predictions)
    assert top1 / len(pets_images) >= 0.90
    assert top5 / len(pets_images) >= 0.96


def test_gradcam_finds_the_animal_in_a_composite():
    """A lion pasted on the left of a plain grey canvas: the heat for 'lion' must lie on the left."""
    canvas = Image.new("RGB", (448, 224), (128, 128, 128))
    canvas.paste(Image.open(LION).convert("RGB").resize((224, 224)), (0, 0))
    cam = gradcam(canvas, class_index=291)
    heat = cam.heatmap
    assert heat.max() == pytest.approx(1.0) and heat.min() >= 0
    half = heat.shape[1] // 2
    assert heat[:, :half].sum() > 3 * heat[:, half:].sum()
    assert cam.label.startswith("lion") and cam.overlay.size == cam.crop.size


def test_feature_maps_grid_and_layers():
    layers = feature_layers()
    assert layers[0] == "blocks.0" and len(layers) == 5
    grid = feature_maps(LION, layer=layers[1], channels=16, tile=50)
    assert grid.size == (4 * 50 + 3 * 3, 4 * 50 + 3 * 3)
    assert np.asarray(grid).std() > 10  # real activations, not a blank canvas
    with pytest.raises(InputError, match="Unknown layer"):
        feature_maps(LION, layer="conv_nope")


def test_analyse_gives_all_three_answers_from_one_decode_and_one_pass(monkeypatch):
    """The Classify button's work: top-5, Grad-CAM and feature maps equal the separate calls', for one pass."""
    classifier = transfer.load_model()
    passes, decodes = [], []
    hook = classifier.network.conv_stem.register_forward_hook(lambda *args: passes.append(1))
    real_load = transfer.explain.load_image
    monkeypatch.setattr(transfer.explain, "load_image", lambda image: decodes.append(1) or real_load(image))
    try:
        result = analyse(LION, classifier, layer="blocks.2")
    finally:
        hook.remove()
    assert len(passes) == 1 and len(decodes) == 1
    assert [p.index for p in result.predictions] == [p.index for p in predict(LION, classifier)]
    assert result.predictions[0].score == pytest.approx(predict(LION, classifier)[0].score, abs=1e-3)
    cam = gradcam(LION, classifier)
    assert result.gradcam.class_index == cam.class_index == 291
    assert np.allclose(result.gradcam.heatmap, cam.heatmap, atol=1e-5)
    assert np.array_equal(np.asarray(result.feature_maps), np.asarray(feature_maps(LION, classifier, "blocks.2")))
    with pytest.raises(InputError, match="Unknown layer"):
        analyse(LION, classifier, layer="conv_nope")


@pytest.mark.slow
def test_a_classifier_with_fewer_than_five_classes_works_everywhere():
    """A fine-tuned cat/dog model: predictions, ideal images and adversarial examples list its 2 classes."""
    base = transfer.load_model()
    network = copy.deepcopy(base.network)
    network.reset_classifier(2)
    two = transfer.Classifier("cat-or-dog", network.eval(), ["cat", "dog"], base.preprocessing)
    assert [p.label for p in sorted(predict(LION, two), key=lambda p: p.index)] == ["cat", "dog"]
    assert len(transfer.ideal_image("dog", two, steps=1).predictions) == 2
    fooled = transfer.adversarial_example(LION, None, two, steps=1)
    assert len(fooled.original) == len(fooled.adversarial) == 2
    with pytest.raises(InputError, match="top_k"):
        predict(LION, two, top_k=5)


def test_the_first_photos_are_classified_while_the_fast_copy_is_being_made(monkeypatch):
    """Issue 23: a class's first requests as the app starts do not wait for the traced copy (seconds per network)."""
    from transfer.models import classifier as classifier_module
    release, made = threading.Event(), threading.Event()
    real_copy = classifier_module.inference_copy

    def slow_copy(*args):
        assert release.wait(60)
        copied = real_copy(*args)
        made.set()
        return copied

    monkeypatch.setattr(classifier_module, "inference_copy", slow_copy)
    classifier = dataclasses.replace(transfer.load_model())  # a new instance: no copy made yet
    inputs = classifier.to_input(Image.open(LION))
    meanwhile = classifier.infer(inputs)  # returns although the copy is held back
    release.set()
    assert made.wait(60), "the copy was made in the background"
    deadline = time.monotonic() + 10
    while "_inference_network" not in classifier.__dict__ and time.monotonic() < deadline:
        time.sleep(0.05)
    fast = classifier.infer(inputs)
    assert meanwhile.argmax() == fast.argmax()
    assert torch.allclose(meanwhile.softmax(-1), fast.softmax(-1), atol=1e-4)


def test_a_prepared_network_classifies_with_its_fast_copy_at_once(monkeypatch):
    """The app prepares its default network as it starts: the first photos then use the fast copy, made once, and no
    second copy is started in the background beside them."""
    classifier = dataclasses.replace(transfer.load_model())  # a new instance: no copy made yet
    assert classifier.prepare() is classifier and "_inference_network" in classifier.__dict__
    monkeypatch.setattr(threading, "Thread", lambda *_, **__: pytest.fail("started a background copy"))
    copy_made = classifier.__dict__["_inference_network"]
    inputs = classifier.to_input(Image.open(LION))
    assert torch.equal(classifier.infer(inputs), copy_made(inputs.contiguous(memory_format=torch.channels_last)))
