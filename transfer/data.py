"""Datasets for fine-tuning: Oxford-IIIT Pet (torchvision layout), a folder of class folders, or a zip of one."""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
import shutil
import stat
import statistics
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from torchvision.datasets import ImageFolder, OxfordIIITPet

from .checks import reachable
from .errors import InputError, Listing, Message
from .images import MAX_FILE_BYTES, check_image, decode_cost

TASKS = ("breeds", "species")
DEFAULT_TASK = TASKS[0]
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
PETS_FOLDER = "oxford-iiit-pet"
#: The 370-image sample of Oxford-IIIT Pet: TRANSFER_PETS_ROOT, else ../shared/data/pets-mini beside the checkout.
PETS_MINI = Path(os.environ.get("TRANSFER_PETS_ROOT")
                 or Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pets-mini")
PETS_DOWNLOAD_MB = 800
PETS_HOST = ("www.robots.ox.ac.uk", 443)
#: Most bytes a dataset may unpack (zip) or copy (photos given one by one) to, checked from the zip's headers and the
#: files' sizes before anything is written: a 100 MB upload of JPEGs unpacks to about its own size (pets-mini: 37 MB).
MAX_DATASET_BYTES = 150 * 2**20
#: Most pixels the check of an uploaded dataset may decode, read from the image headers before decoding (a JPEG counts
#: 1/64 of its pixels: it is checked at 1/8 scale): 20 images of 40 megapixels, about 4 s of PNG decoding.
MAX_DATASET_PIXELS = 800_000_000
#: Photos one class may be given one by one (dataset_from_files), counted before duplicates are left out.
MAX_PHOTOS_PER_CLASS = 1000
#: Zip limits: number of entries, and the largest compression ratio of any entry and of the whole archive
#: (unpacked bytes over the file's size).
MAX_ZIP_ENTRIES = 50_000
MAX_ZIP_RATIO = 200
MAX_CLASSES = 1000
#: Most images a dataset may have after the per-class cap (the whole Oxford-IIIT Pet has 7,349).
MAX_IMAGES = 20_000
MIN_PER_CLASS = 3
#: A class with fewer images gets a warning: fewer photos make a less reliable model and a jumpier test score.
ENOUGH_PER_CLASS = 10
#: Class names given one by one (dataset_from_files): at most this long, of letters, digits, spaces and - _ ' . ( ) &
MAX_CLASS_NAME = 40
CLASS_NAME = re.compile(r"[^\W_][\w .'()&-]*")

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
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unreadable files left out, named as the user knows them
    duplicates: list[str] = field(default_factory=list)  # exact copies of another image, left out
    per_class: int | None = None  # the cap that was asked for

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """Images of each class in the training, validation and test split."""
        splits = [Counter(y for _, y in split) for split in (self.train, self.val, self.test)]
        return {name: tuple(split[y] for split in splits) for y, name in enumerate(self.classes)}

    def warnings(self) -> list[str]:
        """What a person should know before training on this data, in plain sentences (empty: all looks fine)."""
        totals = {name: sum(split) for name, split in self.counts().items()}
        smallest = min(totals.values())
        found = []
        if self.per_class is not None and smallest < self.per_class:
            fewer = sorted(name for name, n in totals.items() if n < self.per_class)
            if len(fewer) == len(totals):
                largest = max(totals.values())
                have = f"the classes have only {smallest}" + (f" to {largest}" if largest > smallest else "")
            else:
                have = f"{_listing(fewer, totals)} {'has' if len(fewer) == 1 else 'have'} fewer"
            found.append(f"You asked for {self.per_class} images per class, but {have}: all of them are used.")
        typical = statistics.median(totals.values())
        small = sorted(name for name, n in totals.items()
                       if n < statistics.median(m for other, m in totals.items() if other != name) / 2)
        if small:
            found.append(f"{_listing(small, totals)} {'is' if len(small) == 1 else 'are'} much smaller than the "
                         f"other classes (typically {typical:g} images): the model will rarely answer "
                         f"{'it' if len(small) == 1 else 'them'}; add photos to balance the classes.")
        if smallest < ENOUGH_PER_CLASS:
            few = sorted(name for name, n in totals.items() if n < ENOUGH_PER_CLASS)
            found.append(f"{_listing(few, totals)}: fewer than {ENOUGH_PER_CLASS} images per class train a less "
                         "reliable model.")
        tests = min(n for _, _, n in self.counts().values())
        if tests < 3:
            found.append(f"Only {tests} test image{'s' if tests != 1 else ''} in some classes: each test image "
                         "moves the test accuracy by a big step, so the score is rough.")
        return found

    def summary(self) -> dict:
        """Counts per split and per class, for display and JSON."""
        return {
            "kind": self.kind, "task": self.task, "root": self.root, "classes": len(self.classes),
            "train": len(self.train), "val": len(self.val), "test": len(self.test),
            "per_class_train": {self.classes[k]: v for k, v in sorted(Counter(y for _, y in self.train).items())},
            "notes": list(self.notes), "skipped": list(self.skipped), "duplicates": list(self.duplicates),
            "warnings": self.warnings(),
        }


def _listing(names: list[str], counts: dict[str, int], shown: int = 5) -> str:
    """'cats (4), dogs (2) and 3 more' for a sentence."""
    parts = [f"{name} ({counts[name]})" for name in names[:shown]]
    if len(names) > shown:
        return ", ".join(parts) + f" and {len(names) - shown} more"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


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
    _check_options(per_class, val_fraction, test_fraction)
    if source is None or not str(source).strip():
        raise InputError("No dataset given: give the Oxford-IIIT Pet folder, a folder of class folders, or a .zip.")
    path = Path(source).expanduser()
    if download:
        return _pets_splits(_download_pets(path), task, per_class, val_fraction, seed, deadline)
    if path.is_file() and zipfile.is_zipfile(path):
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="transfer-data-", dir=workdir))
        try:
            extracted = _extract_zip(path, folder, MAX_DATASET_BYTES if max_bytes is None else max_bytes, deadline)
            return _folder_splits(extracted, "zip", per_class, val_fraction, test_fraction, seed, deadline,
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
        return _pets_splits(pets_root, task, per_class, val_fraction, seed, deadline)
    return _folder_splits(path, "folder", per_class, val_fraction, test_fraction, seed, deadline)


def _check_options(per_class: int | None, val_fraction: float, test_fraction: float) -> None:
    if per_class is not None and (isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 2):
        raise InputError("Images per class must be a whole number of at least 2 (or empty for all), got {value}.",
                         value=repr(per_class))
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not isinstance(value, (int, float)) or not 0 <= value < 0.9:
            raise InputError("{name} must be a fraction from 0 to 0.9, got {value}.", name=name, value=repr(value))


def find_pets_root(path: Path) -> Path | None:
    """The root torchvision expects (parent of 'oxford-iiit-pet') for `path` or that folder itself, else None."""
    for root in (path, path.parent):
        base = root / PETS_FOLDER
        if (base / "images").is_dir() and (base / "annotations" / "trainval.txt").is_file() \
                and (base / "annotations" / "test.txt").is_file() and (root == path or path.name == PETS_FOLDER):
            return root
    return None


def _pets_splits(root: Path, task: str, per_class: int | None, val_fraction: float, seed: int,
                 deadline: Deadline) -> DatasetSplits:
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
    pool, test_samples = _cap(pool, per_class, rng), _cap(test_samples, per_class, rng)
    _check_count(len(pool) + len(test_samples))
    images = root / PETS_FOLDER / "images"
    (pool, test_samples), skipped = _readable([pool, test_samples], lambda path: os.path.relpath(path, images),
                                              deadline)
    if not pool or not test_samples:
        raise InputError("No readable images left in '{root}' ({count} unreadable): the dataset is damaged.", root=root,
                         count=len(skipped))
    train, val = _stratified_split(pool, val_fraction, rng)
    return DatasetSplits(list(classes), train, val, test_samples, PETS_FOLDER, task, str(root), skipped=skipped,
                         per_class=per_class)


def _folder_splits(folder: Path, kind: str, per_class: int | None, val_fraction: float, test_fraction: float,
                   seed: int, deadline: Deadline, max_pixels: int | None = None) -> DatasetSplits:
    folder = _class_root(folder)
    try:
        images = ImageFolder(str(folder), is_valid_file=_is_image_name, allow_empty=True)
    except (FileNotFoundError, OSError) as error:
        raise InputError("No class folders in '{folder}': put each class's images in a sub-folder named after the "
                         "class, e.g. cats/1.jpg, dogs/2.jpg ({reason}).", folder=folder.name, reason=error) from None
    counts = Counter(y for _, y in images.samples)
    empty = [c for i, c in enumerate(images.classes) if counts[i] == 0]
    classes = [c for i, c in enumerate(images.classes) if counts[i] > 0]
    if len(classes) < 2:
        raise InputError("Found {count} class folder(s) with images in '{folder}': a classifier needs at least 2 "
                         "classes, each a sub-folder of JPEG/PNG/WebP images.", count=len(classes), folder=folder.name)
    if len(classes) > MAX_CLASSES:
        raise InputError("Found {count} classes; the limit is {limit}.", count=len(classes), limit=MAX_CLASSES)
    index = {images.classes.index(c): i for i, c in enumerate(classes)}
    samples = [(path, index[y]) for path, y in images.samples]
    names = {path: str(Path(path).relative_to(folder)) for path, _ in samples}
    notes = [f"Ignored empty folder(s): {', '.join(empty)}"] if empty else []
    return _checked_splits(folder, classes, samples, names, kind, per_class, val_fraction, test_fraction, seed,
                           deadline, max_pixels, notes)


ClassFiles = Mapping[str, Sequence[str | os.PathLike]] | Sequence[tuple[str, Sequence[str | os.PathLike]]]


def dataset_from_files(classes: ClassFiles, per_class: int | None = None, val_fraction: float = 0.2,
                       test_fraction: float = 0.2, seed: int = 0, workdir: str | os.PathLike | None = None,
                       max_bytes: int | None = None, seconds: float | None = None) -> DatasetSplits:
    """A dataset from {class name: image files} (or (name, files) pairs), e.g. photos added class by class in the app.

    The names are checked (2+ classes, each named once, at most MAX_CLASS_NAME letters, digits, spaces or - _ ' . ( )
    &); each file is taken once (a repeated path or identical bytes are left out as duplicates before anything is
    copied or decoded), at most MAX_PHOTOS_PER_CLASS per class and `max_bytes` (MAX_DATASET_BYTES when None) in all.
    The files are copied into a new folder of class folders inside `workdir` (the system's temporary folder when
    None) and checked and split like any folder. The classes keep the order given. Loading stops after `seconds`.
    """
    deadline = Deadline(seconds)
    _check_options(per_class, val_fraction, test_fraction)
    pairs = list(classes.items() if isinstance(classes, Mapping) else classes)
    names = [_class_name(name) for name, _ in pairs]
    repeated = sorted({name for name in names if [n.casefold() for n in names].count(name.casefold()) > 1})
    if repeated:
        raise InputError("Two classes are named '{name}': give each class its own name.", name=repeated[0])
    if len(names) < 2:
        raise InputError(f"A classifier needs at least 2 classes; there {'is' if len(names) == 1 else 'are'} "
                         "{count}: add another class with its photos.", count=len(names))
    if len(names) > MAX_CLASSES:
        raise InputError("{count} classes; the limit is {limit}.", count=len(names), limit=MAX_CLASSES)
    for name, (_, paths) in zip(names, pairs):
        check_class_size(name, len(paths))
    given = {name: [Path(path) for path in paths] for name, (_, paths) in zip(names, pairs)}
    files, duplicates = _distinct_files(given, MAX_DATASET_BYTES if max_bytes is None else max_bytes, deadline)
    short = [Message("'{name}' has {count} photo{s}", name=name, count=len(paths) or Message("no"),
                     s="" if len(paths) == 1 else "s") for name, paths in files.items() if len(paths) < MIN_PER_CLASS]
    if short:
        need = Message("Each class needs at least {least} photos ({enough} or more works much better): {short}.",
                       least=MIN_PER_CLASS, enough=ENOUGH_PER_CLASS, short=Listing(short))
        if duplicates:
            raise InputError("{count} photo(s) were given more than once and count once. {need}", count=len(duplicates),
                             need=need)
        raise InputError(need.template, **need.values)
    _check_count(sum(len(paths) for paths in files.values()))
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="transfer-files-", dir=workdir))
    try:
        samples, shown = [], {}
        for label, (name, paths) in enumerate(files.items()):
            (folder / name).mkdir()
            for i, path in enumerate(paths):
                deadline.check()
                copy = folder / name / f"{i:05d}{path.suffix.lower()[:6]}"
                shutil.copyfile(path, copy)
                samples.append((str(copy), label))
                shown[str(copy)] = f"{name}/{path.name}"
        return _checked_splits(folder, names, samples, shown, "files", per_class, val_fraction, test_fraction, seed,
                               deadline, MAX_DATASET_PIXELS, duplicates=duplicates)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # refused or interrupted: nothing is left behind
        raise


