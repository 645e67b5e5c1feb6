"""Reports that long operations (generators) yield while they work, and running one to its result."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import asdict, dataclass
from typing import TypeVar

from PIL import Image

__all__ = ["EpochMetrics", "OptimisationStep", "TrainingProgress", "Waiting", "drain", "run_to_result"]

Result = TypeVar("Result")


@dataclass(frozen=True)
class TrainingProgress:
    """Work done within a stage of fine-tuning ("features", "train" or "evaluate"), for progress bars."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class OptimisationStep:
    """One step of optimising an image (ideal image, adversarial example), sometimes with a preview."""

    step: int
    steps: int
    probability: float  # of the target class, on the current image
    preview: Image.Image | None = None


@dataclass(frozen=True)
class Waiting:
    """A job waiting in line for its turn (transfer.synthesis.ResultCache): its place (1: next) and, once a job of its
    kind has finished, about how many seconds until it starts."""

    place: int
    seconds: float | None = None


@dataclass(frozen=True)
class EpochMetrics:
    """Losses and accuracies after one step of training; `best` marks the step whose weights are kept.

    For partial / full a step is an epoch (epoch 0: the fitted last layer before any fine-tuning); "train" is the plain
    cross-entropy (no label smoothing, like "val") and accuracy on that epoch's augmented training images. For the head
    it is one L2 strength of its cross-validated regularization path, strongest first (`l2` is set): "train" is the
    score on the folds it was fitted on, "val" on the held-out folds, averaged over the folds.
    """

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    best: bool
    l2: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def run_to_result(events: Iterable, result_type: type[Result], on_progress: Callable | None = None) -> Result:
    """Consume `events`, passing each report to `on_progress`, and return the first `result_type` item."""
    for event in events:
        if isinstance(event, result_type):
            return event
        if on_progress is not None:
            on_progress(event)
    raise RuntimeError(f"The operation ended without a {result_type.__name__}.")


def drain(generator: Generator, on_progress: Callable | None = None) -> Result:
    """Run a generator that yields progress reports and returns its result (`yield from` style) to its end, passing
    each report to `on_progress`."""
    while True:
        try:
            report = next(generator)
        except StopIteration as finished:
            return finished.value
        if on_progress is not None:
            on_progress(report)
