"""The feature-space map (transfer.train.feature_map): PCA of the pets-mini photos' features before training and of
the trained network's class scores after, and a new photo placed on both."""

from __future__ import annotations

import pytest
import torch

import transfer
from transfer.progress import drain
from transfer.train import FEATURES, LOGITS, feature_map, map_photos, pca_map, trained_map


@pytest.fixture(scope="module")
def maps(default_run):
    """The default run on pets-mini and its two maps."""
    data, result = default_run
    base = transfer.load_model(transfer.DEFAULT_FINETUNE_MODEL)
    samples = map_photos(data)
    return data, drain(feature_map(base, samples, data.classes)), drain(trained_map(result, samples, base))


def test_every_photo_is_a_point_on_both_maps(maps):
    data, before, after = maps
    count = len(data.train) + len(data.val) + len(data.test)
    assert before.points.shape == after.points.shape == (count, 2)
    assert (before.space, after.space) == (FEATURES, LOGITS)
    assert before.vectors.shape[1] > after.vectors.shape[1] == len(data.classes)  # 1280 features, 37 class scores
    assert 0 < before.explained < after.explained <= 1


def test_classes_lie_together_far_more_than_on_a_random_projection(maps):
    data, before, after = maps
    random_axes = torch.randn(before.vectors.shape[1], 2, generator=torch.Generator().manual_seed(0))
    random_view = pca_map(before.vectors @ random_axes, before.samples, data.classes, FEATURES, before.classifier)
    chance = random_view.separation()
    assert before.separation() > 2 * chance and after.separation() > 2 * chance, (before.separation(),
                                                                                  after.separation(), chance)


def test_a_new_photo_lands_where_its_own_vector_does_and_nearest_its_own_class(maps):
    data, before, after = maps
    firsts = {}
    for path, label in data.test:
        firsts.setdefault(label, path)
    right = 0
    for label, path in firsts.items():
        index = [p for p, _ in after.samples].index(path)
        for space in (before, after):
            vector = space.vector(path)
            torch.testing.assert_close(space.project(vector.view(1, -1))[0], space.points[index], atol=0.05, rtol=0.01)
        right += after.nearest_class(after.vector(path)) == label
    assert right >= 0.6 * len(firsts), f"{right} of {len(firsts)} test photos nearest their own class"


def test_pca_finds_the_direction_that_splits_two_groups_and_is_the_same_for_any_order():
    generator = torch.Generator().manual_seed(0)
    vectors = torch.randn(40, 30, generator=generator)
    vectors[20:, 7] += 10  # two groups, apart along one direction
    samples = [(f"{i}.jpg", int(i >= 20)) for i in range(40)]
    model = transfer.load_model(transfer.DEFAULT_FINETUNE_MODEL)
    found = pca_map(vectors, samples, ["a", "b"], FEATURES, model)
    assert found.separation() == 1.0
    assert found.axes[:, 0].abs().argmax() == 7
    order = torch.randperm(40, generator=generator)
    shuffled = pca_map(vectors[order], [samples[i] for i in order], ["a", "b"], FEATURES, model)
    torch.testing.assert_close(shuffled.points, found.points[order], atol=1e-4, rtol=1e-4)


def test_a_map_needs_two_photos():
    model = transfer.load_model(transfer.DEFAULT_FINETUNE_MODEL)
    with pytest.raises(transfer.InputError, match="at least 2 photos"):
        pca_map(torch.ones(1, 5), [("a.jpg", 0)], ["a"], FEATURES, model)


def test_big_datasets_show_an_equal_share_of_each_class(maps):
    data, _, _ = maps
    shown = map_photos(data, limit=2 * len(data.classes))
    assert sorted(label for _, label in shown) == sorted(2 * list(range(len(data.classes))))
    assert len({path for path, _ in shown}) == len(shown)
