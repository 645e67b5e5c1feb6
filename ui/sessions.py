"""Per-session files (ui.common.Session): a lifetime, disk caps per session, per address and for the server, a sweep
at start-up.

A session here is any object with `folder`, `last_used`, `address` and `forget()` (drop what refers to its files).
Only sessions past their lifetime are ever deleted: when the disk is full, new data is refused instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gradio.utils import get_upload_folder

from transfer import Message
from transfer.checks import folder_bytes

#: Each session's data and models live in one folder here, named after the process that made it.
SESSIONS_ROOT = Path(tempfile.gettempdir()) / "transfer-lab-sessions"
#: Seconds a session's state and files live after its last use (browser tabs and API clients alike).
SESSION_LIFETIME = 3600
#: Disk the app's files may use together: all session folders, Gradio's upload cache, the download outputs and the
#: finished images' cache (RESULTS_DISK_BYTES of it). A new dataset that would pass it is refused; nobody's recent work
#: is deleted to make room.
SERVER_MAX_BYTES = 5 * 1024**3
#: Disk one session may use: a dataset (at most transfer.data.MAX_DATASET_BYTES, 150 MB) and its models (up to
#: ui.common.MAX_RUNS, about 30 MB each for the default network).
SESSION_MAX_BYTES = 400 * 2**20
#: Disk all sessions of one client address may use together: a few visitors behind one router, or one visitor
#: opening many sessions to fill the server.
ADDRESS_MAX_BYTES = 1024**3
#: Folders of the app's earlier versions (one per session in the temporary folder), swept once this old.
LEGACY_PATTERN = "transfer-finetune-*"
#: Each process's folder of files for download (ui.common.OUTPUT_DIR) in the temporary folder: PREFIX<pid>-<random>.
OUTPUTS_PREFIX = "transfer-lab-outputs-"
#: The cache of finished ideal images and adversarial examples (transfer.synthesis.ResultCache): identical requests (a
#: class doing the lesson's defaults) get a kept result at once, also after a restart of the app (the lesson's defaults
#: are then there before the first student asks); the least recently used go first beyond these caps.
#: TRANSFER_RESULTS_DIR, else the user's cache folder.
RESULTS_FOLDER = Path(os.environ.get("TRANSFER_RESULTS_DIR")
                      or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "transfer-lab" / "results")
#: Earlier versions' per-process result caches in the temporary folder (PREFIX<pid>-<random>), swept like the outputs.
RESULTS_PREFIX = "transfer-lab-results-"
RESULTS_MEMORY_BYTES = 64 * 2**20  # about 60 ideal images (image and importance map: about 1 MB each)
RESULTS_DISK_BYTES = 256 * 2**20  # about 250 of them on disk (counted in SERVER_MAX_BYTES)
#: A file in a session's folder while a training runs on it (maybe in a ZeroGPU worker process): never swept then.
BUSY_FILE = "training"

SERVER_FULL = ("The server has no room for new data right now (other visitors' files fill its disk): try again in a "
               "while, use a smaller dataset, or use Oxford-IIIT Pet, which needs no room.")
ADDRESS_FULL = ("Your sessions on this server already use {used} MB, the limit for one address is {limit} MB: close "
                "other tabs of this app (their files are deleted an hour after their last use), or use a smaller "
                "dataset.")
SESSION_FULL = ("This session's data and models already use {used} MB, the limit is {limit} MB: reload the page to "
                "start a new session, or use a smaller dataset.")


def new_folder() -> Path:
    """Where a new session's files go (not created yet: only when a dataset loads)."""
    return SESSIONS_ROOT / f"{os.getpid()}-{secrets.token_hex(8)}"


def new_outputs_folder() -> Path:
    """This process's new folder for files to download, named so that sweep_stale knows its owner."""
    return Path(tempfile.mkdtemp(prefix=f"{OUTPUTS_PREFIX}{os.getpid()}-"))


_sessions: dict[Path, object] = {}  # this process's sessions that have files
_lock = threading.Lock()


def cleanup(session) -> None:
    """Delete a finished session's data and models (gr.State's delete_callback)."""
    if session is not None:
        with _lock:
            _sessions.pop(session.folder, None)
        shutil.rmtree(session.folder, ignore_errors=True)


