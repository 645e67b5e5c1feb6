"""Per-session files (ui.common.Session): a lifetime, a disk cap over all sessions, a sweep at start-up.

A session here is any object with `folder`, `last_used`, `busy` and `forget()` (drop what refers to its files).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

#: Each session's data and models live in one folder here, named after the process that made it.
SESSIONS_ROOT = Path(tempfile.gettempdir()) / "transfer-lab-sessions"
#: Seconds a session's state and files live after its last use (browser tabs and API clients alike).
SESSION_LIFETIME = 3600
#: Disk all sessions of this process may use together; beyond it the least recently used are evicted first.
SESSIONS_MAX_BYTES = 5 * 1024**3
#: Folders of the app's earlier versions (one per session in the temporary folder), swept once this old.
LEGACY_PATTERN = "transfer-finetune-*"


def new_folder() -> Path:
    """Where a new session's files go (not created yet: only when a dataset loads)."""
    return SESSIONS_ROOT / f"{os.getpid()}-{secrets.token_hex(8)}"


_sessions: dict[Path, object] = {}  # this process's sessions that have files
_lock = threading.Lock()


def cleanup(session) -> None:
    """Delete a finished session's data and models (gr.State's delete_callback)."""
    if session is not None:
        with _lock:
            _sessions.pop(session.folder, None)
        shutil.rmtree(session.folder, ignore_errors=True)


def claim(session) -> None:
    """Record that `session` was just used and stored files; then evict other sessions, least recently used first,
    that have expired or while all sessions together use more than SESSIONS_MAX_BYTES."""
    now = time.time()
    with _lock:
        session.last_used = now
        _sessions[session.folder] = session
        sizes = {folder: _bytes(folder) for folder in _sessions}
        total = sum(sizes.values())
        for other in sorted(_sessions.values(), key=lambda s: s.last_used):
            expired = now - other.last_used > SESSION_LIFETIME
            if other is session or other.busy or not (expired or total > SESSIONS_MAX_BYTES):
                continue
            total -= sizes[other.folder]
            del _sessions[other.folder]
            shutil.rmtree(other.folder, ignore_errors=True)
            other.forget()


def sweep_stale() -> list[Path]:
    """At start-up: delete session folders left by processes that no longer run, and by any process (earlier
    versions' folders included) unused for longer than SESSION_LIFETIME. Returns what was deleted."""
    now = time.time()
    candidates = [*SESSIONS_ROOT.glob("*-*"), *Path(tempfile.gettempdir()).glob(LEGACY_PATTERN)]
    stale = []
    for folder in candidates:
        owner = folder.name.split("-")[0]
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


def _bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # deleted meanwhile
                pass
    return total
