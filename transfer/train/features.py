"""Images of a dataset as model inputs, and cached pooled features of a frozen backbone."""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Generator, Sequence

import torch
from torch import nn
from torch.utils.data import Dataset
from torchvision.transforms import v2

from ..data import Sample
from .distributed import gather, shard, world
from ..images import load_image, shrink, to_tensor
from ..progress import TrainingProgress
from ..models.classifier import Classifier, inference_copy

#: Most (image, view) feature vectors kept in memory (5 KB each for a 1280-wide backbone): all of Oxford-IIIT Pet
#: with mirror images fits.
CACHE_ENTRIES = 20_000


def augmentation(classifier: Classifier) -> v2.Compose:
    """Fine-tuning's random changes of a photo (a float tensor in [0, 1]): a crop of 35-100% of it, a mirror image
    half of the time, brightness, contrast and saturation within 20%."""
    return v2.Compose([
        v2.RandomResizedCrop(classifier.preprocessing.resize_size, scale=(0.35, 1.0), antialias=True,
                             interpolation=v2.InterpolationMode(classifier.preprocessing.interpolation)),
        v2.RandomHorizontalFlip(),
        v2.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
    ])


class SampleImages(Dataset):
    """(path, label) samples as the classifier's preprocessed inputs, optionally with random augmentation."""

    def __init__(self, samples: Sequence[Sample], classifier: Classifier, augment: bool = False):
        self.samples, self.classifier = list(samples), classifier
        self.augment = augmentation(classifier) if augment else None

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        if self.augment is None:
            return self.classifier.to_input(load_image(path), device="cpu")[0], label
        # Random crops reach the whole image: first shrink it (8 bits, whole factor) to 2-4 times the crop size.
        image, _ = shrink(load_image(path), 2 * self.classifier.preprocessing.resize_size)
        return self.classifier.preprocess(self.augment(to_tensor(image)).clamp_(0, 1).unsqueeze(0))[0], label


class _Pooled(nn.Module):
    """The backbone up to the pooled, pre-classifier features."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.network.forward_head(self.network.forward_features(inputs), pre_logits=True)


_feature_networks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_feature_lock = threading.Lock()
_cache: OrderedDict[tuple, torch.Tensor] = OrderedDict()
_cache_lock = threading.Lock()


def feature_network(classifier: Classifier) -> nn.Module:
    """The pooled-feature extractor of a classifier, made fast like Classifier.infer."""
    with _feature_lock:
        if classifier not in _feature_networks:
            _feature_networks[classifier] = inference_copy(_Pooled(classifier.network),
                                                           classifier.preprocessing.input_size, classifier.device)
        return _feature_networks[classifier]


def extract_features(classifier: Classifier, samples: Sequence[Sample], views: Sequence[bool] = (False,),
                     stop: threading.Event | None = None, batch_size: int = 32
                     ) -> Generator[TrainingProgress, None, torch.Tensor]:
    """Pooled features (len(views) * N, D) of each image, then of its mirror image when a view is True.

    Yields TrainingProgress while working and returns the tensor (a generator: use `yield from`). Features are cached in
    memory per (model, preprocessing, file, modification time, view), so training again with other settings skips this
    step, and the same network shown its photos another way (another size or crop) computes them afresh.
    """
    keys = [_key(classifier, os.path.abspath(path), _mtime(path), flip) for flip in views for path, _ in samples]
    with _cache_lock:
        found = {key: _cache[key] for key in keys if key in _cache}
    images = sorted({key[2:4] for key in keys if key not in found})
    mine = shard(images)  # under torchrun each process extracts its share; the shares are gathered below
    network = feature_network(classifier)
    chunks = [mine[start:start + batch_size] for start in range(0, len(mine), batch_size)]
    with ThreadPoolExecutor(max_workers=1) as loader:  # decode the next batch while the network runs
        pending = loader.submit(_inputs, classifier, chunks[0]) if chunks else None
        for index, chunk in enumerate(chunks):
            if stop is not None and stop.is_set():
                pending.cancel()
                break
            inputs = pending.result()
            if index + 1 < len(chunks):
                pending = loader.submit(_inputs, classifier, chunks[index + 1])
            found.update(_store(classifier, network, chunk, inputs, views))
            done = min(sum(map(len, chunks[:index + 1])) * world().size, len(images))  # all processes together
            yield TrainingProgress("features", done, len(images))
    if stop is not None and stop.is_set():
        return torch.empty(0)
    if world().size > 1 and images:
        local = torch.stack([torch.stack([found[_key(classifier, *image, flip)] for flip in views]) for image in mine])
        found.update(_remember({_key(classifier, *image, flip): vectors[view]
                                for image, vectors in zip(images, gather(local, len(images)))
                                for view, flip in enumerate(views)}))
    return torch.stack([found[key] for key in keys])


def _inputs(classifier: Classifier, chunk: list[tuple[str, int]]) -> torch.Tensor:
    """Decoded and preprocessed images of (path, mtime) pairs, as one batch."""
    with torch.inference_mode():
        return torch.cat([classifier.to_input(load_image(path), device="cpu") for path, _ in chunk])


def _store(classifier: Classifier, network: nn.Module, chunk: list[tuple[str, int]], inputs: torch.Tensor,
           views: Sequence[bool]) -> dict[tuple, torch.Tensor]:
    """Run the network on a batch (and its mirror images), cache the features and return them by key."""
    computed = {}
    with torch.inference_mode():
        for flip in views:
            batch = inputs.flip(-1) if flip else inputs
            features = network(batch.to(classifier.device).contiguous(memory_format=torch.channels_last))
            for (path, mtime), vector in zip(chunk, features.float().cpu()):
                computed[_key(classifier, path, mtime, flip)] = vector.clone()
    return _remember(computed)


def _key(classifier: Classifier, path: str, mtime: int, flip: bool) -> tuple:
    """The cache key of one image's features: everything they depend on. key[2:4], (path, mtime), names the file."""
    return classifier.name, classifier.preprocessing, path, mtime, flip


def _remember(features: dict[tuple, torch.Tensor]) -> dict[tuple, torch.Tensor]:
    """Put features into the bounded cache (oldest dropped first) and return them."""
    with _cache_lock:
        _cache.update(features)
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return features


def _mtime(path: str) -> int:
    return os.stat(path).st_mtime_ns

