"""Classification: top-k labels with probabilities."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from .models.classifier import Classifier
from .errors import InputError
from .images import ImageInput, load_image
from .models.catalog import DEFAULT_MODEL, load_model


@dataclass(frozen=True)
class Prediction:
    """One class of a classifier's answer."""

    label: str
    index: int
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


def resolve(model: str | Classifier) -> Classifier:
    """A Classifier given itself or a name/folder for load_model."""
    return model if isinstance(model, Classifier) else load_model(model)


#: Classes shown when top_k is None: 5, or all of them for a classifier with fewer.
DEFAULT_TOP_K = 5


def predict(image: ImageInput, model: str | Classifier = DEFAULT_MODEL, top_k: int | None = None) -> list[Prediction]:
    """The top_k classes (default: DEFAULT_TOP_K or fewer) for one image, highest probability first."""
    return predict_batch([image], model, top_k)[0]


def predict_batch(images: list[ImageInput], model: str | Classifier = DEFAULT_MODEL,
                  top_k: int | None = None) -> list[list[Prediction]]:
    """The top_k classes (default: DEFAULT_TOP_K or fewer) for each image, highest probability first."""
    classifier = resolve(model)
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                              or not 1 <= top_k <= classifier.num_classes):
        raise InputError("top_k must be a whole number from 1 to {high}, got {value}.", high=classifier.num_classes,
                         value=repr(top_k))
    inputs = torch.cat([classifier.to_input(load_image(image)) for image in images])
    return top_predictions(classifier, classifier.infer(inputs).softmax(-1), top_k)


def top_predictions(classifier: Classifier, probabilities: torch.Tensor,
                    top_k: int | None = None) -> list[list[Prediction]]:
    """Turn a (B, num_classes) probability tensor into sorted Prediction lists."""
    top_k = min(DEFAULT_TOP_K, classifier.num_classes) if top_k is None else top_k
    scores, indices = probabilities.float().topk(top_k, dim=-1)
    return [
        [Prediction(classifier.labels[i], int(i), float(s)) for s, i in zip(row_scores.tolist(), row_indices.tolist())]
        for row_scores, row_indices in zip(scores, indices)
    ]
