"""Abusing the data step (issue 19: holes 1, 4, 7a, 7c, 7d, 7e): over raw HTTP where the app exposes the hole, as an
attacker would; library calls where it does not (image memory, the ZeroGPU busy state, the start-up sweep)."""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import time
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from harness import raw_http
import transfer
from conftest import load
from harness.corpus import png_claiming
from transfer.data import MAX_DATASET_BYTES, MAX_DATASET_PIXELS, MAX_PHOTOS_PER_CLASS, dataset_from_files
from transfer.errors import InputError
from transfer.images import MAX_DECODED_BYTES, check_image, load_image
from ui import finetune, sessions
from ui.common import OUTPUT_DIR
from ui.sessions import SESSIONS_ROOT


def noise_png(path: Path, seed: int, side: int = 64) -> Path:
    """A small PNG of random pixels: each seed a different file that does not compress."""
    pixels = np.random.default_rng(seed).integers(0, 255, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def session_folders() -> set[Path]:
    return set(SESSIONS_ROOT.glob("*")) if SESSIONS_ROOT.exists() else set()


def written(before: set[Path]) -> int:
    """Bytes in the session folders made since `before`."""
    return sum(sessions.folder_bytes(folder) for folder in session_folders() - before)


def check_data(app_url: str, source: str, classes: dict[str, list[str]] | None = None,
               archive: str | None = None) -> tuple[bool, object]:
    """The wizard's 'Check the data' event joined over raw HTTP, with galleries or a zip naming uploaded files."""
    index, data, kinds = raw_http.event_updating(app_url, "finetune-report", taking="slider")
    data = list(data)
    data[kinds.index("radio")], data[kinds.index("slider")] = source, 0
    if archive is not None:
        data[kinds.index("file")] = {"path": archive, "meta": raw_http.FILE_META}
    names = [i for i, kind in enumerate(kinds) if kind == "textbox"]
    galleries = [i for i, kind in enumerate(kinds) if kind == "gallery"]
    for slot, (name, paths) in enumerate((classes or {}).items()):  # the first two cards are in use on a new page
        data[names[slot]] = name
        data[galleries[slot]] = [{"image": {"path": path, "meta": raw_http.FILE_META}, "caption": None}
                                 for path in paths]
    return raw_http.join(app_url, index, data)


def report_of(answer) -> str:
    report = answer[0]
    return report["value"] if isinstance(report, dict) else report


@pytest.fixture(scope="module")
def photos(app_url, tmp_path_factory) -> dict[str, list[str]]:
    """Three different small photos per class, each uploaded once: their server paths."""
    folder = tmp_path_factory.mktemp("photos")
    return {name: [raw_http.upload(app_url, noise_png(folder / f"{name}{i}.png", 10 * k + i)) for i in range(3)]
            for k, name in enumerate(("cats", "dogs"))}


# --- hole 1: one upload referenced many times -------------------------------------------------------------------

def test_a_photo_referenced_hundreds_of_times_is_copied_once(app_url, photos):
    cats, dogs = photos["cats"], photos["dogs"]
    before = session_folders()
    ok, answer = check_data(app_url, "own", {"cats": [cats[0]] * 500 + cats[1:], "dogs": dogs + [dogs[0]] * 500})
    assert ok, answer
    once = sum(os.path.getsize(path) for path in cats + dogs)
    assert written(before) < 2 * once, f"{written(before)} bytes written for 6 photos of {once} bytes"
    assert "Left out 999 exact duplicate(s)" in report_of(answer)


def test_a_class_with_more_photos_than_the_cap_is_refused_before_copying(app_url, photos):
    before = session_folders()
    ok, answer = check_data(app_url, "own", {"cats": [photos["cats"][0]] * (MAX_PHOTOS_PER_CLASS + 1),
                                             "dogs": photos["dogs"]})
    assert not ok and f"the limit is {MAX_PHOTOS_PER_CLASS} per class" in answer, answer
    assert written(before) == 0


def test_the_same_bytes_under_other_names_are_copied_once(tmp_path):
    cats = [noise_png(tmp_path / f"c{i}.png", i) for i in range(3)]
    dogs = [noise_png(tmp_path / f"d{i}.png", 10 + i) for i in range(3)]
    copies = []
    for i in range(20):  # the same photo uploaded again gets another path
        (tmp_path / f"again{i}").mkdir()
        copies.append((tmp_path / f"again{i}" / "c0.png"))
        copies[-1].write_bytes(cats[0].read_bytes())
    data = dataset_from_files({"cats": cats + copies, "dogs": dogs}, workdir=tmp_path / "work")
    assert len(data.duplicates) == 20
    assert len(list((tmp_path / "work").rglob("*.png"))) == 6


def test_images_with_too_many_pixels_together_are_refused_before_decoding(tmp_path):
    side = int((MAX_DATASET_PIXELS / 30) ** 0.5) + 1  # each within the per-image limit, 30 over the dataset's
    files = {}
    for name in ("a", "b"):
        files[name] = []
        for i in range(15):
            path = tmp_path / f"{name}{i}.png"
            path.write_bytes(png_claiming(side, side) + name.encode() + bytes([i]))  # all different
            files[name].append(path)
    with pytest.raises(InputError, match="megapixels to check"):
        dataset_from_files(files, workdir=tmp_path / "work")


# --- hole 4: a small zip that unpacks to a lot; a full disk -----------------------------------------------------

def bmp_zip(path: Path, per_class: int = 3, side: int = 3000) -> Path:
    """A zip of 24-bit BMPs, each compressed about 100 times (under the zip-bomb ratio), together past the limit."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, name in enumerate(("cats", "dogs")):
            for i in range(per_class):
                pixels = np.zeros((side, side, 3), dtype=np.uint8)
                pixels[::100] = np.random.default_rng(10 * k + i).integers(0, 255, (side // 100, side, 3))
                buffer = io.BytesIO()
                Image.fromarray(pixels).save(buffer, "BMP")
                archive.writestr(f"{name}/{i}.bmp", buffer.getvalue())
    return path


def test_a_zip_of_bmps_unpacking_past_the_limit_is_refused_before_extracting(app_url, tmp_path):
    archive = bmp_zip(tmp_path / "bmps.zip")
    with zipfile.ZipFile(archive) as zf:
        assert sum(info.file_size for info in zf.infolist()) > MAX_DATASET_BYTES > 10 * archive.stat().st_size
    before = session_folders()
    ok, answer = check_data(app_url, "zip", archive=raw_http.upload(app_url, archive))
    assert not ok and "would unpack to more than" in answer, answer
    assert written(before) == 0


def test_a_full_server_refuses_new_data_and_keeps_an_idle_visitors_model(tmp_path, wizard, monkeypatch):
    from test_sessions import class_zip

    archive = class_zip(tmp_path / "a.zip")
    victim = load(wizard, "zip", str(archive))[wizard.session]
    (victim.folder / "runs" / "model.safetensors").parent.mkdir()
    (victim.folder / "runs" / "model.safetensors").write_bytes(b"weights")  # stands for a fine-tuned model
    victim.last_used -= sessions.SESSION_LIFETIME / 2  # idle, well within its lifetime
    full = sessions.folder_bytes(SESSIONS_ROOT)  # session folders alone: the server's other files only add to it
    for name in ("SERVER_MAX_BYTES", "SESSIONS_MAX_BYTES"):  # the cap's name after and before the fix
        monkeypatch.setattr(sessions, name, full, raising=False)
    with pytest.raises(gr.Error, match="no room for new data"):
        load(wizard, "zip", str(archive))
    assert (victim.folder / "runs" / "model.safetensors").exists() and victim.data is not None
    sessions.cleanup(victim)


# --- 7a: memory bound by decoded bytes, not only pixels --------------------------------------------------------

def test_a_float_image_is_refused_by_its_decoded_size_before_decoding(tmp_path):
    path = tmp_path / "float.tif"
    side = int((MAX_DECODED_BYTES / 8) ** 0.5) + 100  # 4 bytes a pixel, and 4 more for its RGB copy
    Image.new("F", (side, side)).save(path, compression="tiff_deflate")
    assert side * side < transfer.images.MAX_PIXELS and path.stat().st_size < 10 * 2**20
    for check in (load_image, check_image):
        with pytest.raises(InputError, match="decoded it would take"):
            check(path)


def test_a_float_image_within_the_limit_turns_into_the_same_grey():
    values = np.linspace(0, 1000, 3000 * 1500, dtype=np.float32).reshape(1500, 3000)
    grey = np.asarray(load_image(Image.fromarray(values, mode="F")))[:, :, 0]
    expected = np.clip(values / 65535 * 255, 0, 255).astype(np.uint8)  # as before the conversion went by bands
    assert np.abs(grey.astype(int) - expected).max() <= 1


# --- 7c: visitor names are text ----------------------------------------------------------------------------------

def test_class_names_from_a_zip_reach_the_report_as_text(app_url, tmp_path):
    name = "<img src=x onerror=alert(1)>"
    archive = tmp_path / "names.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for k, folder in enumerate((name, "dogs")):
            for i in range(3):
                zf.write(noise_png(tmp_path / f"{k}{i}.png", 10 * k + i), f"{folder}/{i}.png")
    ok, answer = check_data(app_url, "zip", archive=raw_http.upload(app_url, archive))
    assert ok, answer
    report = report_of(answer)
    assert "&lt;img src=x onerror=alert(1)&gt;" in report and "<img" not in report, report


# --- 7d: a training in a ZeroGPU worker process keeps its session ----------------------------------------------

def test_a_training_on_a_pickled_session_keeps_it_from_the_sweep(tmp_path, wizard, monkeypatch):
    """On ZeroGPU the training handler runs in a worker on a pickled copy of the session: the app's process must
    still see it as busy."""
    from test_sessions import class_zip

    trained = load(wizard, "zip", str(class_zip(tmp_path / "a.zip")))[wizard.session]
    other = load(wizard, "zip", str(class_zip(tmp_path / "b.zip")))[wizard.session]
    in_worker = pickle.loads(pickle.dumps(trained))

    def training(*args, **kwargs):  # meanwhile, in the app's process: the session looks idle for over its lifetime
        trained.last_used -= sessions.SESSION_LIFETIME + 1
        os.utime(trained.folder, (trained.last_used, trained.last_used))
        sessions.claim(other)
        yield from ()

    monkeypatch.setattr(transfer, "finetune", training)
    for _ in finetune.train(in_worker, transfer.DEFAULT_FINETUNE_MODEL, "head", 1, 0.1, 8, False, 0):
        pass
    assert trained.folder.exists() and trained.data is not None
    for session in (trained, other):
        sessions.cleanup(session)


# --- 7e: earlier processes' download folders -------------------------------------------------------------------

def test_earlier_processes_download_folders_are_swept_at_start_up():
    temporary = Path(tempfile.gettempdir())
    dead = temporary / "transfer-lab-outputs-999999999-x1"  # no such process
    old = temporary / "transfer-lab-outputs-ab12cd"  # an earlier version's name, unused for over an hour
    for folder in (dead, old):
        folder.mkdir(exist_ok=True)
        (folder / "ideal.png").write_bytes(b"png")
    hour_ago = time.time() - sessions.SESSION_LIFETIME - 60
    os.utime(old, (hour_ago, hour_ago))
    sessions.sweep_stale()
    assert not dead.exists() and not old.exists() and OUTPUT_DIR.exists()