def check_class_size(name: str, photos: int) -> None:
    """Refuse a class given more than MAX_PHOTOS_PER_CLASS photos, before any of them is looked at."""
    if photos > MAX_PHOTOS_PER_CLASS:
        raise InputError("Class '{name}' has {count} photos; the limit is {limit} per class: for more, upload a .zip "
                         "of class folders.", name=name, count=photos, limit=MAX_PHOTOS_PER_CLASS)


def _distinct_files(files: dict[str, list[Path]], max_bytes: int,
                    deadline: Deadline) -> tuple[dict[str, list[Path]], list[str]]:
    """Each class's files without those given before (the same file, or the same bytes, in any class), and how the
    left-out ones are described; checks that every file exists and the sizes stay within the limits, reading only
    files whose size equals another's."""
    first: dict[str, str] = {}  # real path -> how the user knows it
    sizes: dict[str, int] = {}
    described, total = [], 0
    for name, paths in files.items():
        for path in paths:
            real, shown = os.path.realpath(path), f"{name}/{path.name}"
            if real in first:
                described.append(f"{shown} (same as {first[real]})")
                continue
            if not os.path.isfile(real):
                raise InputError("Photo '{file}' of class '{name}' was not found: add it again.", file=path.name,
                                 name=name)
            sizes[real] = os.path.getsize(real)
            if sizes[real] > MAX_FILE_BYTES:
                raise InputError("Photo '{file}' of class '{name}' is larger than {limit} MB: use a smaller image.",
                                 file=path.name, name=name, limit=MAX_FILE_BYTES // 2**20)
            total += sizes[real]
            if total > max_bytes:
                raise DatasetTooLarge("The photos add up to more than {limit} MB, the limit here: use fewer or smaller "
                                      "photos.", limit=f"{max_bytes / 2**20:.0f}")
            first[real] = shown
    same_size = Counter(sizes.values())
    digests: dict[bytes, str] = {}
    dropped = set()
    for real in first:
        if same_size[sizes[real]] > 1:
            deadline.check()
            digest = hashlib.blake2b(Path(real).read_bytes(), digest_size=16).digest()
            if digest in digests:
                dropped.add(real)
                described.append(f"{first[real]} (same as {first[digests[digest]]})")
            else:
                digests[digest] = real
    kept, taken = {}, set()
    for name, paths in files.items():
        kept[name] = []
        for path in paths:
            real = os.path.realpath(path)
            if real not in dropped and real not in taken:
                taken.add(real)
                kept[name].append(path)
    return kept, sorted(described)


def _class_name(name: object) -> str:
    """A class name typed by a person, stripped, or InputError saying what is wrong with it."""
    text = " ".join(str(name or "").split())
    if not text:
        raise InputError("Every class needs a name: type one into its name box.")
    if len(text) > MAX_CLASS_NAME:
        raise InputError("The class name '{name}...' is longer than {limit} characters: use a shorter one.",
                         name=text[:MAX_CLASS_NAME], limit=MAX_CLASS_NAME)
    if not CLASS_NAME.fullmatch(text):
        raise InputError("The class name '{name}' may use only letters, digits, spaces and - _ ' . ( ) &, and must "
                         "start with a letter or digit.", name=text)
    return text


def _checked_splits(root: Path, classes: list[str], samples: list[Sample], names: dict[str, str], kind: str,
                    per_class: int | None, val_fraction: float, test_fraction: float, seed: int, deadline: Deadline,
                    max_pixels: int | None = None, notes: list[str] | None = None,
                    duplicates: list[str] | None = None) -> DatasetSplits:
    """Leave out exact duplicates (besides the `duplicates` already left out) and then unreadable files, check every
    class still has enough images, then cap and split (stratified, seeded); `names` says how the user knows each file,
    for the report. The images may need at most `max_pixels` decoded (None: any number)."""
    unique, found = _without_duplicates(samples, names)
    duplicates = sorted((duplicates or []) + found)
    (unique,), skipped = _readable([unique], names.__getitem__, deadline, max_pixels)
    counts = Counter(y for _, y in unique)
    small = [f"{classes[y]} ({counts[y]})" for y in range(len(classes)) if counts[y] < MIN_PER_CLASS]
    if small:
        unreadable = Message("{count} file(s) that are not a readable image ({files}{more})", count=len(skipped),
                             files=Listing(skipped[:3]), more=", ..." if len(skipped) > 3 else "")
        left_out = ([unreadable] if skipped else []) + \
            ([Message("{count} exact duplicate(s)", count=len(duplicates))] if duplicates else [])
        because = Message(" after leaving out {what}", what=Listing(left_out, "and")) if left_out else ""
        raise InputError("Class(es) {classes} have fewer than {least} images{because}: add at least {least} per class "
                         "({enough} or more works much better).", classes=Listing(small), least=MIN_PER_CLASS,
                         because=because, enough=ENOUGH_PER_CLASS)
    rng = random.Random(seed)
    unique = _cap(unique, per_class, rng)
    _check_count(len(unique))
    pool, test = _stratified_split(unique, test_fraction, rng)
    train, val = _stratified_split(pool, val_fraction, rng)
    return DatasetSplits(classes, train, val, test, kind, "classes", str(root), notes or [], skipped, duplicates,
                         per_class)


def _without_duplicates(samples: list[Sample], names: dict[str, str]) -> tuple[list[Sample], list[str]]:
    """The samples without exact copies of an earlier file (any class), and how the dropped ones are described."""
    by_size: dict[int, list[Sample]] = {}
    for sample in samples:
        by_size.setdefault(os.path.getsize(sample[0]), []).append(sample)
    first: dict[bytes, str] = {}
    dropped, described = set(), []
    for group in by_size.values():
        if len(group) < 2:
            continue
        for path, _ in group:
            digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).digest()
            if digest in first:
                dropped.add(path)
                described.append(f"{names[path]} (same as {names[first[digest]]})")
            else:
                first[digest] = path
    return [s for s in samples if s[0] not in dropped], sorted(described)


