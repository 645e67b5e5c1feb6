"""Datasets for fine-tuning, checked and split into train / validation / test: open_dataset (sources.py) takes
Oxford-IIIT Pet (pets.py), a folder of class folders or a zip of one (safe_zip.py); dataset_from_files (folders.py)
takes photos given class by class; splits.py holds what they share (the limits, DatasetSplits, the split itself)."""

from .folders import MAX_CLASS_NAME, MAX_PHOTOS_PER_CLASS, check_class_size, dataset_from_files
from .pets import PETS_DOWNLOAD_MB, PETS_FOLDER, PETS_MINI, PETS_PHOTOS, find_pets_root, pets_images
from .safe_zip import MAX_ZIP_ENTRIES, MAX_ZIP_RATIO
from .sources import open_dataset
from .splits import (DEFAULT_TASK, ENOUGH_PER_CLASS, IMAGE_EXTENSIONS, MAX_CLASSES, MAX_DATASET_BYTES,
                     MAX_DATASET_PIXELS, MAX_IMAGES, MIN_PER_CLASS, TASKS, DatasetSplits, DatasetTooLarge, Sample)

__all__ = [
    "DEFAULT_TASK", "ENOUGH_PER_CLASS", "IMAGE_EXTENSIONS", "MAX_CLASS_NAME", "MAX_CLASSES", "MAX_DATASET_BYTES",
    "MAX_DATASET_PIXELS", "MAX_IMAGES", "MAX_PHOTOS_PER_CLASS", "MAX_ZIP_ENTRIES", "MAX_ZIP_RATIO", "MIN_PER_CLASS",
    "PETS_DOWNLOAD_MB", "PETS_FOLDER", "PETS_MINI", "PETS_PHOTOS", "TASKS", "DatasetSplits", "DatasetTooLarge",
    "Sample", "check_class_size", "dataset_from_files", "find_pets_root", "open_dataset", "pets_images",
]
