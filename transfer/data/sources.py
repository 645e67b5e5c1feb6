"""open_dataset: the one entry for a dataset given by path, whatever its layout."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ..errors import InputError, Listing
from . import splits
from .folders import folder_splits
from .pets import PETS_DOWNLOAD_MB, download_pets, find_pets_root, pets_splits
from .safe_zip import extract_zip
from .splits import DEFAULT_TASK, MAX_DATASET_PIXELS, TASKS, DatasetSplits, Deadline, check_options


def open_dataset(source: str | os.PathLike, task: str = DEFAULT_TASK, per_class: int | None = None,
                 val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0, download: bool = False,
                 workdir: str | os.PathLike | None = None, max_bytes: int | None = None,
                 seconds: float | None = None) -> DatasetSplits:
    """Detect the layout of `source` (Oxford-IIIT Pet root, class-folder tree or .zip) and split it, seeded.

    The Oxford-IIIT Pet test split is kept for the final score; a user folder gets a held-out test split of
    `test_fraction`. `per_class` caps the images per class in every split for a quick run. A zip is extracted
    safely into a new folder inside `workdir` (the system's temporary folder when None), if it unpacks to at most
    `max_bytes` (MAX_DATASET_BYTES when None) and its images to MAX_DATASET_PIXELS. Loading stops after `seconds`.
    """
    deadline = Deadline(seconds)
    if task not in TASKS:
        raise InputError("Unknown task '{task}': use one of {choices}.", task=task, choices=Listing(TASKS))
    check_options(per_class, val_fraction, test_fraction)
    if source is None or not str(source).strip():
        raise InputError("No dataset given: give the Oxford-IIIT Pet folder, a folder of class folders, or a .zip.")
    path = Path(source).expanduser()
    if download:
        return pets_splits(download_pets(path), task, per_class, val_fraction, seed, deadline)
    if path.is_file() and zipfile.is_zipfile(path):
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="transfer-data-", dir=workdir))
        try:
            limit = splits.MAX_DATASET_BYTES if max_bytes is None else max_bytes
            extracted = extract_zip(path, folder, limit, deadline)
            return folder_splits(extracted, "zip", per_class, val_fraction, test_fraction, seed, deadline,
                                 MAX_DATASET_PIXELS)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # an unusable upload leaves nothing behind
            raise
    if path.is_file():
        raise InputError("{name} is not a zip file: give a .zip of class folders, or a folder.", name=path.name)
    if not path.is_dir():
        raise InputError("Dataset not found at '{path}'. Give an existing folder or .zip (or ask for the Oxford-IIIT "
                         "Pet download, about {megabytes} MB).", path=path, megabytes=PETS_DOWNLOAD_MB)
    pets_root = find_pets_root(path)
    if pets_root is not None:
        return pets_splits(pets_root, task, per_class, val_fraction, seed, deadline)
    return folder_splits(path, "folder", per_class, val_fraction, test_fraction, seed, deadline)
