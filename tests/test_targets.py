"""Target classes by index or any synonym, with helpful errors."""

from __future__ import annotations

import json

import pytest
from torchvision.datasets import OxfordIIITPet

from transfer import InputError, imagenet_labels
from transfer.synthesis.adversarial import DEFAULT_TARGET as adversarial_default
from transfer.synthesis.targets import (NAME_FILES, display_name, local_names, name_languages, resolve_target,
                                        search_targets)
from ui.ideal import DEFAULT_TARGET as ideal_default

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


# --- German names (transfer/assets/class_names_de.json) ------------------------------------------------------------

def test_german_names_find_their_class():
    assert resolve_target(LABELS, "Siamkatze").index == 284
    assert resolve_target(LABELS, "  siamkatze ").index == 284
    assert resolve_target(LABELS, "Zebra").index == 340
    assert resolve_target(LABELS, "Mops").label == "pug, pug-dog"
    assert resolve_target(LABELS, display_name(LABELS[284], "de")).index == 284  # as the German dropdown shows it
    assert resolve_target(LABELS, "Siamese cat").index == 284  # English still works


@pytest.mark.parametrize("kind, first, last", [("Katze", 281, 285), ("Hund", 151, 268)])
def test_a_kind_in_german_suggests_its_classes(kind, first, last):
    found = search_targets(LABELS, kind)
    assert found and all(first <= target.index <= last for target in found)
    with pytest.raises(InputError) as error:
        resolve_target(LABELS, kind)
    hinted = str(error.value)
    assert "Did you mean" in hinted and "snake" not in hinted
    assert display_name(LABELS[found[0].index], "de").split(" (")[0] in hinted  # suggested by its German name


def test_german_names_show_beside_the_english_ones():
    assert display_name("Siamese cat, Siamese", "de") == "Siamkatze (Siamese cat)"
    assert display_name("pug, pug-dog", "de") == "Mops (Hund, pug)"  # the kind where the name does not say it
    assert display_name("Siamese cat, Siamese", "en") == "Siamese cat, Siamese"
    assert display_name("thunder snake, worm snake, Carphophis amoenus", "de").startswith("thunder snake")


def test_the_german_names_cover_the_pets_the_lesson_and_the_examples(pets_root):
    names = local_names("de")
    pets = OxfordIIITPet(pets_root, split="test")  # its labels as the Fine-tune tab shows them
    for task, classes, count in (("breeds", pets.classes, 37), ("species", pets.bin_classes, 2)):
        assert len(classes) == count and not set(classes) - set(names), task
    wanted = {*LABELS[151:294], resolve_target(LABELS, "goldfinch").label, resolve_target(LABELS, "zebra").label,
              resolve_target(LABELS, ideal_default).label, resolve_target(LABELS, adversarial_default).label}
    assert not wanted - set(names)
    assert all(name.names and name.names[0] for name in names.values())


def test_the_names_file_says_where_its_names_come_from():
    assert name_languages() == ["de"]
    about = json.loads((NAME_FILES / "class_names_de.json").read_text(encoding="utf-8"))
    assert "translation" in about["source"].lower()
