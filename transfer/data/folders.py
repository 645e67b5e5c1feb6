"""Class folders: a folder tree (or an extracted zip) of one sub-folder per class, or photos given class by class."""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from torchvision.datasets import ImageFolder

from ..errors import InputError, Listing, Message
from ..images import MAX_FILE_BYTES
from . import splits
from .splits import (ENOUGH_PER_CLASS, MAX_CLASSES, MAX_DATASET_PIXELS, MIN_PER_CLASS, DatasetSplits, DatasetTooLarge,
                     Deadline, Sample, cap, check_count, check_options, copies, is_image_name, readable,
                     stratified_split)

#: Photos one class may be given one by one (dataset_from_files), counted before duplicates are left out.
MAX_PHOTOS_PER_CLASS = 1000
#: Class names given one by one (dataset_from_files): at most this long, of letters, digits, spaces and - _ ' . ( ) &
MAX_CLASS_NAME = 40
CLASS_NAME = re.compile(r"[^\W_][\w .'()&-]*")


def folder_splits(folder: Path, kind: str, per_class: int | None, val_fraction: float, test_fraction: float,
                  seed: int, deadline: Deadline, max_pixels: int | None = None) -> DatasetSplits:
    """The checked splits of a folder of class folders (or an extracted zip), each class a sub-folder."""
    folder = _class_root(folder)
    try:
        images = ImageFolder(str(folder), is_valid_file=is_image_name, allow_empty=True)
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
    notes = [Message("Ignored empty folder(s): {folders}", folders=Listing(empty))] if empty else []
    return checked_splits(folder, classes, samples, names, kind, per_class, val_fraction, test_fraction, seed,
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
    check_options(per_class, val_fraction, test_fraction)
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
    files, duplicates = _distinct_files(given, splits.MAX_DATASET_BYTES if max_bytes is None else max_bytes, deadline)
    short = [Message("'{name}' has {count} photo{s}", name=name, count=len(paths) or Message("no"),
                     s="" if len(paths) == 1 else "s") for name, paths in files.items() if len(paths) < MIN_PER_CLASS]
    if short:
        need = Message("Each class needs at least {least} photos ({enough} or more works much better): {short}.",
                       least=MIN_PER_CLASS, enough=ENOUGH_PER_CLASS, short=Listing(short))
        if duplicates:
            raise InputError("{count} photo(s) were given more than once and count once. {need}", count=len(duplicates),
                             need=need)
        raise InputError(need.template, **need.values)
    check_count(sum(len(paths) for paths in files.values()))
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
        return checked_splits(folder, names, samples, shown, "files", per_class, val_fraction, test_fraction, seed,
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
    described, total = [], 0
    for name, paths in files.items():
        for path in paths:
            real, shown = os.path.realpath(path), f"{name}/{path.name}"
            if real in first:
                described.append(_same_as(shown, first[real]))
                continue
            if not os.path.isfile(real):
                raise InputError("Photo '{file}' of class '{name}' was not found: add it again.", file=path.name,
                                 name=name)
            size = os.path.getsize(real)
            if size > MAX_FILE_BYTES:
                raise InputError("Photo '{file}' of class '{name}' is larger than {limit} MB: use a smaller image.",
                                 file=path.name, name=name, limit=MAX_FILE_BYTES // 2**20)
            total += size
            if total > max_bytes:
                raise DatasetTooLarge("The photos add up to more than {limit} MB, the limit here: use fewer or smaller "
                                      "photos.", limit=f"{max_bytes / 2**20:.0f}")
            first[real] = shown
    dropped = copies(first, deadline)
    described += [_same_as(first[real], first[original]) for real, original in dropped.items()]
    kept, taken = {}, set()
    for name, paths in files.items():
        kept[name] = []
        for path in paths:
            real = os.path.realpath(path)
            if real not in dropped and real not in taken:
                taken.add(real)
                kept[name].append(path)
    return kept, sorted(described, key=str)


def _same_as(name: str, other: str) -> Message:
    """How a file left out as an exact copy of another is named in a dataset's report."""
    return Message("{name} (same as {other})", name=name, other=other)


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


def checked_splits(root: Path, classes: list[str], samples: list[Sample], names: dict[str, str], kind: str,
                   per_class: int | None, val_fraction: float, test_fraction: float, seed: int, deadline: Deadline,
                   max_pixels: int | None = None, notes: list[Message] | None = None,
                   duplicates: list[Message] | None = None) -> DatasetSplits:
    """Leave out exact duplicates (besides the `duplicates` already left out) and then unreadable files, check every
    class still has enough images, then cap and split (stratified, seeded); `names` says how the user knows each file,
    for the report. The images may need at most `max_pixels` decoded (None: any number)."""
    unique, found = _without_duplicates(samples, names)
    duplicates = sorted((duplicates or []) + found, key=str)
    (unique,), skipped = readable([unique], names.__getitem__, deadline, max_pixels)
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
    unique = cap(unique, per_class, rng)
    check_count(len(unique))
    pool, test = stratified_split(unique, test_fraction, rng)
    train, val = stratified_split(pool, val_fraction, rng)
    return DatasetSplits(classes, train, val, test, kind, "classes", str(root), notes or [], skipped, duplicates,
                         per_class)


def _without_duplicates(samples: list[Sample], names: dict[str, str]) -> tuple[list[Sample], list[Message]]:
    """The samples without exact copies of an earlier file (any class), and how the dropped ones are described."""
    dropped = copies(path for path, _ in samples)
    return ([s for s in samples if s[0] not in dropped],
            sorted((_same_as(names[path], names[original]) for path, original in dropped.items()), key=str))


def _class_root(folder: Path) -> Path:
    """Step into a single wrapping folder (as zips of a folder usually have), ignoring hidden entries."""
    entries = [e for e in folder.iterdir() if not e.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir() and any(p.is_dir() for p in entries[0].iterdir()):
        return _class_root(entries[0])
    return folder
