"""Target classes by index or any synonym, with helpful errors."""

from __future__ import annotations

import pytest

from transfer import InputError, imagenet_labels
from transfer.synthesis.targets import resolve_target

LABELS = imagenet_labels()


@pytest.mark.parametrize("query, index", [
    ("tabby cat", 281), ("Tabby", 281), ("  siamese   CAT ", 284), ("Siamese", 284), ("zebra", 340),
    ("tabby, tabby cat", 281), (340, 340), ("340", 340), (0, 0), (999, 999),
])
def test_resolves_names_synonyms_and_indices(query, index):
    assert resolve_target(LABELS, query).index == index
    assert resolve_target(LABELS, query).label == LABELS[index]


def test_unknown_name_suggests_close_matches():
    with pytest.raises(InputError, match="Siamese cat"):
        resolve_target(LABELS, "siamse cat")
    with pytest.raises(InputError, match="tabby cat"):
        resolve_target(LABELS, "cat")


@pytest.mark.parametrize("bad", [-1, 1000, "", "   ", None, True, 3.5, "qwertyuiop"])
def test_invalid_targets_are_refused_clearly(bad):
    with pytest.raises(InputError, match="class"):
        resolve_target(LABELS, bad)


def test_fine_tuned_labels_work_too():
    assert resolve_target(["cat", "dog"], "Dog").index == 1
