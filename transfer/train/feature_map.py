"""The feature space, seen: a dataset's photos as points on a 2-D map (PCA), before and after fine-tuning.

Before: the pretrained network's pooled features (the cached ones training uses). After: the trained network's
class scores (logits), the space its last layer decides in. For feature extraction the network under the last layer
is unchanged, so its penultimate features would give the same map twice; its logits are a linear function of those
very features, so the two maps show what a linear layer does with them: pull the classes apart along the directions
that already separate them. A new photo is placed on both maps with the same projection.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import torch

from ..data import DatasetSplits, Sample
from ..errors import InputError
from ..images import ImageInput, load_image
from ..models.catalog import load_model
from ..models.classifier import Classifier
from ..progress import TrainingProgress
from .features import extract_features, feature_network
from .loop import FineTuneResult, _logits

#: Most photos a map shows (an equal share of each class beyond it): the projection of 600 photos takes
#: milliseconds, and a browser keeps a scatter plot of that many points (with a thumbnail each) responsive.
MAX_MAP_PHOTOS = 600
#: The two spaces a map is drawn in: the pretrained network's features, or the trained network's class scores.
FEATURES, LOGITS = "features", "logits"


@dataclass(frozen=True)
class FeatureMap:
    """Photos as 2-D points: the first two principal components of their vectors in `space` (FEATURES or LOGITS).

    `explained` is the share of the vectors' variance the two axes keep; `place` projects a new photo the same way.
    """

    space: str
    classifier: Classifier  # whose features (FEATURES) or scores (LOGITS) are projected
    samples: list[Sample]
    classes: list[str]
    vectors: torch.Tensor  # (N, D): the photos' features or class scores
    points: torch.Tensor  # (N, 2)
    mean: torch.Tensor  # (D,)
    axes: torch.Tensor  # (D, 2)
    explained: float

    def project(self, vectors: torch.Tensor) -> torch.Tensor:
        """(M, D) vectors of this map's space as (M, 2) points."""
        return (vectors.float() - self.mean) @ self.axes

    def vector(self, image: ImageInput) -> torch.Tensor:
        """A new photo's vector (D,) in this map's space: its features, or its class scores."""
        inputs = self.classifier.to_input(load_image(image))
        with torch.inference_mode():
            vector = (feature_network(self.classifier)(inputs) if self.space == FEATURES
                      else self.classifier.infer(inputs))
        return vector.float().cpu()[0]

    def place(self, image: ImageInput) -> torch.Tensor:
        """A new photo's point (2,) on this map."""
        return self.project(self.vector(image).view(1, -1))[0]

    def centroids(self) -> torch.Tensor:
        """(classes, 2): each class's mean point (NaN for a class with no photo on the map)."""
        return _class_means(self.points, self.samples, len(self.classes))

    def nearest_class(self, vector: torch.Tensor) -> int:
        """The class whose photos' mean vector is nearest to `vector` in the whole space (not just on the map's two
        directions, which hide most of the differences between many classes)."""
        means = _class_means(self.vectors, self.samples, len(self.classes))
        return int(torch.cdist(vector.view(1, -1).float(), means).nan_to_num(float("inf")).argmin())

    def separation(self) -> float:
        """The share of photos that lie nearer their own class's centre than any other on this map (0 to 1)."""
        labels = torch.tensor([label for _, label in self.samples])
        nearest = torch.cdist(self.points, self.centroids()).nan_to_num(float("inf")).argmin(1)
        return (nearest == labels).float().mean().item()


def map_photos(data: DatasetSplits, limit: int = MAX_MAP_PHOTOS) -> list[Sample]:
    """The dataset's photos a map shows: all of them (training, validation, test) up to `limit`, else an equal
    share of each class, taken evenly through its photos."""
    samples = data.train + data.val + data.test
    if len(samples) <= limit:
        return samples
    share = max(1, limit // len(data.classes))
    by_class = [[s for s in samples if s[1] == label] for label in range(len(data.classes))]
    return [photos[i * len(photos) // share] for photos in by_class for i in range(min(share, len(photos)))]


def pca_map(vectors: torch.Tensor, samples: Sequence[Sample], classes: Sequence[str], space: str,
            classifier: Classifier) -> FeatureMap:
    """The map of (N, D) vectors: centred, then projected on their two directions of largest variance (SVD); each
    axis's sign is fixed (its largest loading positive) so the same data always gives the same picture."""
    if len(vectors) < 2:
        raise InputError("A feature map needs at least 2 photos; got {count}.", count=len(vectors))
    vectors = vectors.float()
    mean = vectors.mean(0)
    _, values, directions = torch.linalg.svd(vectors - mean, full_matrices=False)
    axes = directions[:2].T.clone()
    if axes.shape[1] < 2:  # a single vector, or one-dimensional scores: a flat second axis
        axes = torch.cat([axes, torch.zeros(len(mean), 2 - axes.shape[1])], 1)
    signs = axes.gather(0, axes.abs().argmax(0, keepdim=True)).sign()
    axes *= torch.where(signs == 0, 1.0, signs)
    variance = values.square()
    explained = (variance[:2].sum() / variance.sum()).item() if variance.sum() > 0 else 0.0
    return FeatureMap(space, classifier, list(samples), list(classes), vectors, (vectors - mean) @ axes, mean, axes,
                      explained)


def _class_means(vectors: torch.Tensor, samples: Sequence[Sample], classes: int) -> torch.Tensor:
    """(classes, D): the mean vector of each class's photos (NaN for a class with none)."""
    labels = torch.tensor([label for _, label in samples])
    return torch.stack([vectors[labels == label].mean(0) for label in range(classes)])


def feature_map(classifier: Classifier, samples: Sequence[Sample], classes: Sequence[str]
                ) -> Generator[TrainingProgress, None, FeatureMap]:
    """The map of a pretrained network's pooled features of `samples` (cached, as training extracts them): how the
    network sees the photos before any training. A generator of TrainingProgress (`yield from`)."""
    vectors = yield from extract_features(classifier, samples)
    return pca_map(vectors, samples, classes, FEATURES, classifier)


def trained_map(result: FineTuneResult, samples: Sequence[Sample], base: Classifier | None = None
                ) -> Generator[TrainingProgress, None, FeatureMap]:
    """The map of the trained network's class scores (logits) of `samples`: how it sees them after training.

    For feature extraction the scores are its last layer applied to the base network's cached features (`base`,
    default the catalog model it started from): no network pass. Fine-tuned networks score every photo afresh.
    """
    trained = result.classifier
    if result.config.method == "head":
        base = base or load_model(result.backbone)
        features = yield from extract_features(base, samples)
        with torch.inference_mode():
            vectors = trained.network.get_classifier()(features.to(trained.device)).float().cpu()
    else:
        vectors = yield from _logits(trained.network, trained, list(samples), 32)
    return pca_map(vectors, samples, trained.labels, LOGITS, trained)