def _check_count(images: int) -> None:
    if images > MAX_IMAGES:
        raise InputError("The dataset has {count} images; the limit is {limit}. Set a cap on images per class for a "
                         "quicker run.", count=images, limit=MAX_IMAGES)


def _class_root(folder: Path) -> Path:
    """Step into a single wrapping folder (as zips of a folder usually have), ignoring hidden entries."""
    entries = [e for e in folder.iterdir() if not e.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir() and any(p.is_dir() for p in entries[0].iterdir()):
        return _class_root(entries[0])
    return folder


def _is_image_name(path: str) -> bool:
    name = os.path.basename(path)
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


def _readable(groups: list[list[Sample]], name, deadline: Deadline,
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


def _cap(samples: list[Sample], per_class: int | None, rng: random.Random) -> list[Sample]:
    """At most `per_class` randomly chosen samples of each class, in their original order."""
    if per_class is None:
        return list(samples)
    by_class: dict[int, list[int]] = {}
    for i, (_, y) in enumerate(samples):
        by_class.setdefault(y, []).append(i)
    keep = {i for indices in by_class.values() for i in rng.sample(indices, min(per_class, len(indices)))}
    return [s for i, s in enumerate(samples) if i in keep]


def _stratified_split(samples: list[Sample], fraction: float, rng: random.Random) -> tuple[list[Sample], list[Sample]]:
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


def _extract_zip(archive: Path, target: Path, max_bytes: int, deadline: Deadline) -> Path:
    """Safely extract a zip of class folders into the folder `target` if it unpacks to at most `max_bytes`; any
    problem is an InputError (the caller removes `target`)."""
    entry = None
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _checked_members(zf, archive.name, archive.stat().st_size, max_bytes)
            root = target.resolve()
            for entry in members:
                deadline.check()
                destination = (root / entry.filename).resolve()
                if not destination.is_relative_to(root):
                    raise InputError("{archive}: entry '{entry}' points outside the archive folder.",
                                     archive=archive.name, entry=entry.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(entry) as source, open(destination, "wb") as sink:
                    _copy_limited(source, sink, entry.file_size, archive.name, entry.filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as error:
        raise InputError("{name} is not a readable zip file ({reason}).", name=archive.name, reason=error) from None
    except OSError as error:  # a name too long, a file where a folder must go, a full disk, ...
        where = Message("entry '{entry}'", entry=entry.filename[:200]) if entry is not None else Message("the archive")
        raise InputError("{archive}: {where} cannot be extracted ({reason}): use short file names, and no file and "
                         "folder of the same name.", archive=archive.name, where=where,
                         reason=error.strerror or error) from None
    return target


def _checked_members(zf: zipfile.ZipFile, name: str, archive_bytes: int, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The image entries to extract, after checking every entry's path, type, declared size and compression ratio,
    and the whole archive's ratio (entries sharing compressed data unpack to more than the file holds)."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InputError("{name} has {count} entries; the limit is {limit}.", name=name, count=len(infos),
                         limit=MAX_ZIP_ENTRIES)
    total = 0
    members = []
    for info in infos:
        raw = info.filename.replace("\\", "/")
        path = PurePosixPath(raw)
        if raw.startswith("/") or (path.parts and ":" in path.parts[0]):
            raise InputError("{archive}: entry '{entry}' has an absolute path; zip the class folders only.",
                             archive=name, entry=info.filename)
        if ".." in path.parts:
            raise InputError("{archive}: entry '{entry}' tries to leave the archive folder ('..').", archive=name,
                             entry=info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError("{archive}: entry '{entry}' is a symbolic link; links are not accepted.", archive=name,
                             entry=info.filename)
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise InputError("{archive}: entry '{entry}' is compressed {ratio} times (the limit is {limit}): refused "
                             "as a possible zip bomb.", archive=name, entry=info.filename, ratio=ratio,
                             limit=MAX_ZIP_RATIO)
        total += info.file_size
        if total > max_bytes:
            raise DatasetTooLarge("{name} would unpack to more than {limit} MB, the limit here: use fewer or smaller "
                                  "images (JPEG, not BMP), or give a folder instead.", name=name,
                                  limit=f"{max_bytes / 2**20:.0f}")
        if total > MAX_ZIP_RATIO * archive_bytes:
            raise InputError("{name} unpacks to over {limit} times its own size: refused as a possible zip bomb.",
                             name=name, limit=MAX_ZIP_RATIO)
        if not info.is_dir() and _is_image_name(path.name) and "__MACOSX" not in path.parts:
            members.append(info)
    if not members:
        raise InputError("{name} contains no images (JPEG, PNG, WebP, ...): zip a folder with one sub-folder of images "
                         "per class.", name=name)
    return members


def _copy_limited(source, sink, declared: int, archive: str, entry: str, chunk: int = 1 << 20) -> None:
    """Copy at most the declared size; a stream longer than declared is a forged header."""
    written = 0
    while block := source.read(chunk):
        written += len(block)
        if written > declared:
            raise InputError("{archive}: entry '{entry}' is larger than its header says: refused.", archive=archive,
                             entry=entry)
        sink.write(block)


def _download_pets(path: Path) -> Path:
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
