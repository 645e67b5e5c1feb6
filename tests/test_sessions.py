"""Per-session files: created only on success, a lifetime, removed with the session, a disk cap, a start-up sweep."""

from __future__ import annotations

import io
import os
import time
import zipfile

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from conftest import load
from harness.corpus import bad_zips
from ui import sessions
from ui.common import Session
from ui.finetune import ZIP
from ui.sessions import SESSIONS_ROOT, cleanup


def class_zip(path, classes=("cat", "dog"), per_class=4, size=64):
    """A valid dataset zip whose images are random noise (so they do not compress)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name in classes:
            for i in range(per_class):
                archive.writestr(f"{name}/{i}.bmp", b"BM" + os.urandom(size * 1024))  # unreadable, but large
                archive.writestr(f"{name}/{i}.jpg", _jpeg(100 * classes.index(name) + i))
    return path


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def folders() -> set[str]:
    return {path.name for path in SESSIONS_ROOT.glob("*")} if SESSIONS_ROOT.exists() else set()


@pytest.mark.parametrize("name", ["bomb.zip", "file_and_folder.zip", "one_class.zip"])
def test_a_failed_load_leaves_no_folder(tmp_path, wizard, name):
    zips = bad_zips(tmp_path / "zips")
    before = folders()
    with pytest.raises(gr.Error):
        load(wizard, ZIP, str(zips[name]))
    assert folders() == before


def test_a_session_loses_its_old_upload_and_its_folder_when_it_ends(tmp_path, wizard):
    session = load(wizard, ZIP, str(class_zip(tmp_path / "a.zip")))[wizard.session]
    first_root = session.data.root
    session = load(wizard, ZIP, str(class_zip(tmp_path / "b.zip")), session=session)[wizard.session]
    assert not os.path.exists(first_root) and os.path.isdir(session.data.root)
    assert session.folder.name.startswith(f"{os.getpid()}-") and session.folder.parent == SESSIONS_ROOT
    cleanup(session)
    assert not session.folder.exists()


def test_beyond_the_disk_caps_a_new_load_is_refused_and_nobody_is_evicted(tmp_path, wizard, monkeypatch):
    archive = class_zip(tmp_path / "a.zip")
    size = archive.stat().st_size  # each load adds about twice this: the uploaded copy and the extracted files
    monkeypatch.setattr(sessions, "SERVER_MAX_BYTES", sessions.disk_in_use() + int(4.5 * size))
    made = [load(wizard, ZIP, str(archive))[wizard.session] for _ in range(2)]
    with pytest.raises(gr.Error, match="no room for new data"):
        load(wizard, ZIP, str(archive))
    assert all(session.folder.exists() and session.data is not None for session in made)
    monkeypatch.setattr(sessions, "SERVER_MAX_BYTES", 10**15)
    monkeypatch.setattr(sessions, "ADDRESS_MAX_BYTES", sessions.folder_bytes(made[0].folder) + 1)  # tests share address ""
    with pytest.raises(gr.Error, match="Your sessions on this server already use"):
        load(wizard, ZIP, str(archive))
    assert all(session.folder.exists() for session in made)
    for session in made:
        cleanup(session)


def test_a_training_session_is_never_swept(tmp_path, wizard):
    idle = load(wizard, ZIP, str(class_zip(tmp_path / "a.zip")))[wizard.session]
    idle.last_used -= sessions.SESSION_LIFETIME + 1
    with sessions.busy(idle.folder):
        os.utime(idle.folder, (idle.last_used, idle.last_used))
        active = load(wizard, ZIP, str(class_zip(tmp_path / "b.zip")))[wizard.session]
    assert idle.folder.exists() and idle.data is not None
    for session in (idle, active):
        cleanup(session)


def test_expired_sessions_are_evicted(tmp_path, wizard):
    idle = load(wizard, ZIP, str(class_zip(tmp_path / "a.zip")))[wizard.session]
    idle.last_used -= sessions.SESSION_LIFETIME + 1  # an API client that never came back
    os.utime(idle.folder, (idle.last_used, idle.last_used))  # and nothing changed in its folder since
    active = load(wizard, ZIP, str(class_zip(tmp_path / "b.zip")))[wizard.session]
    assert not idle.folder.exists() and active.folder.exists()
    cleanup(active)


def test_start_up_sweep_removes_only_stale_folders(tmp_path):
    dead = SESSIONS_ROOT / "999999999-deadbeef"  # no such process
    alive = SESSIONS_ROOT / f"{os.getppid()}-cafe"  # a running process: maybe another instance of the app
    old = SESSIONS_ROOT / f"{os.getppid()}-old"
    for folder in (dead, alive, old):
        (folder / "data").mkdir(parents=True)
    hour_ago = time.time() - sessions.SESSION_LIFETIME - 60
    os.utime(old, (hour_ago, hour_ago))
    removed = sessions.sweep_stale()
    assert dead in removed and old in removed and alive.exists()
    cleanup(Session(folder=alive))


def test_the_app_gives_session_state_a_lifetime_and_removes_its_files():
    from app import build_app

    state = next(block for block in build_app().blocks.values() if isinstance(block, gr.State))
    assert state.time_to_live == sessions.SESSION_LIFETIME and state.delete_callback is cleanup
