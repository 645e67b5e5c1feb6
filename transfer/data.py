"""Datasets for fine-tuning: Oxford-IIIT Pet (torchvision layout), a folder of class folders, or a zip of one."""

from __future__ import annotations

import os
import random
import shutil
import stat
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image
from torchvision.datasets import ImageFolder, OxfordIIITPet

from .checks import reachable
from .errors import InputError

TASKS = ("breeds", "species")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
PETS_FOLDER = "oxford-iiit-pet"
PETS_DOWNLOAD_MB = 800
PETS_HOST = ("www.robots.ox.ac.uk", 443)
#: Zip limits: total uncompressed bytes, number of entries and the largest compression ratio of any entry.
MAX_ZIP_BYTES = 2 * 1024**3
MAX_ZIP_ENTRIES = 50_000
MAX_ZIP_RATIO = 200
MAX_CLASSES = 1000
#: Most images a dataset may have after the per-class cap (the whole Oxford-IIIT Pet has 7,349).
MAX_IMAGES = 20_000

Sample = tuple[str, int]


@dataclass
class DatasetSplits:
    """Labelled image paths split into train / validation / test, with the class names they index."""

    classes: list[str]
    train: list[Sample]
    val: list[Sample]
    test: list[Sample]
    kind: str  # "oxford-iiit-pet", "folder" or "zip"
    task: str  # "breeds" or "species" for Oxford-IIIT Pet, "classes" for a user folder
    root: str
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Counts per split and per class, for display and JSON."""
        return {
            "kind": self.kind, "task": self.task, "root": self.root, "classes": len(self.classes),
            "train": len(self.train), "val": len(self.val), "test": len(self.test),
            "per_class_train": {self.classes[k]: v for k, v in sorted(Counter(y for _, y in self.train).items())},
            "notes": list(self.notes),
        }


def open_dataset(source: str | os.PathLike, task: str = "breeds", per_class: int | None = None,
                 val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0, download: bool = False,
                 workdir: str | os.PathLike | None = None) -> DatasetSplits:
    """Detect the layout of `source` (Oxford-IIIT Pet root, class-folder tree or .zip) and split it, seeded.

    The Oxford-IIIT Pet test split is kept for the final score; a user folder gets a held-out test split of
    `test_fraction`. `per_class` caps the images per class in every split for a quick run. A zip is extracted
    safely into a new folder inside `workdir` (the system's temporary folder when None).
    """
    if task not in TASKS:
        raise InputError(f"Unknown task '{task}': use one of {', '.join(TASKS)}.")
    if per_class is not None and (isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 2):
        raise InputError(f"Images per class must be a whole number of at least 2 (or empty for all), "
                         f"got {per_class!r}.")
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not isinstance(value, (int, float)) or not 0 <= value < 0.9:
            raise InputError(f"{name} must be a fraction from 0 to 0.9, got {value!r}.")
    if source is None or not str(source).strip():
        raise InputError("No dataset given: give the Oxford-IIIT Pet folder, a folder of class folders, or a .zip.")
    path = Path(source).expanduser()
    if download:
        return _pets_splits(_download_pets(path), task, per_class, val_fraction, seed)
    if path.is_file() and zipfile.is_zipfile(path):
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        folder = _extract_zip(path, Path(tempfile.mkdtemp(prefix="transfer-data-", dir=workdir)))
        try:
            return _folder_splits(folder, "zip", per_class, val_fraction, test_fraction, seed)
        except InputError:
            shutil.rmtree(folder, ignore_errors=True)  # an unusable upload leaves nothing behind
            raise
    if path.is_file():
        raise InputError(f"{path.name} is not a zip file: give a .zip of class folders, or a folder.")
    if not path.is_dir():
        raise InputError(f"Dataset not found at '{path}'. Give an existing folder or .zip "
                         f"(or ask for the Oxford-IIIT Pet download, about {PETS_DOWNLOAD_MB} MB).")
    pets_root = find_pets_root(path)
    if pets_root is not None:
        return _pets_splits(pets_root, task, per_class, val_fraction, seed)
    return _folder_splits(path, "folder", per_class, val_fraction, test_fraction, seed)


def check_inside(path: str | os.PathLike | None, roots: list[Path]) -> Path:
    """`path` resolved (links followed), if it lies inside one of `roots`; else InputError naming the roots."""
    if path is None or not str(path).strip():
        raise InputError("No dataset folder given.")
    try:
        resolved = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as error:
        raise InputError(f"'{str(path)[:200]}' is not a usable path ({error}).") from None
    allowed = [Path(root).expanduser().resolve() for root in roots]
    if not any(resolved.is_relative_to(root) for root in allowed):
        places = ", ".join(str(root) for root in allowed) or "none configured"
        raise InputError(f"Datasets on this server can only be opened inside: {places}. Upload a zip instead, "
                         "or start the app with --data-root FOLDER.")
    return resolved


def find_pets_root(path: Path) -> Path | None:
    """The root torchvision expects (parent of 'oxford-iiit-pet') for `path` or that folder itself, else None."""
    for root in (path, path.parent):
        base = root / PETS_FOLDER
        if (base / "images").is_dir() and (base / "annotations" / "trainval.txt").is_file() \
                and (base / "annotations" / "test.txt").is_file() and (root == path or path.name == PETS_FOLDER):
            return root
    return None


def _pets_splits(root: Path, task: str, per_class: int | None, val_fraction: float, seed: int) -> DatasetSplits:
    target = "category" if task == "breeds" else "binary-category"
    try:
        trainval = OxfordIIITPet(root, split="trainval", target_types=target)
        test = OxfordIIITPet(root, split="test", target_types=target)
    except (RuntimeError, OSError, ValueError) as error:
        raise InputError(f"'{root}' looks like Oxford-IIIT Pet but cannot be read ({error}).") from None
    classes = trainval.classes if task == "breeds" else trainval.bin_classes
    # torchvision keeps paths and targets in these attributes; reading them avoids decoding every image.
    labels = trainval._labels if task == "breeds" else trainval._bin_labels
    test_labels = test._labels if task == "breeds" else test._bin_labels
    pool = [(str(p), y) for p, y in zip(trainval._images, labels)]
    test_samples = [(str(p), y) for p, y in zip(test._images, test_labels)]
    missing = [str(p) for p, _ in pool[:1] + test_samples[:1] if not Path(p).is_file()]
    if missing:
        raise InputError(f"Image {missing[0]} listed in the annotations is missing: the dataset is incomplete.")
    rng = random.Random(seed)
    pool, test_samples = _cap(pool, per_class, rng), _cap(test_samples, per_class, rng)
    _check_count(len(pool) + len(test_samples))
    train, val = _stratified_split(pool, val_fraction, rng)
    return DatasetSplits(list(classes), train, val, test_samples, PETS_FOLDER, task, str(root))


def _folder_splits(folder: Path, kind: str, per_class: int | None, val_fraction: float, test_fraction: float,
                   seed: int) -> DatasetSplits:
    folder = _class_root(folder)
    try:
        images = ImageFolder(str(folder), is_valid_file=_is_image_name, allow_empty=True)
    except (FileNotFoundError, OSError) as error:
        raise InputError(f"No class folders in '{folder.name}': put each class's images in a sub-folder named "
                         f"after the class, e.g. cats/1.jpg, dogs/2.jpg ({error}).") from None
    counts = Counter(y for _, y in images.samples)
    empty = [c for i, c in enumerate(images.classes) if counts[i] == 0]
    classes = [c for i, c in enumerate(images.classes) if counts[i] > 0]
    if len(classes) < 2:
        raise InputError(f"Found {len(classes)} class folder(s) with images in '{folder.name}': a classifier needs at "
                         "least 2 classes, each a sub-folder of JPEG/PNG/WebP images.")
    if len(classes) > MAX_CLASSES:
        raise InputError(f"Found {len(classes)} classes; the limit is {MAX_CLASSES}.")
    index = {images.classes.index(c): i for i, c in enumerate(classes)}
    samples = [(path, index[y]) for path, y in images.samples]
    for path, _ in samples:
        _check_image(Path(path), folder)
    small = [classes[y] for y, n in Counter(y for _, y in samples).items() if n < 3]
    if small:
        raise InputError(f"Class(es) {', '.join(sorted(small))} have fewer than 3 images: add at least 3 per class "
                         "(10 or more works much better).")
    rng = random.Random(seed)
    samples = _cap(samples, per_class, rng)
    _check_count(len(samples))
    pool, test = _stratified_split(samples, test_fraction, rng)
    train, val = _stratified_split(pool, val_fraction, rng)
    notes = [f"Ignored empty folder(s): {', '.join(empty)}"] if empty else []
    return DatasetSplits(classes, train, val, test, kind, "classes", str(folder), notes)


def _check_count(images: int) -> None:
    if images > MAX_IMAGES:
        raise InputError(f"The dataset has {images} images; the limit is {MAX_IMAGES}. Set a cap on images per "
                         "class for a quicker run.")


def _class_root(folder: Path) -> Path:
    """Step into a single wrapping folder (as zips of a folder usually have), ignoring hidden entries."""
    entries = [e for e in folder.iterdir() if not e.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir() and any(p.is_dir() for p in entries[0].iterdir()):
        return _class_root(entries[0])
    return folder


def _is_image_name(path: str) -> bool:
    name = os.path.basename(path)
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


def _check_image(path: Path, root: Path) -> None:
    """Cheap header check, so a non-image named .jpg is reported up front instead of mid-training."""
    try:
        with Image.open(path) as image:
            image.verify()
    except Exception:  # PIL raises many types for broken files
        raise InputError(f"{path.relative_to(root)} is not a readable image: remove it or replace it with a "
                         "JPEG/PNG/WebP photo.") from None


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


def _extract_zip(archive: Path, target: Path) -> Path:
    """Safely extract a zip of class folders into the new folder `target` (removed again if the zip is refused)."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _checked_members(zf, archive.name)
            root = target.resolve()
            for info in members:
                destination = (root / info.filename).resolve()
                if not destination.is_relative_to(root):
                    raise InputError(f"{archive.name}: entry '{info.filename}' points outside the archive folder.")
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(destination, "wb") as sink:
                    _copy_limited(source, sink, info.file_size, archive.name, info.filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as error:
        shutil.rmtree(target, ignore_errors=True)
        raise InputError(f"{archive.name} is not a readable zip file ({error}).") from None
    except InputError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _checked_members(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The image entries to extract, after checking every entry's path, type and declared size."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InputError(f"{name} has {len(infos)} entries; the limit is {MAX_ZIP_ENTRIES}.")
    total = 0
    members = []
    for info in infos:
        raw = info.filename.replace("\\", "/")
        path = PurePosixPath(raw)
        if raw.startswith("/") or (path.parts and ":" in path.parts[0]):
            raise InputError(f"{name}: entry '{info.filename}' has an absolute path; zip the class folders only.")
        if ".." in path.parts:
            raise InputError(f"{name}: entry '{info.filename}' tries to leave the archive folder ('..').")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(f"{name}: entry '{info.filename}' is a symbolic link; links are not accepted.")
        total += info.file_size
        if total > MAX_ZIP_BYTES:
            raise InputError(f"{name} would unpack to more than {MAX_ZIP_BYTES // 1024**3} GB; use fewer images.")
        if info.file_size > 1024**2 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise InputError(f"{name}: entry '{info.filename}' is compressed {ratio} times: refused as a possible "
                             "zip bomb.")
        if not info.is_dir() and _is_image_name(path.name) and "__MACOSX" not in path.parts:
            members.append(info)
    if not members:
        raise InputError(f"{name} contains no images (JPEG, PNG, WebP, ...): zip a folder with one sub-folder of "
                         "images per class.")
    return members


def _copy_limited(source, sink, declared: int, archive: str, entry: str, chunk: int = 1 << 20) -> None:
    """Copy at most the declared size; a stream longer than declared is a forged header."""
    written = 0
    while block := source.read(chunk):
        written += len(block)
        if written > declared:
            raise InputError(f"{archive}: entry '{entry}' is larger than its header says: refused.")
        sink.write(block)


def _download_pets(path: Path) -> Path:
    """Download Oxford-IIIT Pet (about 800 MB) into `path` with torchvision; fail fast when offline."""
    if find_pets_root(path) is not None:
        return find_pets_root(path)
    if not reachable(PETS_HOST, timeout=3.0):
        raise InputError(f"Cannot reach {PETS_HOST[0]} to download Oxford-IIIT Pet (about {PETS_DOWNLOAD_MB} MB): "
                         "connect to the internet, or give a local copy / a zip of your own class folders.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        OxfordIIITPet(path, split="trainval", download=True)
    except (OSError, RuntimeError) as error:
        raise InputError(f"Downloading Oxford-IIIT Pet failed ({error}). Check the connection and free disk space "
                         f"(about {2 * PETS_DOWNLOAD_MB} MB needed), then try again.") from None
    return path
