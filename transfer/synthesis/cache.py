"""Deterministic image optimisations computed once: a class asking for the same ideal image (or the same adversarial
example) shares one run.

A `ResultCache` keys each request by every input that determines its result (the network's identity included: a
fine-tuned model by its folder and files' times, so two sessions never share). A finished result is kept in memory
(least recently used first out, `memory_bytes` at most) and on disk in `folder` (`disk_bytes` at most); a request
identical to one still running joins it: all its followers receive its progress (the latest step, with the latest
preview) and its result, or its error. A run nobody follows any more stops after its current step. At most
`runs_at_once` ideal images are optimised at once: the others wait in line, first come first, and their followers
learn their place (progress.Waiting); adversarial examples (seconds) never wait. Only results that
ran to their end are kept: a run stopped by its time limit is not the deterministic answer. Kept on disk, results
outlive the process (an app restarted before a lesson has them at once); they are read only by the code that made
them (ENGINE).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import timm
import torch
from PIL import Image

from ..checks import folder_bytes
from ..models.catalog import DEFAULT_MODEL
from ..predict import Prediction, resolve
from ..progress import OptimisationStep, Waiting
from . import adversarial as adversarial_module
from . import ideal as ideal_module
from .adversarial import AdversarialExample, iter_adversarial
from .ideal import (CLASSIFYING, IdealImage, PhotoScores, checked_photos_request, iter_ideal_image, photo_scores,
                    photos_like)
from .targets import Target, resolve_target

__all__ = ["ResultCache"]

#: Types a cached result may hold in its JSON part (besides JSON's own); only these are rebuilt when loading.
JSON_TYPES = {cls.__name__: cls for cls in (Prediction, Target)}
RESULT_TYPES = {cls.__name__: cls for cls in (IdealImage, AdversarialExample, PhotoScores)}
META = "meta.json"
STAGING = ".new-"  # a result being written, renamed to its key's folder when complete


def _engine() -> str:
    """A digest of what a result depends on besides its key: this package's files and torch's and timm's versions."""
    digest = hashlib.sha256(f"torch {torch.__version__} timm {timm.__version__}".encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


#: Results on disk made by other code (an earlier version of the app) are never read; they leave first when room is
#: needed, as the least recently used.
ENGINE = _engine()


class _Run:
    """One optimisation that several requests follow: its latest step and preview, then its result or error."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.number = 0  # counts updates, so that a follower knows what it has seen
        self.step: OptimisationStep | None = None
        self.preview: Image.Image | None = None
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.followers = 0


class ResultCache:
    """Finished results by key, in memory and on disk, and the runs still going, shared by identical requests."""

    def __init__(self, folder: Path | None = None, memory_bytes: int = 64 * 2**20, disk_bytes: int = 256 * 2**20,
                 runs_at_once: int | None = None, after_run: Callable[[], None] | None = None):
        self.folder = folder  # None: memory only
        self.memory_bytes, self.disk_bytes = memory_bytes, disk_bytes
        self.memory: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()  # key -> (result, bytes), oldest use first
        self.running: dict[tuple, _Run] = {}
        self.runs_started = 0  # optimisations this cache has started (the others were joined or found)
        self.lock = threading.Lock()
        self.runs_at_once = runs_at_once  # ideal images optimised at once (None: no limit)
        self.turns = threading.Condition(self.lock)  # a turn taken or given back
        self.line: list[_Run] = []  # ideal images waiting for their turn, first come first
        self.optimising = 0  # ideal images taking their turn now
        self.durations: deque[float] = deque(maxlen=8)  # seconds of the latest ideal images, for the wait's estimate
        self.after_run = after_run  # called once a run ended, before its result is handed out (to free memory)

    # --- The library's optimisations, cached -------------------------------------------------------------------

    def iter_ideal_image(self, target: int | str, model: str = DEFAULT_MODEL, *, steps: float | None = None,
                         tv_weight: float | None = None, lr: float | None = None, size: float | None = None,
                         seed: float = ideal_module.SEED.default, mode: str = ideal_module.DEFAULT_MODE,
                         max_seconds: float | None = None) -> Iterator[OptimisationStep | IdealImage]:
        """transfer.iter_ideal_image, computed once for identical inputs."""
        def run() -> Iterator:
            return iter_ideal_image(target, model, steps=steps, tv_weight=tv_weight, lr=lr, size=size, seed=seed,
                                    mode=mode, max_seconds=max_seconds)
        defaults = ideal_module.MODES.get(mode)
        if defaults is None or not isinstance(model, str):
            return run()  # the library explains a wrong mode; a Classifier object has no identity to key by
        classifier = resolve(model)
        steps = defaults.steps if steps is None else steps
        try:
            key = ("ideal", _model_identity(model), resolve_target(classifier.labels, target).index, mode,
                   *_numbers(steps, defaults.tv_weight if tv_weight is None else tv_weight,
                             defaults.lr if lr is None else lr, size, seed))
        except (TypeError, ValueError):
            return run()  # not numbers: the library's checks explain
        return self.follow(key, run, IdealImage, lambda result: result.steps >= float(steps), in_line=True)

    def iter_adversarial(self, image: Any, target: int | str | None, model: str = DEFAULT_MODEL, *,
                         steps: float = adversarial_module.STEPS.default,
                         tv_weight: float = adversarial_module.TV_WEIGHT.default,
                         eps: float = adversarial_module.EPS.default, lr: float | None = adversarial_module.LR.default,
                         confidence: float = adversarial_module.CONFIDENCE.default,
                         max_seconds: float | None = None) -> Iterator[OptimisationStep | AdversarialExample]:
        """transfer.iter_adversarial, computed once for identical inputs (a photo given as a file: by its bytes)."""
        def run() -> Iterator:
            return iter_adversarial(image, target, model, steps=steps, tv_weight=tv_weight, eps=eps, lr=lr,
                                    confidence=confidence, max_seconds=max_seconds)
        if not isinstance(model, str) or not isinstance(image, (str, Path)) or not Path(image).is_file():
            return run()
        classifier = resolve(model)
        goal = None if target is None else resolve_target(classifier.labels, target).index
        try:
            lr = adversarial_module.default_lr(float(eps)) if lr is None else lr
            key = ("adversarial", _model_identity(model), _file_digest(Path(image)), goal,
                   *_numbers(steps, tv_weight, eps, lr, confidence))
        except (TypeError, ValueError):
            return run()  # not numbers: the library's checks explain
        return self.follow(key, run, AdversarialExample,
                           lambda result: max_seconds is None or result.seconds < max_seconds)

    def photos_like(self, target: int | str, photos: Sequence[str], model: str = DEFAULT_MODEL,
                    count: int = 4) -> list[tuple[str, float]]:
        """transfer.photos_like, the photos' classes kept like a result (by network and photo files): an app
        restarted before a lesson need not classify them again while the students arrive."""
        if not isinstance(model, str):
            return photos_like(target, photos, model, count)
        classifier, goal, count = checked_photos_request(target, model, count)
        key = ("photos", _model_identity(model), *map(_file_identity, photos))
        with CLASSIFYING:
            with self.lock:
                scores = self._get(key, PhotoScores)
            if scores is None:
                scores = photo_scores(classifier, photos)
                with self.lock:
                    self._put(key, scores)
        return scores.most_like(goal.index, count)

    # --- Sharing -------------------------------------------------------------------------------------------------

    def follow(self, key: tuple, run: Callable[[], Iterator], result_type: type, complete: Callable[[Any], bool],
               in_line: bool = False) -> Iterator:
        """The items of `run()`: its result at once when kept, else the progress and result of the one run with this
        key (started now when none is going; `in_line`: once its turn comes). `complete(result)` says whether the
        result may be kept."""
        with self.lock:
            found = self._get(key, result_type)
            shared = None if found is not None else self.running.get(key)
            if shared is not None:
                with shared.changed:
                    shared.followers += 1
            elif found is None:
                shared = self.running[key] = _Run()
                shared.followers = 1
                self.runs_started += 1
                threading.Thread(target=self._work, args=(key, shared, run, result_type, complete, in_line),
                                 daemon=True, name="shared-optimisation").start()
        if found is not None:
            return iter([found])
        return self._updates(shared)

    def _work(self, key: tuple, shared: _Run, run: Callable[[], Iterator], result_type: type,
              complete: Callable[[Any], bool], in_line: bool) -> None:
        """Run the optimisation in its own thread (`in_line`: once its turn comes), publishing each item to the
        followers."""
        waits = in_line and self.runs_at_once is not None
        if waits and not self._take_turn(key, shared):
            return
        began = time.perf_counter()
        try:
            self._optimise(key, shared, run, result_type, complete)
        finally:
            if waits:
                with self.turns:
                    self.optimising -= 1
                    self.durations.append(time.perf_counter() - began)
                    self.turns.notify_all()

    def _take_turn(self, key: tuple, shared: _Run) -> bool:
        """Wait in line until this run may start, telling its followers their place; False (and the run forgotten)
        when they all left first."""
        told = None
        with self.turns:
            self.line.append(shared)
            while True:
                place = self.line.index(shared)
                if place == 0 and self.optimising < self.runs_at_once:
                    self.line.pop(0)
                    self.optimising += 1
                    return True
                if shared.followers == 0:  # counted under this lock: nobody can join it any more
                    self.line.remove(shared)
                    del self.running[key]
                    self.turns.notify_all()
                    return False
                if place != told:
                    told = place
                    runs_before = place + self.optimising
                    seconds = (runs_before * sum(self.durations) / len(self.durations) / self.runs_at_once
                               if self.durations else None)
                    self._publish(shared, Waiting(place + 1, seconds))
                self.turns.wait(timeout=1)  # also to notice followers leaving

    @staticmethod
    def _publish(shared: _Run, item: Any) -> None:
        """Hand `item` (a step or a place in line) to the run's followers; a step's preview stays until the next."""
        with shared.changed:
            shared.step = item
            shared.preview = getattr(item, "preview", None) or shared.preview
            shared.number += 1
            shared.changed.notify_all()

    def _optimise(self, key: tuple, shared: _Run, run: Callable[[], Iterator], result_type: type,
                  complete: Callable[[Any], bool]) -> None:
        result, error = None, None
        try:
            items = run()
            try:
                for item in items:
                    if isinstance(item, result_type):
                        result = item
                        break
                    with self.lock, shared.changed:  # in follow()'s order, which counts a new follower under both
                        if shared.followers == 0:  # everybody left: stop after this step, and let nobody join it
                            self.running.pop(key, None)
                            break
                        self._publish(shared, item)
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
        except BaseException as failure:  # handed to every follower, who raises it
            error = failure
        if self.after_run is not None:
            self.after_run()
        with self.lock:
            if self.running.get(key) is shared:  # not when it stopped for want of followers (a new run may have the key)
                del self.running[key]
            if result is not None and complete(result):
                self._put(key, result)
        with shared.changed:
            shared.result, shared.error, shared.done = result, error, True
            shared.number += 1
            shared.changed.notify_all()

    def _updates(self, shared: _Run) -> Iterator:
        """A follower's view of a shared run: each newest step (with the newest preview it has not yet had), then
        the result or the run's error."""
        seen, shown_preview = 0, None
        try:
            while True:
                with shared.changed:
                    fresh = shared.changed.wait_for(lambda: shared.number > seen, timeout=1)
                    seen, step, preview = shared.number, shared.step, shared.preview
                    done, result, error = shared.done, shared.result, shared.error
                if not fresh:  # a place in line is said again each second: a follower that left (its generator
                    if isinstance(step, Waiting):  # closed by a cancel, which waits for this to return) is noticed
                        yield step
                    continue
                if done:
                    if error is not None:
                        raise error
                    if result is None:
                        raise RuntimeError("The shared optimisation ended without a result.")
                    yield result
                    return
                if step is None:
                    continue
                if not isinstance(step, OptimisationStep):
                    pass  # Waiting: no image yet
                elif preview is not None and preview is not shown_preview:
                    shown_preview = preview
                    step = dataclasses.replace(step, preview=preview)
                elif step.preview is not None:
                    step = dataclasses.replace(step, preview=None)
                yield step
        finally:
            with shared.changed:
                shared.followers -= 1

    # --- Storage -------------------------------------------------------------------------------------------------

    def _get(self, key: tuple, result_type: type) -> Any:
        """The kept result for `key` (memory first, then disk), marked as just used; None when not kept."""
        if key in self.memory:
            self.memory.move_to_end(key)
            return self.memory[key][0]
        entry = self._entry(key)
        if entry is None or not (entry / META).is_file():
            return None
        try:
            result = _load(entry, key)
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(entry, ignore_errors=True)
            return None
        if not isinstance(result, result_type):
            return None
        os.utime(entry / META)  # the disk's least recently used go first
        self._remember(key, result)
        return result

    def _put(self, key: tuple, result: Any) -> None:
        self._remember(key, result)
        entry = self._entry(key)
        if entry is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=STAGING))
        except OSError:  # a folder it may not write to: kept in memory only
            return
        try:
            _save(staging, key, result)
            size = folder_bytes(staging)
            if size > self.disk_bytes:
                return
            self._make_room(size)
            shutil.rmtree(entry, ignore_errors=True)
            staging.rename(entry)
        except OSError:  # a full disk: kept in memory only (the followers still get it)
            pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _remember(self, key: tuple, result: Any) -> None:
        """Keep `result` in memory, forgetting the least recently used beyond memory_bytes."""
        size = _memory_size(result)
        if size > self.memory_bytes:
            return
        self.memory[key] = (result, size)
        self.memory.move_to_end(key)
        while sum(kept for _, kept in self.memory.values()) > self.memory_bytes:
            self.memory.popitem(last=False)

    def _make_room(self, size: int) -> None:
        """Delete the disk's least recently used entries until `size` more bytes fit in disk_bytes."""
        entries = sorted((path for path in self.folder.iterdir()
                          if (path / META).is_file() and not path.name.startswith(STAGING)),
                         key=lambda path: (path / META).stat().st_mtime)
        used = sum(folder_bytes(entry) for entry in entries)
        while entries and used + size > self.disk_bytes:
            oldest = entries.pop(0)
            used -= folder_bytes(oldest)
            shutil.rmtree(oldest, ignore_errors=True)

    def _entry(self, key: tuple) -> Path | None:
        """The folder for `key`'s result on disk (None when memory only or the model is a session's own)."""
        if self.folder is None or not isinstance(key[1], str):
            return None
        return self.folder / hashlib.sha256(_stored(key).encode()).hexdigest()[:32]

    def disk_usage(self) -> int:
        """Bytes the cache's folder holds."""
        return folder_bytes(self.folder) if self.folder is not None else 0


