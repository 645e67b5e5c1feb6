"""Oxford-IIIT Pet in torchvision's layout: its 370-image sample pets-mini, finding it, splitting it, downloading it."""

from __future__ import annotations

import os
import random
from pathlib import Path

from torchvision.datasets import OxfordIIITPet

from ..checks import reachable
from ..errors import InputError
from .splits import DatasetSplits, Deadline, cap, check_count, readable, stratified_split

PETS_FOLDER = "oxford-iiit-pet"
#: The 370-image sample of Oxford-IIIT Pet: TRANSFER_PETS_ROOT, else ../shared/data/pets-mini beside the checkout.
PETS_MINI = Path(os.environ.get("TRANSFER_PETS_ROOT")
                 or Path(__file__).resolve().parents[3] / "shared" / "data" / "pets-mini")
#: Photos in the whole Oxford-IIIT Pet (trainval and test), and its download's size.
PETS_PHOTOS = 7_349
PETS_DOWNLOAD_MB = 800
PETS_HOST = ("www.robots.ox.ac.uk", 443)


def pets_images(root: Path = PETS_MINI) -> Path:
    """The folder of photos of the Oxford-IIIT Pet copy at `root` (pets-mini by default)."""
    return root / PETS_FOLDER / "images"


def find_pets_root(path: Path) -> Path | None:
    """The root torchvision expects (parent of 'oxford-iiit-pet') for `path` or that folder itself, else None."""
    for root in (path, path.parent):
        base = root / PETS_FOLDER
        if pets_images(root).is_dir() and (base / "annotations" / "trainval.txt").is_file() \
                and (base / "annotations" / "test.txt").is_file() and (root == path or path.name == PETS_FOLDER):
            return root
    return None


def pets_splits(root: Path, task: str, per_class: int | None, val_fraction: float, seed: int,
                deadline: Deadline) -> DatasetSplits:
    """Oxford-IIIT Pet's own test split, and its trainval split into train and validation."""
    target = "category" if task == "breeds" else "binary-category"
    try:
        trainval = OxfordIIITPet(root, split="trainval", target_types=target)
        test = OxfordIIITPet(root, split="test", target_types=target)
    except (RuntimeError, OSError, ValueError) as error:
        raise InputError("'{path}' looks like Oxford-IIIT Pet but cannot be read ({reason}).", path=root,
                         reason=error) from None
    classes = trainval.classes if task == "breeds" else trainval.bin_classes
    # torchvision keeps paths and targets in these attributes; reading them avoids decoding every image.
    labels = trainval._labels if task == "breeds" else trainval._bin_labels
    test_labels = test._labels if task == "breeds" else test._bin_labels
    pool = [(str(p), y) for p, y in zip(trainval._images, labels)]
    test_samples = [(str(p), y) for p, y in zip(test._images, test_labels)]
    missing = [str(p) for p, _ in pool[:1] + test_samples[:1] if not Path(p).is_file()]
    if missing:
        raise InputError("Image {name} listed in the annotations is missing: the dataset is incomplete.",
                         name=missing[0])
    rng = random.Random(seed)
    pool, test_samples = cap(pool, per_class, rng), cap(test_samples, per_class, rng)
    check_count(len(pool) + len(test_samples))
    images = pets_images(root)
    (pool, test_samples), skipped = readable([pool, test_samples], lambda path: os.path.relpath(path, images),
                                             deadline)
    if not pool or not test_samples:
        raise InputError("No readable images left in '{root}' ({count} unreadable): the dataset is damaged.", root=root,
                         count=len(skipped))
    train, val = stratified_split(pool, val_fraction, rng)
    return DatasetSplits(list(classes), train, val, test_samples, PETS_FOLDER, task, str(root), skipped=skipped,
                         per_class=per_class)


def download_pets(path: Path) -> Path:
    """Download Oxford-IIIT Pet (about 800 MB) into `path` with torchvision; fail fast when offline."""
    if find_pets_root(path) is not None:
        return find_pets_root(path)
    if not reachable(PETS_HOST, timeout=3.0):
        raise InputError("Cannot reach {host} to download Oxford-IIIT Pet (about {megabytes} MB): connect to the "
                         "internet, or give a local copy / a zip of your own class folders.", host=PETS_HOST[0],
                         megabytes=PETS_DOWNLOAD_MB)
    try:
        path.mkdir(parents=True, exist_ok=True)
        OxfordIIITPet(path, split="trainval", download=True)
    except (OSError, RuntimeError) as error:
        raise InputError("Downloading Oxford-IIIT Pet failed ({reason}). Check the connection and free disk space "
                         "(about {megabytes} MB needed), then try again.", reason=error,
                         megabytes=2 * PETS_DOWNLOAD_MB) from None
    return path
