"""Dataset detection and splitting for every layout, and refusal of unsafe or unusable zips."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.corpus import png_claiming
from transfer.data import MAX_CLASS_NAME, MAX_ZIP_RATIO, dataset_from_files, open_dataset
from transfer.errors import InputError

COLOURS = {"cats": (200, 40, 40), "dogs": (40, 40, 200), "birds": (40, 180, 40)}


def png(colour: tuple[int, int, int], seed: int, size: int = 48) -> bytes:
    """A small noisy image of one dominant colour."""
    rng = np.random.default_rng(seed)
    array = np.clip(np.array(colour) + rng.normal(0, 25, (size, size, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def make_folder(root: Path, per_class: int = 6, classes=("cats", "dogs")) -> Path:
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            (root / name / f"{i}.png").write_bytes(png(COLOURS[name], i))
    return root


def make_zip(path: Path, entries: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name) if isinstance(name, str) else name, data)
    return path


def make_pets(root: Path) -> Path:
    """A tiny Oxford-IIIT Pet tree in torchvision's layout: 2 cat breeds and 1 dog breed."""
    base = root / "oxford-iiit-pet"
    (base / "images").mkdir(parents=True)
    (base / "annotations").mkdir()
    breeds = [("Abyssinian", 1, 1), ("Bengal", 2, 1), ("beagle", 3, 2)]
    for split, count, offset in (("trainval", 5, 0), ("test", 2, 100)):
        lines = []
        for breed, class_id, species in breeds:
            for i in range(count):
                name = f"{breed}_{offset + i}"
                (base / "images" / f"{name}.jpg").write_bytes(png((30 * class_id, 90, 160), offset + i))
                lines.append(f"{name} {class_id} {species} 1")
        (base / "annotations" / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return root


def test_folder_layout_is_detected_and_split_by_seed(tmp_path):
    folder = make_folder(tmp_path / "mine", per_class=10, classes=("birds", "cats", "dogs"))
    data = open_dataset(folder, seed=1)
    assert (data.kind, data.task, data.classes) == ("folder", "classes", ["birds", "cats", "dogs"])
    assert (len(data.train), len(data.val), len(data.test)) == (18, 6, 6)
    assert {y for _, y in data.test} == {0, 1, 2}, "the held-out test split is stratified"
    assert not {p for p, _ in data.train} & {p for p, _ in data.test}
    assert open_dataset(folder, seed=1).train == data.train
    assert open_dataset(folder, seed=2).train != data.train
    capped = open_dataset(folder, per_class=4)
    assert len(capped.train) + len(capped.val) + len(capped.test) == 12


def test_zip_of_a_wrapped_folder_is_extracted_inside_workdir(tmp_path):
    entries = {f"my-pets/{name}/{i}.png": png(COLOURS[name], i) for name in ("cats", "dogs") for i in range(5)}
    archive = make_zip(tmp_path / "pets.zip", {**entries, "my-pets/readme.txt": b"hello", "__MACOSX/._x.png": b"x"})
    data = open_dataset(archive, workdir=tmp_path / "work")
    assert (data.kind, data.classes) == ("zip", ["cats", "dogs"])
    assert all(Path(p).is_relative_to(tmp_path / "work") for p, _ in data.train + data.val + data.test)


def test_copies_in_a_folder_are_left_out_once_in_any_class(tmp_path):
    """A class folder's file with the bytes of an earlier one (same class or another) is left out and named; files of
    equal size but other bytes stay."""
    root = make_folder(tmp_path / "data")
    (root / "cats" / "again.png").write_bytes((root / "cats" / "0.png").read_bytes())
    (root / "dogs" / "cat.png").write_bytes((root / "cats" / "1.png").read_bytes())
    data = open_dataset(root)
    assert list(map(str, data.duplicates)) == ["cats/again.png (same as cats/0.png)",
                                               "dogs/cat.png (same as cats/1.png)"]
    assert sum(map(sum, data.counts().values())) == 12


@pytest.mark.parametrize("inner", [False, True], ids=["root", "oxford-iiit-pet folder"])
def test_pets_layout_is_detected_for_root_and_inner_folder(tmp_path, inner):
    root = make_pets(tmp_path)
    data = open_dataset(root / "oxford-iiit-pet" if inner else root)
    assert data.kind == "oxford-iiit-pet"
    assert data.classes == ["Abyssinian", "Bengal", "Beagle"]
    assert (len(data.train) + len(data.val), len(data.test)) == (15, 6)
    species = open_dataset(root, task="species")
    assert species.classes == ["Cat", "Dog"]
    assert sorted({y for _, y in species.test}) == [0, 1]


def test_pets_mini_is_detected(pets_root):
    data = open_dataset(pets_root)
    assert len(data.classes) == 37 and len(data.test) == 111 and len(data.train) + len(data.val) == 259
    assert all(Path(path).is_file() for path, _ in data.test)
    assert open_dataset(pets_root, task="species", per_class=5).summary()["train"] + len(
        open_dataset(pets_root, task="species", per_class=5).val) == 10


def test_download_fails_fast_and_clearly_offline(tmp_path, monkeypatch):
    monkeypatch.setattr("transfer.data.pets.reachable", lambda host, timeout=3.0: False)
    with pytest.raises(InputError, match="800 MB"):
        open_dataset(tmp_path / "pets", download=True)
    assert not (tmp_path / "pets").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"task": "colours"}, "Unknown task"),
    ({"per_class": 1}, "at least 2"),
    ({"per_class": "5"}, "whole number"),
    ({"val_fraction": 0.95}, "fraction"),
])
def test_bad_options_are_refused(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message):
        open_dataset(make_folder(tmp_path / "mine"), **kwargs)