def _stored(key: tuple) -> str:
    """`key` as written on disk: with the code that made the result (ENGINE)."""
    return repr((ENGINE, key))


def _numbers(*values: float | None) -> tuple[float | None, ...]:
    """Settings as floats, so that 150 and 150.0 (as sliders send them) are one key."""
    return tuple(None if value is None else float(value) for value in values)


def _model_identity(model: str) -> str | tuple[str, int]:
    """A catalog or timm name as it is; a model folder (a fine-tuned run) as its path and its files' latest change."""
    path = Path(model)
    if not path.is_dir():
        return model
    return str(path.resolve()), max((item.stat().st_mtime_ns for item in path.iterdir()), default=0)


def _file_identity(path: str) -> tuple[str, int, int] | str:
    """A photo by its path, size and latest change (its path alone when it cannot be read: left out anyway)."""
    try:
        found = os.stat(path)
    except OSError:
        return str(path)
    return str(path), found.st_size, found.st_mtime_ns


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _memory_size(result: Any) -> int:
    """About how many bytes a result holds: its images, arrays and byte strings."""
    size = 0
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, Image.Image):
            size += value.width * value.height * len(value.getbands())
        elif isinstance(value, np.ndarray):
            size += value.nbytes
        elif isinstance(value, bytes):
            size += len(value)
    return size + 4096  # the rest: numbers, labels, predictions