def is_busy(folder: Path) -> bool:
    """Whether a training runs on the session with this folder, in this process or a ZeroGPU worker."""
    return (folder / BUSY_FILE).exists()


@contextmanager
def busy(folder: Path) -> Iterator[None]:
    """Mark the session with this folder busy while the block runs: a file, so the app's process sees it even when
    the block runs in a ZeroGPU worker on a pickled copy of the session."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BUSY_FILE).touch()
    try:
        yield
    finally:
        (folder / BUSY_FILE).unlink(missing_ok=True)  # also marks the folder used now (its time of change)


def claim(session, address: str | None = None) -> None:
    """Record that `session` (of client `address`, when known) was just used and stored files; then delete the other
    sessions that have expired and are not training."""
    with _lock:
        session.last_used = time.time()
        if address is not None:
            session.address = address
        _sessions[session.folder] = session
        _sweep_expired(keep=session)


def room(session, address: str) -> tuple[int, Message]:
    """Bytes a new dataset of `session` may take on disk (its current data is replaced), and the message for a
    dataset that needs more: the tightest of the session's, the address's and the server's room."""
    with _lock:
        _sweep_expired(keep=session)
        replaced = folder_bytes(session.folder / "data")
        own = folder_bytes(session.folder) - replaced
        by_address = own + sum(folder_bytes(other.folder) for other in _sessions.values()
                               if other is not session and getattr(other, "address", None) == address)
        server = disk_in_use() - replaced
    mb = 2**20
    return min((SESSION_MAX_BYTES - own, Message(SESSION_FULL, used=round(own / mb), limit=SESSION_MAX_BYTES // mb)),
               (ADDRESS_MAX_BYTES - by_address,
                Message(ADDRESS_FULL, used=round(by_address / mb), limit=ADDRESS_MAX_BYTES // mb)),
               (SERVER_MAX_BYTES - server, Message(SERVER_FULL)), key=lambda room_and_message: room_and_message[0])


def disk_in_use() -> int:
    """Bytes of the app's files on disk: every session folder, Gradio's upload cache, the download outputs and the
    finished images' caches."""
    temporary = Path(tempfile.gettempdir())
    outputs = [*temporary.glob(f"{OUTPUTS_PREFIX}*"), *temporary.glob(f"{RESULTS_PREFIX}*")]
    return sum(folder_bytes(folder) for folder in (SESSIONS_ROOT, Path(get_upload_folder()), RESULTS_FOLDER, *outputs))


def _sweep_expired(keep) -> None:
    """Delete the sessions (other than `keep`) unused for longer than SESSION_LIFETIME and not training. A session's
    last use is its own record or its folder's last change, whichever is later: a training in a ZeroGPU worker
    updates only the worker's copy of the session, but the folder is the same."""
    now = time.time()
    for other in list(_sessions.values()):
        if other is not keep and now - max(other.last_used, _changed(other.folder)) > SESSION_LIFETIME \
                and not is_busy(other.folder):
            del _sessions[other.folder]
            shutil.rmtree(other.folder, ignore_errors=True)
            other.forget()


def sweep_stale() -> list[Path]:
    """At start-up: delete session, download and result-cache folders left by processes that no longer run, and by any
    process (earlier versions' folders included) unused for longer than SESSION_LIFETIME. Returns what was deleted."""
    now = time.time()
    temporary = Path(tempfile.gettempdir())
    owned = [(folder, folder.name.split("-")[0]) for folder in SESSIONS_ROOT.glob("*-*")]
    owned += [(folder, folder.name.removeprefix(prefix).split("-")[0])
              for prefix in (OUTPUTS_PREFIX, RESULTS_PREFIX) for folder in temporary.glob(f"{prefix}*")]
    owned += [(folder, "") for folder in temporary.glob(LEGACY_PATTERN)]
    stale = []
    for folder, owner in owned:
        try:
            old = now - folder.stat().st_mtime > SESSION_LIFETIME
        except OSError:
            continue
        mine = owner == str(os.getpid())
        if not mine and (old or (owner.isdigit() and not _running(int(owner)))):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder)
    return stale


def _running(pid: int) -> bool:
    """Whether a process with this id exists (on systems without POSIX signals: assume it does)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _changed(folder: Path) -> float:
    """When a file was last added to or removed from the folder itself (0 when it does not exist)."""
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0
