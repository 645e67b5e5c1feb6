"""Scoring a classifier on labelled images: accuracy, per-class accuracy, confusion matrix, mistakes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from ..models.classifier import Classifier
from ..data import Sample
from ..errors import InputError, Message
from ..progress import EpochMetrics
from .features import SampleImages


#: Validation loss this much above its lowest counts as "rose"; validation accuracy this much below its best as "fell".
LOSS_RISE, ACCURACY_DROP = 0.05, 0.02


def accuracies_differ(first: float, second: float, images: int) -> bool:
    """Whether two test accuracies on the same `images` test images differ by more than chance could explain: by more
    than one image and by more than one binomial standard error of their difference."""
    if images < 1:
        raise InputError("Comparing test accuracies needs at least one test image.")
    error = math.sqrt((first * (1 - first) + second * (1 - second)) / images)
    return abs(first - second) > max(1 / images, error)


@dataclass(frozen=True)
class Mistake:
    """A misclassified image with its true and predicted class, the probability of the prediction (`confidence`)
    and of the true class (its loss is -log true_probability)."""

    path: str
    true_label: str
    predicted_label: str
    confidence: float
    true_probability: float


@dataclass
class Evaluation:
    """Test results: `confusion[i][j]` counts images of class i predicted as class j."""

    accuracy: float
    classes: list[str]
    confusion: list[list[int]]
    mistakes: list[Mistake]  # the highest loss (lowest probability of the true class) first

    def per_class_accuracy(self) -> dict[str, float]:
        """Accuracy of each class that has test images."""
        return {name: row[i] / sum(row) for i, (name, row) in enumerate(zip(self.classes, self.confusion)) if sum(row)}

    def most_confused(self, count: int = 10) -> list[tuple[str, str, int]]:
        """The `count` most frequent mistakes as (true class, predicted class, test images), most frequent first: the
        confusion matrix read as a list (fastai's most_confused), readable whatever the number of classes."""
        pairs = [(self.classes[i], self.classes[j], n) for i, row in enumerate(self.confusion)
                 for j, n in enumerate(row) if i != j and n]
        return sorted(pairs, key=lambda pair: -pair[2])[:count]


def evaluate_logits(logits: torch.Tensor, samples: Sequence[Sample], classes: list[str]) -> Evaluation:
    """An Evaluation from (N, C) logits and the N (path, label) samples they belong to."""
    if len(samples) == 0 or logits.shape != (len(samples), len(classes)):
        raise InputError("Expected logits of shape ({samples}, {classes}), got {shape}.", samples=len(samples),
                         classes=len(classes), shape=tuple(logits.shape))
    probabilities = logits.float().softmax(-1)
    confidence, predicted = probabilities.max(-1)
    targets = torch.tensor([y for _, y in samples])
    confusion = torch.bincount(targets * len(classes) + predicted, minlength=len(classes) ** 2)
    right = probabilities[torch.arange(len(samples)), targets].tolist()
    mistakes = sorted((Mistake(path, classes[y], classes[p], c, r) for (path, y), p, c, r
                       in zip(samples, predicted.tolist(), confidence.tolist(), right) if p != y),
                      key=lambda mistake: mistake.true_probability)  # the highest loss first
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


def read_curves(history: Sequence[EpochMetrics]) -> Message:
    """One sentence reading a run's training curves for a person: over-fitting, still improving, or levelled off."""
    if not history:
        return Message("No epoch finished, so there are no curves to read.")
    best = next((m for m in history if m.best), history[-1])
    last = history[-1]
    if len(history) > 1 and all(m.l2 is not None for m in history):  # the head's path of L2 strengths, not epochs
        weaker = [m for m in history if m.epoch > best.epoch]
        gain = weaker and max(m.val_accuracy for m in weaker) > best.val_accuracy + ACCURACY_DROP
        rest = "." if not weaker else Message(
            "; weaker penalties fit the training photos more closely ({train})." if gain else
            "; weaker penalties fit the training photos more closely ({train}) without being right more often.",
            train=f"{last.train_accuracy:.0%}")
        return Message("The last layer was fitted at {count} L2 strengths, strongest first, each scored by "
                       "cross-validation on the training photos: step {step} (L2 {l2}, {accuracy} of held-out photos "
                       "right) had the lowest held-out loss and was kept{rest}", count=len(history), step=best.epoch,
                       l2=f"{best.l2:.0e}", accuracy=f"{best.val_accuracy:.0%}", rest=rest)
    if math.isnan(last.val_loss):
        return Message("No validation images, so nothing shows over-fitting: the model of epoch {epoch}, the last, was "
                       "kept; training accuracy reached {accuracy}.", epoch=last.epoch,
                       accuracy=f"{last.train_accuracy:.0%}")
    lowest = min(history, key=lambda m: m.val_loss)
    top = max(m.val_accuracy for m in history)
    kept = Message("the model of epoch {epoch} ({accuracy} on validation images) was kept", epoch=best.epoch,
                   accuracy=f"{best.val_accuracy:.0%}")
    if last.val_loss > lowest.val_loss * (1 + LOSS_RISE) and lowest.epoch < last.epoch:
        if last.val_accuracy < top - ACCURACY_DROP:
            return Message("Validation loss rose after epoch {epoch} and validation accuracy fell from {top} to "
                           "{last}: more epochs would over-fit; {kept}.", epoch=lowest.epoch, top=f"{top:.0%}",
                           last=f"{last.val_accuracy:.0%}", kept=kept)
        return Message("Validation loss rose after epoch {epoch} while validation accuracy held at about {accuracy}: "
                       "the model grew more sure of itself, not more often right; more epochs would start to "
                       "over-fit; {kept}.", epoch=lowest.epoch, accuracy=f"{last.val_accuracy:.0%}", kept=kept)
    if len(history) >= 3 and last.val_accuracy > history[-3].val_accuracy + ACCURACY_DROP:
        return Message("Validation accuracy was still rising at the last epoch ({accuracy}): more epochs might help; "
                       "{kept}.", accuracy=f"{last.val_accuracy:.0%}", kept=kept)
    if top == 1:
        first = next(m.epoch for m in history if m.val_accuracy == 1)
        return Message("Every validation image was right from epoch {epoch} on: more epochs cannot show a gain here "
                       "(more photos would make the test harder and the score more telling); {kept}.", epoch=first,
                       kept=kept)
    return Message("Validation accuracy levelled off at about {accuracy}: more epochs would not help much; {kept}.",
                   accuracy=f"{top:.0%}", kept=kept)