def _save(folder: Path, key: tuple, result: Any) -> None:
    """Write a result dataclass: images as PNG, arrays as .npy, bytes as they are, the rest as JSON."""
    fields = {}
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, Image.Image):
            value.save(folder / f"{field.name}.png")
            fields[field.name] = {"file": f"{field.name}.png"}
        elif isinstance(value, np.ndarray):
            np.save(folder / f"{field.name}.npy", value, allow_pickle=False)
            fields[field.name] = {"file": f"{field.name}.npy"}
        elif isinstance(value, bytes):
            (folder / f"{field.name}.bin").write_bytes(value)
            fields[field.name] = {"file": f"{field.name}.bin"}
        else:
            fields[field.name] = {"value": _to_json(value)}
    meta = {"key": _stored(key), "type": type(result).__name__, "fields": fields}
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")


def _load(folder: Path, key: tuple) -> Any:
    """Read what _save wrote (None when it belongs to another key); only the known types are rebuilt."""
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    if meta["key"] != _stored(key):
        return None
    values = {}
    for name, stored in meta["fields"].items():
        if "value" in stored:
            values[name] = _from_json(stored["value"])
            continue
        path = folder / Path(stored["file"]).name
        if path.suffix == ".png":
            with Image.open(path) as image:
                values[name] = image.copy()
        elif path.suffix == ".npy":
            values[name] = np.load(path, allow_pickle=False)
        else:
            values[name] = path.read_bytes()
    return RESULT_TYPES[meta["type"]](**values)


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and type(value).__name__ in JSON_TYPES:
        return {"__type__": type(value).__name__, **dataclasses.asdict(value)}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    if isinstance(value, dict):
        if "__float__" in value:
            return float(value["__float__"])
        kind = value.pop("__type__")
        return JSON_TYPES[kind](**value)
    return value