def test_missing_path_and_non_zip_file_are_refused(tmp_path):
    with pytest.raises(InputError, match="not found"):
        open_dataset(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InputError, match="not a zip"):
        open_dataset(tmp_path / "notes.txt")


def bomb() -> zipfile.ZipInfo:
    return zipfile.ZipInfo("cats/huge.png")


BAD_ZIPS = {
    "no class folders": ({f"{i}.png": png((1, 2, 3), i) for i in range(4)}, "class folder"),
    "one class only": ({f"cats/{i}.png": png((1, 2, 3), i) for i in range(4)}, "at least 2 classes"),
    "no images": ({"cats/a.txt": b"text", "dogs/b.csv": b"1,2"}, "no images"),
    "non-image named .jpg": ({**{f"cats/{i}.png": png((1, 2, 3), i) for i in range(3)},
                              **{f"dogs/{i}.jpg": b"not really a jpeg" for i in range(3)}}, "not a readable image"),
    "too few per class": ({"cats/0.png": png((1, 2, 3), 0), "dogs/0.png": png((1, 2, 3), 1)}, "fewer than 3"),
    "path traversal": ({"cats/0.png": png((1, 2, 3), 0), "../x.jpg": png((1, 2, 3), 1)}, r"\.\."),
    "nested traversal": ({"cats/../../x.jpg": png((1, 2, 3), 1)}, r"\.\."),
    "absolute path": ({"/tmp/transfer-test-x.jpg": png((1, 2, 3), 1)}, "absolute"),
    "drive path": ({"C:/x.jpg": png((1, 2, 3), 1)}, "absolute"),
}


@pytest.mark.parametrize("case", BAD_ZIPS, ids=list(BAD_ZIPS))
def test_bad_zips_are_refused_without_writing_outside(tmp_path, case):
    entries, message = BAD_ZIPS[case]
    archive = make_zip(tmp_path / "bad.zip", entries)
    work = tmp_path / "work"
    with pytest.raises(InputError, match=message):
        open_dataset(archive, workdir=work)
    assert sorted(p.name for p in tmp_path.iterdir()) in (["bad.zip"], ["bad.zip", "work"])
    assert not work.exists() or not any(work.iterdir()), "nothing is left behind"
    assert not Path("/tmp/transfer-test-x.jpg").exists()


