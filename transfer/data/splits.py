"""What every dataset source shares: the limits, DatasetSplits, the loading deadline, and the steps from labelled
files to checked, capped, stratified splits."""

from __future__ import annotations

import functools
import hashlib
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Listing, Message
from ..images import check_image, decode_cost

TASKS = ("breeds", "species")
DEFAULT_TASK = TASKS[0]
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
#: Most bytes a dataset may unpack (zip) or copy (photos given one by one) to, checked from the zip's headers and the
#: files' sizes before anything is written: a 100 MB upload of JPEGs unpacks to about its own size (pets-mini: 37 MB).
MAX_DATASET_BYTES = 150 * 2**20
#: Most pixels the check of an uploaded dataset may decode, read from the image headers before decoding (a JPEG counts
#: 1/64 of its pixels: it is checked at 1/8 scale): 20 images of 40 megapixels, about 4 s of PNG decoding.
MAX_DATASET_PIXELS = 800_000_000
MAX_CLASSES = 1000
#: Most images a dataset may have after the per-class cap (the whole Oxford-IIIT Pet, PETS_PHOTOS in pets.py, fits).
MAX_IMAGES = 20_000
MIN_PER_CLASS = 3
#: A class with fewer images gets a warning: fewer photos make a less reliable model and a jumpier test score.
ENOUGH_PER_CLASS = 10


Sample = tuple[str, int]


class DatasetTooLarge(InputError):
    """A dataset would unpack or copy to more bytes than allowed."""


@dataclass(frozen=True)
class Deadline:
    """The wall-clock time a dataset's loading may take (None: no limit), checked between files."""

    seconds: float | None = None
    start: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if self.seconds is not None and time.monotonic() - self.start > self.seconds:
            raise InputError("Checking the data took longer than {seconds} s, the limit here: use fewer or smaller "
                             "images.", seconds=f"{self.seconds:g}")


@dataclass
class DatasetSplits:
    """Labelled image paths split into train / validation / test, with the class names they index."""

    classes: list[str]
    train: list[Sample]
    val: list[Sample]
    test: list[Sample]
    kind: str  # "oxford-iiit-pet", "folder", "zip" or "files"
    task: str  # "breeds" or "species" for Oxford-IIIT Pet, "classes" for a user folder
    root: str
    notes: list[Message] = field(default_factory=list)  # what was left out or changed, for a person
    skipped: list[str] = field(default_factory=list)  # unreadable files left out, named as the user knows them
    duplicates: list[Message] = field(default_factory=list)  # exact copies of another image, left out
    per_class: int | None = None  # the cap that was asked for

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """Images of each class in the training, validation and test split."""
        splits = [Counter(y for _, y in split) for split in (self.train, self.val, self.test)]
        return {name: tuple(split[y] for split in splits) for y, name in enumerate(self.classes)}

    def warnings(self) -> list[Message]:
        """What a person should know before training on this data, as messages (empty: all looks fine)."""
        totals = {name: sum(split) for name, split in self.counts().items()}
        smallest = min(totals.values())
        found = []
        fewer = sorted(name for name, n in totals.items() if self.per_class is not None and n < self.per_class)
        if fewer and len(fewer) < len(totals):  # a cap above every class changes nothing: no warning
            have = Message("{classes} has fewer" if len(fewer) == 1 else "{classes} have fewer",
                           classes=_listing(fewer, totals))
            found.append(Message("You asked for {count} images per class, but {have}: all of them are used.",
                                 count=self.per_class, have=have))
        typical = statistics.median(totals.values())
        small = sorted(name for name, n in totals.items()
                       if n < statistics.median(m for other, m in totals.items() if other != name) / 2)
        if small:
            found.append(Message("{classes} is much smaller than the other classes (typically {typical} images): the "
                                 "model will rarely answer it; add photos to balance the classes." if len(small) == 1
                                 else "{classes} are much smaller than the other classes (typically {typical} "
                                 "images): the model will rarely answer them; add photos to balance the classes.",
                                 classes=_listing(small, totals), typical=f"{typical:g}"))
        if smallest < ENOUGH_PER_CLASS:
            few = sorted(name for name, n in totals.items() if n < ENOUGH_PER_CLASS)
            found.append(Message("{classes}: fewer than {count} images per class train a less reliable model.",
                                 classes=_listing(few, totals), count=ENOUGH_PER_CLASS))
        tests = min(n for _, _, n in self.counts().values())
        if tests < 3:
            found.append(Message("Only {count} test image{s} in some classes: each test image moves the test accuracy "
                                 "by a big step, so the score is rough.", count=tests, s="s" if tests != 1 else ""))
        return found

    def summary(self) -> dict:
        """Counts per split and per class, for display and JSON."""
        return {
            "kind": self.kind, "task": self.task, "root": self.root, "classes": len(self.classes),
            "train": len(self.train), "val": len(self.val), "test": len(self.test),
            "per_class_train": {self.classes[k]: v for k, v in sorted(Counter(y for _, y in self.train).items())},
            "notes": [str(note) for note in self.notes], "skipped": list(self.skipped),
            "duplicates": [str(copy) for copy in self.duplicates],
            "warnings": [str(warning) for warning in self.warnings()],
        }


