"""What training shows the network of one photo: the augmentation preview of the Fine-tune wizard's step 2."""

from __future__ import annotations

import torch
from PIL import Image

from ..data import Sample
from ..models.classifier import Classifier
from .features import SampleImages
from .loop import METHODS, TrainConfig

PREVIEW_VIEWS = 8  # random versions of the photo shown for fine-tuning with augmentation


def training_views(sample: Sample, classifier: Classifier, config: TrainConfig,
                   count: int = PREVIEW_VIEWS) -> list[Image.Image]:
    """The squares the network sees of `sample`'s photo when trained with `config`: the photo alone without
    augmentation; with it, the photo and its mirror image for the last layer alone (the views whose features it
    fits), `count` random versions (seeded by config.seed) when the network itself is fine-tuned."""
    config = config.resolved()
    plain = SampleImages([sample], classifier)[0][0].unsqueeze(0)
    if not config.augment:
        return [classifier.seen(plain)]
    if not METHODS[config.method].trains_network:
        return [classifier.seen(plain), classifier.seen(plain.flip(-1))]
    augmented = SampleImages([sample], classifier, augment=True)
    with torch.random.fork_rng(devices=[]):  # seeded here, the caller's random numbers left as they were
        torch.manual_seed(config.seed)
        return [classifier.seen(augmented[0][0].unsqueeze(0)) for _ in range(count)]
