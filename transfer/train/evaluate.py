"""Scoring a classifier on labelled images: accuracy, per-class accuracy, confusion matrix, mistakes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from ..models.classifier import Classifier
from ..data import Sample
from ..errors import InputError
from ..progress import EpochMetrics
from .features import SampleImages


#: Validation loss this much above its lowest counts as "rose"; validation accuracy this much below its best as "fell".
LOSS_RISE, ACCURACY_DROP = 0.05, 0.02


@dataclass(frozen=True)
class Mistake:
    """A misclassified image with its true and predicted class."""

    path: str
    true_label: str
    predicted_label: str
    confidence: float


@dataclass
class Evaluation:
    """Test results: `confusion[i][j]` counts images of class i predicted as class j."""

    accuracy: float
    classes: list[str]
    confusion: list[list[int]]
    mistakes: list[Mistake]

    def per_class_accuracy(self) -> dict[str, float]:
        """Accuracy of each class that has test images."""
        return {name: row[i] / sum(row) for i, (name, row) in enumerate(zip(self.classes, self.confusion)) if sum(row)}


def evaluate_logits(logits: torch.Tensor, samples: Sequence[Sample], classes: list[str]) -> Evaluation:
    """An Evaluation from (N, C) logits and the N (path, label) samples they belong to."""
    if len(samples) == 0 or logits.shape != (len(samples), len(classes)):
        raise InputError("Expected logits of shape ({samples}, {classes}), got {shape}.", samples=len(samples),
                         classes=len(classes), shape=tuple(logits.shape))
    probabilities = logits.float().softmax(-1)
    confidence, predicted = probabilities.max(-1)
    targets = torch.tensor([y for _, y in samples])
    confusion = torch.bincount(targets * len(classes) + predicted, minlength=len(classes) ** 2)
    mistakes = [Mistake(path, classes[y], classes[p], c) for (path, y), p, c
                in zip(samples, predicted.tolist(), confidence.tolist()) if p != y]
    return Evaluation((predicted == targets).float().mean().item(), list(classes),
                      confusion.view(len(classes), len(classes)).tolist(), mistakes)


def evaluate(classifier: Classifier, samples: Sequence[Sample], classes: list[str] | None = None,
             batch_size: int = 32) -> Evaluation:
    """Score any classifier on (path, label) samples whose labels index `classes` (default: its own labels)."""
    classes = list(classes or classifier.labels)
    if classes != list(classifier.labels):
        raise InputError("The dataset's classes differ from the model's: evaluate a model trained on this dataset.")
    loader = DataLoader(SampleImages(samples, classifier), batch_size=batch_size)
    logits = torch.cat([classifier.infer(images.to(classifier.device)).cpu() for images, _ in loader])
    return evaluate_logits(logits, samples, classes)


def read_curves(history: Sequence[EpochMetrics]) -> str:
    """One sentence reading a run's training curves for a person: over-fitting, still improving, or levelled off."""
    if not history:
        return "No epoch finished, so there are no curves to read."
    best = next((m for m in history if m.best), history[-1])
    last = history[-1]
    if len(history) > 1 and all(m.l2 is not None for m in history):  # the head's path of L2 strengths, not epochs
        weaker = [m for m in history if m.epoch > best.epoch]
        gain = weaker and max(m.val_accuracy for m in weaker) > best.val_accuracy + ACCURACY_DROP
        return (f"The last layer was fitted at {len(history)} L2 strengths, strongest first, each scored by "
                f"cross-validation on the training photos: step {best.epoch} (L2 {best.l2:.0e}, "
                f"{best.val_accuracy:.0%} of held-out photos right) had the lowest held-out loss and was kept" +
                ("." if not weaker else f"; weaker penalties fit the training photos more closely "
                 f"({last.train_accuracy:.0%}){'' if gain else ' without being right more often'}."))
    if math.isnan(last.val_loss):
        return (f"No validation images, so nothing shows over-fitting: the model of epoch {last.epoch}, the last, was kept; "
                f"training accuracy reached {last.train_accuracy:.0%}.")
    lowest = min(history, key=lambda m: m.val_loss)
    top = max(m.val_accuracy for m in history)
    kept = f"the model of epoch {best.epoch} ({best.val_accuracy:.0%} on validation images) was kept"
    if last.val_loss > lowest.val_loss * (1 + LOSS_RISE) and lowest.epoch < last.epoch:
        if last.val_accuracy < top - ACCURACY_DROP:
            return (f"Validation loss rose after epoch {lowest.epoch} and validation accuracy fell from {top:.0%} "
                    f"to {last.val_accuracy:.0%}: more epochs would over-fit; {kept}.")
        return (f"Validation loss rose after epoch {lowest.epoch} while validation accuracy held at about "
                f"{last.val_accuracy:.0%}: the model grew more sure of itself, not more often right; more epochs "
                f"would start to over-fit; {kept}.")
    if len(history) >= 3 and last.val_accuracy > history[-3].val_accuracy + ACCURACY_DROP:
        return (f"Validation accuracy was still rising at the last epoch ({last.val_accuracy:.0%}): more epochs "
                f"might help; {kept}.")
    if top == 1:
        first = next(m.epoch for m in history if m.val_accuracy == 1)
        return (f"Every validation image was right from epoch {first} on: more epochs cannot show a gain here "
                f"(more photos would make the test harder and the score more telling); {kept}.")
    return f"Validation accuracy levelled off at about {top:.0%}: more epochs would not help much; {kept}."