def _listing(names: list[str], counts: dict[str, int], shown: int = 5) -> Listing:
    """'cats (4), dogs (2) and 3 more' for a sentence."""
    parts: list = [f"{name} ({counts[name]})" for name in names[:shown]]
    if len(names) > shown:
        parts.append(Message("{count} more", count=len(names) - shown))
    return Listing(parts, "and")


def check_options(per_class: int | None, val_fraction: float, test_fraction: float) -> None:
    """Refuse a per-class cap or split fractions that make no sense, saying what is allowed."""
    if per_class is not None and (isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 2):
        raise InputError("Images per class must be a whole number of at least 2 (or empty for all), got {value}.",
                         value=repr(per_class))
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not isinstance(value, (int, float)) or not 0 <= value < 0.9:
            raise InputError("{name} must be a fraction from 0 to 0.9, got {value}.", name=name, value=repr(value))


def copies(paths: Iterable[str], deadline: Deadline | None = None) -> dict[str, str]:
    """Each of `paths` whose bytes equal an earlier one's, mapped to the first with those bytes; only files whose size
    another file shares are read."""
    paths = list(paths)
    sizes = {path: os.path.getsize(path) for path in paths}
    shared = Counter(sizes.values())
    first: dict[bytes, str] = {}  # digest -> the first file with it
    found = {}
    for path in paths:
        if shared[sizes[path]] > 1:
            if deadline is not None:
                deadline.check()
            digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).digest()
            if digest in first:
                found[path] = first[digest]
            else:
                first[digest] = path
    return found


def check_count(images: int) -> None:
    """Refuse a dataset of more than MAX_IMAGES images."""
    if images > MAX_IMAGES:
        raise InputError("The dataset has {count} images; the limit is {limit}. Set a cap on images per class for a "
                         "quicker run.", count=images, limit=MAX_IMAGES)


def is_image_name(path: str) -> bool:
    """Whether a file name has an image extension (hidden files are not images)."""
    name = os.path.basename(path)
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


def readable(groups: list[list[Sample]], name, deadline: Deadline,
             max_pixels: int | None = None) -> tuple[list[list[Sample]], list[str]]:
    """The groups without the samples whose image does not decode in full within the limits, and the left-out
    files as `name(path)` calls them (sorted).

    Every image is decoded once here (JPEGs at reduced scale, two at a time: each may take up to
    images.MAX_DECODED_BYTES), so a truncated, damaged, empty or oversized file is reported when the data is loaded
    instead of failing a training run. With `max_pixels`, the headers are read first and a dataset that needs more
    pixels decoded is refused before any decoding.
    """
    paths = sorted({path for group in groups for path, _ in group})
    if max_pixels is not None:
        pixels = 0
        for path in paths:
            deadline.check()
            pixels += decode_cost(path)
            if pixels > max_pixels:
                raise InputError("The images have more than {limit} megapixels to check, the limit here: use fewer or "
                                 "smaller images (JPEG photos count 1/64 of their pixels).",
                                 limit=f"{max_pixels / 1e6:.0f}")
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        bad = {path for path, ok in zip(paths, pool.map(functools.partial(_decodes, deadline=deadline), paths))
               if not ok}
    return [[sample for sample in group if sample[0] not in bad] for group in groups], sorted(map(name, bad))


def _decodes(path: str, deadline: Deadline) -> bool:
    deadline.check()
    try:
        check_image(path)
    except InputError:
        return False
    return True


def cap(samples: list[Sample], per_class: int | None, rng: random.Random) -> list[Sample]:
    """At most `per_class` randomly chosen samples of each class, in their original order."""
    if per_class is None:
        return list(samples)
    by_class: dict[int, list[int]] = {}
    for i, (_, y) in enumerate(samples):
        by_class.setdefault(y, []).append(i)
    keep = {i for indices in by_class.values() for i in rng.sample(indices, min(per_class, len(indices)))}
    return [s for i, s in enumerate(samples) if i in keep]


def stratified_split(samples: list[Sample], fraction: float, rng: random.Random) -> tuple[list[Sample], list[Sample]]:
    """Split off about `fraction` of each class (at least one image when fraction > 0, never a whole class)."""
    by_class: dict[int, list[Sample]] = {}
    for sample in samples:
        by_class.setdefault(sample[1], []).append(sample)
    kept, held = [], []
    for group in by_class.values():
        group = list(group)
        rng.shuffle(group)
        n = 0 if fraction == 0 else min(len(group) - 1, max(1, round(len(group) * fraction)))
        held += group[:n]
        kept += group[n:]
    return kept, held
