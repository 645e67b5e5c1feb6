"""The augmentation preview (transfer.train.training_views): what training shows the network of one pets-mini photo
with each method's settings (issue 24, item 5)."""

from __future__ import annotations

import numpy as np
import pytest

import transfer
from transfer.data import open_dataset
from transfer.train import PREVIEW_VIEWS, TrainConfig, training_views


@pytest.fixture(scope="module")
def photo_and_network(pets_root):
    return open_dataset(pets_root).train[0], transfer.load_model(transfer.DEFAULT_FINETUNE_MODEL)


def pixels(views) -> list[np.ndarray]:
    return [np.asarray(view, dtype=np.int16) for view in views]


def test_the_last_layer_sees_the_photo_and_its_mirror_image(photo_and_network):
    sample, classifier = photo_and_network
    plain, mirror = pixels(training_views(sample, classifier, TrainConfig(method="head")))
    side = classifier.preprocessing.input_size
    assert plain.shape == (side, side, 3) and np.array_equal(mirror, plain[:, ::-1])
    crop = pixels([classifier.seen(classifier.to_input(transfer.load_image(sample[0])))])[0]
    assert np.abs(plain - crop).max() <= 1  # the square the network is shown when classifying
    only, = pixels(training_views(sample, classifier, TrainConfig(method="head", augment=False)))
    assert np.array_equal(only, plain)


def test_fine_tuning_sees_random_versions_repeatable_by_seed(photo_and_network):
    sample, classifier = photo_and_network
    views = pixels(training_views(sample, classifier, TrainConfig(method="partial")))
    assert len(views) == PREVIEW_VIEWS
    assert all(view.shape == views[0].shape for view in views)
    assert all(np.abs(a - b).mean() > 2 for i, a in enumerate(views) for b in views[i + 1:])  # every one differs
    again = pixels(training_views(sample, classifier, TrainConfig(method="partial")))
    other = pixels(training_views(sample, classifier, TrainConfig(method="partial", seed=1)))
    assert all(np.array_equal(a, b) for a, b in zip(views, again))
    assert not all(np.array_equal(a, b) for a, b in zip(views, other))
    assert len(training_views(sample, classifier, TrainConfig(method="full", augment=False))) == 1


def test_a_bad_method_is_a_clear_error(photo_and_network):
    sample, classifier = photo_and_network
    with pytest.raises(transfer.InputError, match="Unknown method"):
        training_views(sample, classifier, TrainConfig(method="everything"))
