"""A linear probe on frozen features: multinomial logistic regression fitted to convergence (full-batch L-BFGS), its
L2 strength chosen by k-fold cross-validation on training images only, then folded into the network's own classifier.

Each strength is judged by its held-out loss once its predictions are calibrated by one temperature (a scale of all
logits, which leaves accuracy unchanged): a strong penalty shrinks logits and looks bad in plain loss though it ranks
the classes well. On pets-mini's 40 re-splits that chose about 1000x stronger penalties than plain loss did (0.1-0.3,
not 1e-4 to 3e-4), scored +0.3 points (Lite1) and +0.4 (Lite0) and cut the test loss by a tenth; the temperature is
folded into the layer.

Features come in views: (V, N, D) holds N training images, each seen V times (itself, then its mirror image). Every
view is a training example; cross-validation keeps an image's views in the same fold and scores only the first
(unflipped) view, as the saved model predicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

#: L2 strengths tried, strongest first (half decades); the penalty is l2 / 2 * |W|^2 on the mean cross-entropy.
L2_GRID = tuple(10.0 ** (exponent / 2) for exponent in range(0, -11, -1))
FOLDS = 5
#: L-BFGS stops when no gradient entry exceeds this, or after MAX_ITERATIONS (full passes over the features).
TOLERANCE = 1e-5
MAX_ITERATIONS = 200


@dataclass(frozen=True)
class Standardizer:
    """Per-feature centring and scaling; the variance is shrunk towards its mean, which is stable on few images."""

    mean: torch.Tensor
    scale: torch.Tensor

    @classmethod
    def fit(cls, features: torch.Tensor) -> Standardizer:
        variance = features.var(0)
        return cls(features.mean(0), (variance + variance.mean()).sqrt())

    def __call__(self, features: torch.Tensor) -> torch.Tensor:
        return (features - self.mean) / self.scale


@dataclass(frozen=True)
class LinearProbe:
    """A fitted linear head on standardized features: logits = weight @ standardize(x) + bias."""

    standardizer: Standardizer
    weight: torch.Tensor  # (classes, D), temperature included
    bias: torch.Tensor  # (classes,), temperature included
    l2: float
    temperature: float = 1.0

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """Class scores of raw (N, D) features: exactly what the folded network layer computes."""
        return self.standardizer(features) @ self.weight.T + self.bias

    def fold_into(self, layer: nn.Linear) -> None:
        """Write the probe into `layer`, standardization included, so the plain network reproduces it."""
        weight = self.weight / self.standardizer.scale
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(self.bias - weight @ self.standardizer.mean)


@dataclass(frozen=True)
class PathPoint:
    """Cross-validated scores of one L2 strength, on training and held-out images, losses at `temperature`."""

    l2: float
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    temperature: float  # the scale of the logits that minimises the held-out loss


def fit_probe(views: torch.Tensor, targets: torch.Tensor, classes: int, l2: float,
              temperature: float = 1.0) -> LinearProbe:
    """Fit a probe on (V, N, D) features of N images with labels `targets` at L2 strength `l2`; its logits are then
    multiplied by `temperature` (e.g. the chosen PathPoint's)."""
    standardizer = Standardizer.fit(views.flatten(0, 1))
    inputs = standardizer(views.flatten(0, 1))
    with _one_thread():
        basis = _row_space(inputs)
        weight, bias = _fit(inputs @ basis, targets.repeat(len(views)), classes, l2)
    return LinearProbe(standardizer, temperature * weight @ basis.T, temperature * bias, l2, temperature)


def regularization_path(views: torch.Tensor, targets: torch.Tensor, classes: int, grid: Sequence[float] = L2_GRID,
                        folds: int = FOLDS, seed: int = 0) -> Iterator[PathPoint]:
    """Yield a PathPoint per L2 strength of `grid` (in its order), from stratified k-fold cross-validation.

    Each fold's fit starts from its fit at the previous strength, so going from strong to weak is fast. The held-out
    logits of all folds together set the strength's temperature.
    """
    fold_of = stratified_folds(targets, folds, seed)
    splits, starts = [], []
    for fold in range(int(fold_of.max()) + 1):
        train, held_out = fold_of != fold, fold_of == fold
        standardizer = Standardizer.fit(views[:, train].flatten(0, 1))
        inputs = standardizer(views[:, train].flatten(0, 1))
        with _one_thread():
            basis = _row_space(inputs)
        splits.append((inputs @ basis, targets[train].repeat(len(views)), standardizer(views[0, held_out]) @ basis,
                       held_out))
        starts.append(None)
    fold_sizes = torch.tensor([float(held_out.sum()) for *_, held_out in splits])
    for l2 in grid:
        train_logits, held_logits = [], torch.empty(len(targets), classes)
        for index, (inputs, labels, val_inputs, held_out) in enumerate(splits):
            with _one_thread():
                weight, bias = starts[index] = _fit(inputs, labels, classes, l2, starts[index])
            train_logits.append((inputs @ weight.T + bias, labels))
            held_logits[held_out] = val_inputs @ weight.T + bias
        temperature = calibrate(held_logits, targets)
        train_scores = torch.tensor([score_logits(temperature * logits, labels) for logits, labels in train_logits])
        yield PathPoint(l2, *(fold_sizes @ train_scores / fold_sizes.sum()).tolist(),
                        *score_logits(temperature * held_logits, targets), temperature)


def best_point(path: Sequence[PathPoint]) -> PathPoint:
    """The strength with the lowest calibrated held-out loss (smoother than accuracy on few images; ties to the
    stronger)."""
    return min(path, key=lambda point: point.val_loss)


def calibrate(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """The temperature T > 0 that minimises the cross-entropy of T * logits (one number, fitted by L-BFGS)."""
    log_temperature = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.LBFGS([log_temperature], lr=1, max_iter=50, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        value = F.cross_entropy(logits * log_temperature.exp(), targets)
        value.backward()
        return value

    with torch.enable_grad(), _one_thread():
        optimizer.step(loss)
    return float(log_temperature.detach().exp())


def stratified_folds(targets: torch.Tensor, folds: int, seed: int) -> torch.Tensor:
    """A fold number per image, classes spread evenly; fewer folds when the largest class has fewer images."""
    generator = torch.Generator().manual_seed(seed)
    fold_of = torch.empty_like(targets)
    folds = max(2, min(folds, int(torch.bincount(targets).max())))
    offset = 0
    for label in targets.unique():
        members = (targets == label).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        fold_of[members] = (torch.arange(len(members)) + offset) % folds
        offset += len(members)  # classes of one image each land in different folds
    return fold_of


def _fit(inputs: torch.Tensor, targets: torch.Tensor, classes: int, l2: float,
         start: tuple[torch.Tensor, torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimise mean cross-entropy + l2 / 2 * |W|^2 with L-BFGS; returns (weight, bias)."""
    weight = torch.zeros(classes, inputs.shape[1]) if start is None else start[0].clone()
    bias = torch.zeros(classes) if start is None else start[1].clone()
    weight.requires_grad_(True), bias.requires_grad_(True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=MAX_ITERATIONS, history_size=20,
                                  tolerance_grad=TOLERANCE, tolerance_change=1e-10, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimizer.zero_grad()
        value = F.cross_entropy(inputs @ weight.T + bias, targets) + l2 / 2 * weight.pow(2).sum()
        value.backward()
        return value

    with torch.enable_grad():
        optimizer.step(loss)
    return weight.detach(), bias.detach()


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run this thread's tensor maths on one core: these matrices are small, and a second thread only adds waiting,
    which made fits 10x slower on a busy 2-core machine (measured). Other threads keep their own setting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _row_space(inputs: torch.Tensor) -> torch.Tensor:
    """An orthonormal (D, r) basis of the rows of `inputs`. Fitting in it is exact (the optimum of an L2-penalised
    linear model lies in the span of its inputs) and cheaper when images are fewer than features."""
    _, singular, vectors = torch.linalg.svd(inputs, full_matrices=False)
    return vectors[singular > singular[0] * 1e-6].T


def score_logits(logits: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of (N, classes) logits against `targets`."""
    return F.cross_entropy(logits, targets).item(), (logits.argmax(1) == targets).float().mean().item()