def test_zip_bomb_is_refused_before_extracting(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("cats/0.png", png((1, 2, 3), 0))
        zf.writestr("dogs/huge.png", b"\0" * (64 * 1024**2))  # 64 MB of zeros: ratio about 1000
    assert zipfile.ZipFile(archive).getinfo("dogs/huge.png").file_size > MAX_ZIP_RATIO * zipfile.ZipFile(
        archive).getinfo("dogs/huge.png").compress_size
    with pytest.raises(InputError, match="zip bomb"):
        open_dataset(archive, workdir=tmp_path / "work")
    assert not any((tmp_path / "work").iterdir())


def test_huge_declared_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("transfer.data.splits.MAX_DATASET_BYTES", 10_000)
    archive = make_zip(tmp_path / "big.zip", {f"{c}/{i}.png": png((9, 9, 9), i, 64) for c in "ab" for i in range(3)})
    with pytest.raises(InputError, match="would unpack to more than"):
        open_dataset(archive, workdir=tmp_path / "work")


def photos(folder: Path, name: str, count: int, first: int = 0) -> list[Path]:
    """`count` different PNG files of one class colour, as a browser would upload them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}-{i}.png" for i in range(first, first + count)]
    for i, path in enumerate(paths, first):
        path.write_bytes(png(COLOURS[name], i))
    return paths


def test_classes_from_files_are_copied_checked_and_keep_their_order(tmp_path):
    cats, dogs = photos(tmp_path / "up", "cats", 6), photos(tmp_path / "up", "dogs", 5)
    broken = tmp_path / "up" / "holiday.jpg"
    broken.write_text("notes, not a photo")
    data = dataset_from_files({"dogs": dogs + [broken], "  cats ": cats + [cats[0], dogs[0]]},
                              workdir=tmp_path / "work")
    assert data.classes == ["dogs", "cats"] and data.kind == "files"
    assert sum(map(sum, data.counts().values())) == 11
    assert data.skipped == ["dogs/holiday.jpg"]
    assert list(map(str, data.duplicates)) == ["cats/cats-0.png (same as cats/cats-0.png)",
                                               "cats/dogs-0.png (same as dogs/dogs-0.png)"]
    assert all(Path(path).is_relative_to(tmp_path / "work") for path, _ in data.train + data.val + data.test)
    assert len(data.test) == 2 and any("test image" in str(warning) for warning in data.warnings())


@pytest.mark.parametrize("classes, message", [
    ({"cats": "x"}, "at least 2 classes"),
    ({"cats": "x", "Cats ": "x"}, "Two classes are named 'Cats'"),
    ({"cats": "x", "": "x"}, "needs a name"),
    ({"cats": "x", "c" * (MAX_CLASS_NAME + 1): "x"}, "longer than"),
    ({"cats": "x", "../dogs": "x"}, "only letters, digits"),
    ({"cats": "x", "dogs": "short"}, "'dogs' has 2 photos"),
])
def test_classes_from_files_are_refused_with_what_to_do(tmp_path, classes, message):
    files = {"x": photos(tmp_path / "up", "cats", 3), "short": photos(tmp_path / "up", "dogs", 2)}
    with pytest.raises(InputError, match=message):
        dataset_from_files({name: files[key] for name, key in classes.items()}, workdir=tmp_path / "work")
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir()), "nothing is left behind"


def test_unreadable_files_leaving_a_class_too_small_are_named(tmp_path):
    broken = []
    for i in range(3):
        broken.append(tmp_path / f"{i}.jpg")
        broken[-1].write_bytes(b"not really a jpeg %d" % i)  # different: identical files are left out as copies
    with pytest.raises(InputError, match=r"dogs \(0\).*not a readable image \(dogs/0.jpg"):
        dataset_from_files({"cats": photos(tmp_path, "cats", 3), "dogs": broken}, workdir=tmp_path / "work")


def test_data_check_warns_about_the_cap_and_a_small_class(tmp_path):
    make_folder(tmp_path / "mine", per_class=12)
    for i in range(8):  # dogs down to 4 images
        (tmp_path / "mine" / "dogs" / f"{i}.png").unlink()
    warnings = [str(warning) for warning in open_dataset(tmp_path / "mine", per_class=10).warnings()]
    assert any("asked for 10 images per class, but dogs (4) has fewer" in w for w in warnings), warnings
    assert any(w.startswith("dogs (4) is much smaller than the other classes") for w in warnings), warnings
    above_every_class = [str(warning) for warning in open_dataset(tmp_path / "mine", per_class=20).warnings()]
    assert not any("asked for" in w for w in above_every_class), above_every_class  # the cap changed nothing
    assert open_dataset(make_folder(tmp_path / "even", per_class=15)).warnings() == []  # 3 test images a class


def test_truncated_and_oversized_images_are_found_when_the_data_is_loaded(tmp_path):
    """Real datasets (Cats vs Dogs) have truncated files that a header check misses: every image is decoded once
    when the data is loaded, and the bad ones are left out and named."""
    root = make_folder(tmp_path / "data", per_class=5)
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(buffer, "JPEG")
    (root / "cats" / "truncated.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 2 // 3])
    (root / "dogs" / "empty.jpg").write_bytes(b"")
    (root / "dogs" / "huge.png").write_bytes(png_claiming(7000, 7000))  # 49 megapixels: over the limit
    data = open_dataset(root)
    used = {Path(path).relative_to(root).as_posix() for split in (data.train, data.val, data.test) for path, _ in split}
    assert used == {f"{name}/{i}.png" for name in ("cats", "dogs") for i in range(5)}
    assert data.skipped == ["cats/truncated.jpg", "dogs/empty.jpg", "dogs/huge.png"]
