"""What the wizard tells a person about a run: the curves in one sentence, the confusion matrix as a picture."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from transfer.train.evaluate import read_curves
from transfer.render import confusion_image
from transfer.train import EpochMetrics


def history(val_loss: list[float], val_accuracy: list[float], best: int) -> list[EpochMetrics]:
    epochs = len(val_loss)
    return [EpochMetrics(i + 1, epochs, 1 / (i + 1), min(1.0, 0.5 + 0.1 * i), loss, accuracy, 0.1, i + 1 == best)
            for i, (loss, accuracy) in enumerate(zip(val_loss, val_accuracy))]


@pytest.mark.parametrize("val_loss, val_accuracy, best, expected", [
    ([1.0, 0.6, 0.5, 0.4, 0.55, 0.7], [0.5, 0.7, 0.8, 0.85, 0.8, 0.75], 4,
     "Validation loss rose after epoch 4 and validation accuracy fell from 85% to 75%: more epochs would over-fit"),
    ([1.0, 0.6, 0.5, 0.6, 0.7], [0.5, 0.7, 0.8, 0.8, 0.8], 5,
     "Validation loss rose after epoch 3 while validation accuracy held at about 80%"),
    ([1.0, 0.8, 0.6, 0.5, 0.4], [0.5, 0.6, 0.7, 0.75, 0.8], 5, "still rising at the last epoch (80%)"),
    ([1.0, 0.6, 0.5, 0.49, 0.48], [0.5, 0.8, 0.8, 0.8, 0.8], 5, "levelled off at about 80%"),
    ([1.0, 0.6, 0.5, 0.49], [0.5, 1.0, 1.0, 1.0], 4, "Every validation image was right from epoch 2 on"),
    ([math.nan] * 3, [math.nan] * 3, 3, "No validation images"),
])
def test_curves_are_read_in_one_sentence(val_loss, val_accuracy, best, expected):
    reading = str(read_curves(history(val_loss, val_accuracy, best)))
    assert expected in reading and f"epoch {best}" in reading and reading.count(".") <= 2


def test_a_head_path_is_read_as_l2_strengths_not_epochs():
    path = [EpochMetrics(i + 1, 4, 0.1, 1.0, loss, 0.9, 0.1, i == 1, l2)
            for i, (loss, l2) in enumerate(zip([0.5, 0.3, 0.35, 0.4], [1.0, 0.1, 0.01, 0.001]))]
    reading = str(read_curves(path))
    assert "4 L2 strengths" in reading and "step 2 (L2 1e-01, 90% of held-out photos right)" in reading
    assert "epoch" not in reading and reading.endswith("without being right more often.")
    path[3] = replace(path[3], val_accuracy=0.95)  # a weaker strength right more often, at a worse held-out loss
    assert str(read_curves(path)).endswith("more closely (100%).")


@pytest.mark.parametrize("classes", [2, 12, 37])
def test_confusion_matrix_cells_and_names_scale_with_the_class_count(classes):
    names = [f"breed number {i}" for i in range(classes)]
    matrix = np.eye(classes, dtype=int) * 3
    matrix[0, 1] = 1
    image = np.asarray(confusion_image(names, matrix.tolist())).astype(int)
    assert 300 <= image.shape[1] <= 900 and 300 <= image.shape[0] <= 900, "readable on a page, at any class count"
    indigo = image[..., 2] - image[..., 0] > 50  # the diagonal's colour (right answers)
    orange = image[..., 0] - image[..., 2] > 80  # the mistake's colour (and the legend's bar)
    assert indigo.sum() > classes * 60 and orange.sum() > 40
