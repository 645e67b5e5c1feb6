"""Helpers shared by the tab builders."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import inspect
import ipaddress
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import gradio.media
from gradio.utils import get_upload_folder

from transfer import CATALOG, TransferError, list_models
from transfer.data import DatasetSplits, pets_images
from transfer.models import any_model_allowed, is_model_name
from transfer.train import CurvePoint, FineTuneResult
from ui import i18n, server, sessions
from ui.hardware import StopFlag

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: Files the app writes for download (PNGs) live here and are deleted after OUTPUT_MAX_AGE seconds (the folders of
#: processes that ended, at the next start: ui.sessions.sweep_stale).
OUTPUT_DIR = sessions.new_outputs_folder()
OUTPUT_MAX_AGE = 3600
DOG_BREEDS = ("american_bulldog", "beagle", "pug", "samoyed", "shiba_inu")
LOG = logging.getLogger("transfer-lab")
#: Trained models a session keeps for comparison; the oldest is deleted (with its folder) when one more is trained.
MAX_RUNS = 5


@dataclass
class Run:
    """One training of a session: its result, saved model folder and downloadable zip."""

    number: int
    result: FineTuneResult
    backbone: str  # the pretrained network it started from
    data: DatasetSplits  # the dataset it was trained and tested on
    model_dir: Path
    archive: Path
    curve: list[CurvePoint] = field(default_factory=list)  # test accuracy against photos per class
    milliseconds: float = 0.0  # the time to classify one photo on this computer, measured once

    @property
    def megabytes(self) -> float:
        """The size of the model's weights."""
        return self.result.classifier.megabytes

    @property
    def title(self) -> str:
        """How model lists name it, e.g. 'Run 2: 37 classes, 84% (head)'."""
        return (f"Run {self.number}: {len(self.result.classifier.labels)} classes, "
                f"{self.result.evaluation.accuracy:.0%} ({self.result.config.method})")


@dataclass
class Session:
    """One browser session's fine-tuning state, kept in the app's gr.State and read by every tab; its folder is
    deleted with the session or after SESSION_LIFETIME unused (see ui.sessions)."""

    folder: Path = field(default_factory=sessions.new_folder)  # created only when a dataset loads
    data: DatasetSplits | None = None
    runs: list[Run] = field(default_factory=list)
    selected: Run | None = None  # the run that step 4 shows and step 5 uses
    last_used: float = field(default_factory=time.time)
    address: str = ""  # the client address that loaded its data (ui.clients), for the disk cap per address

    def forget(self) -> None:
        """Drop the data and runs whose files were deleted (the session expired and was swept)."""
        self.data, self.runs, self.selected = None, [], None

    @property
    def busy(self) -> bool:
        """Whether a training runs on it (never swept meanwhile), in this process or a ZeroGPU worker."""
        return sessions.is_busy(self.folder)

    @property
    def stop(self) -> StopFlag:
        """The Stop button's flag for this session's training (a file: it reaches a ZeroGPU worker too)."""
        return StopFlag(self.folder / "stop")

    def add_run(self, result: FineTuneResult, backbone: str, curve: list[CurvePoint] | None = None) -> Run:
        """Save a training of the current data as the next run (selected), dropping the oldest beyond MAX_RUNS."""
        number = self.runs[-1].number + 1 if self.runs else 1
        saved = result.save(self.folder / "runs" / f"transfer-lab-run-{number}", archive=True)
        speed = result.classifier.milliseconds_per_photo()  # where it was trained (ZeroGPU: the GPU)
        result.classifier.network.cpu()  # the run is used through its folder; the session may be pickled (ZeroGPU)
        run = Run(number, result, backbone, self.data, saved.folder, saved.archive, curve or [], speed)
        self.runs.append(run)
        while len(self.runs) > MAX_RUNS:
            old = self.runs.pop(0)
            shutil.rmtree(old.model_dir, ignore_errors=True)
            old.archive.unlink(missing_ok=True)
        self.selected = run
        return run

    def run_of(self, model: str | None) -> Run | None:
        """The run whose model folder is `model`, if it belongs to this session."""
        return next((run for run in self.runs if str(run.model_dir) == model), None)

    def run_number(self, number: int | None) -> Run | None:
        """The run with this number, if the session still keeps it."""
        return next((run for run in self.runs if run.number == number), None)


def user_errors(fn: Callable) -> Callable:
    """Show the library's user-facing errors as a readable gr.Error instead of a generic failure, in the visitor's
    language, the names and paths in them shown as text (Gradio renders a gr.Error's message as HTML).

    Visitors of a shared app see only what they can do; advice for whoever runs the server (error.operator: set a
    variable, connect the machine) goes to the server's log.
    """
    def shown(error: TransferError) -> gr.Error:
        if error.operator:
            LOG.warning("%s (operator: %s)", error, error.operator)
        return i18n.error_for(error)

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except TransferError as error:
                raise shown(error) from None
        return generator_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TransferError as error:
            raise shown(error) from None
    return wrapper


def release_memory() -> None:
    """Hand memory freed by a large job back to the operating system (glibc keeps it otherwise; measured: a
    fine-tuning run on pets-mini left the server 310 MB larger, 210 MB of it returned by this)."""
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass


#: The one answer to a request naming a file this app did not receive, whether or not that file exists.
NOT_RECEIVED = ("This file was not uploaded to this app: upload it again (API: send it with gradio_client's "
                "handle_file, which uploads it first).")


def received_file(value: dict | str | None) -> str | None:
    """The server path of a file this app received, from an event's raw (preprocess=False) file value.

    Events take files undecoded, so the library's safe loader is the first to decode them; but Gradio trusts a
    payload {"path": ...} without its FileData marker as it is (its own Image preprocessing too). So every handler
    that takes a file passes it through here: the path, links resolved, must lie in Gradio's upload folder or be one
    of the app's example files. Anything else gets NOT_RECEIVED, before the file is looked at.
    """
    path = value.get("path") if isinstance(value, dict) else value
    if path is None:
        return None
    try:
        resolved = Path(os.path.realpath(path))
    except (TypeError, ValueError, OSError):
        resolved = None
    if resolved is None or not (resolved.is_relative_to(os.path.realpath(get_upload_folder()))
                                or resolved in example_files()):
        raise gr.Error(NOT_RECEIVED, print_exception=False)
    return str(resolved)


def received_photos(value: list | None) -> list[str]:
    """Server paths of the photos in a gallery's raw (preprocess=False) value, each checked by received_file."""
    if not value:
        return []
    if not isinstance(value, list):
        raise gr.Error("A gallery's value must be a list of uploaded photos.", print_exception=False)
    return [received_file(item["image"] if isinstance(item, dict) and "image" in item else item) for item in value]


def save_output(data: bytes, stem: str, suffix: str = ".png") -> str:
    """Write a file for download into OUTPUT_DIR, first deleting outputs older than OUTPUT_MAX_AGE; returns its path."""
    cutoff = time.time() - OUTPUT_MAX_AGE
    OUTPUT_DIR.mkdir(exist_ok=True)  # in case something outside the app deleted it
    for old in OUTPUT_DIR.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # another request pruned it first
            pass
    with tempfile.NamedTemporaryFile(dir=OUTPUT_DIR, prefix=f"{stem}-", suffix=suffix, delete=False) as handle:
        handle.write(data)
    return handle.name


#: The one answer to a model name this app does not offer, whether or not a file or folder of that name exists.
UNKNOWN_MODEL = ("Unknown model: choose one from the list (a fine-tuned model is usable only in the browser session "
                 "that trained it).")
#: A catalog network whose weights cannot load on this machine, in the model menus and when chosen anyway.
NEEDS_INTERNET = "{model} (needs internet)"
UNAVAILABLE_MODEL = ("{model} needs its weights from the Hugging Face Hub, which this app cannot reach: choose a "
                     "network not marked (needs internet).")
#: The answer to a model outside the catalog on a public deployment (see public_deployment).
CATALOG_ONLY = ("This app offers only the models in its list: choose one of them (a fine-tuned model is usable only in "
                "the browser session that trained it).")
#: Headers a reverse proxy adds: a request carrying one came from elsewhere, even to a server on loopback.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def session_model(model: str | None, session: Session | None) -> str:
    """The model a request may use: a catalog or pretrained timm name, or one of this browser session's fine-tuned
    folders. On a public deployment only the catalog's names, unless TRANSFER_ANY_MODEL=1 (transfer.models).

    Anything else gets one message, UNKNOWN_MODEL or CATALOG_ONLY, whether or not a file or folder of that name
    exists: the model box cannot be used to probe the server's files or borrow another user's model.
    """
    if session is not None and session.run_of(model) is not None:
        return model
    if public_deployment() and not any_model_allowed():
        if not isinstance(model, str) or model not in CATALOG:
            raise gr.Error(CATALOG_ONLY, print_exception=False)
    elif not is_model_name(model):
        raise gr.Error(UNKNOWN_MODEL, print_exception=False)
    entry = CATALOG.get(model)
    if entry is not None and not entry.loads_here:
        raise gr.Error(UNAVAILABLE_MODEL.format(model=entry.title), print_exception=False)
    return model


def follow_model(update: Callable[[], object]) -> object:
    """`update()` for a menu that follows the model menu (layers, classes); when the chosen model cannot be used, its
    reason as one warning and the menu left as it is (an error would replace the menu by a red badge)."""
    try:
        return update()
    except TransferError as error:
        i18n.warn(error)
    except gr.Error as error:
        gr.Warning(error.message)
    return gr.skip()


def public_deployment() -> bool:
    """Whether people other than this machine's user may reach the app: a Hugging Face Space (SPACE_ID), a share
    link, a host other than loopback (or none known), or a request through a proxy, as Gradio runs the current event."""
    if os.environ.get("SPACE_ID"):
        return True
    blocks, request = server.current_blocks(), server.current_request()
    if blocks is None:  # called outside a served event (a test, a script): local use
        return False
    if getattr(blocks, "share", False) or any(header in (getattr(request, "headers", None) or {})
                                              for header in PROXY_HEADERS):
        return True
    host = getattr(blocks, "server_name", None)
    try:
        return not (host == "localhost" or ipaddress.ip_address(host).is_loopback)
    except (TypeError, ValueError):  # a host name other than localhost, or none
        return True


def label_scores(predictions) -> dict[str, float]:
    """Predictions as a gr.Label value."""
    return {p.label: p.score for p in predictions}


def model_choices(session: Session | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for a model dropdown: offline catalog models, Hub models, then the session's runs."""
    choices = [(e.title if e.loads_here else NEEDS_INTERNET.format(model=e.title), e.name) for e in list_models()]
    runs = session.runs if session is not None else []
    return choices + [(f"Fine-tuned {run.title}", str(run.model_dir)) for run in reversed(runs)]


def model_list(session: Session | None) -> gr.Dropdown:
    """A model dropdown update offering the catalog and this session's fine-tuned runs."""
    return gr.Dropdown(choices=model_choices(session))


def example_photos() -> list[str]:
    """Real photos that ship with Gradio, so the examples work offline."""
    return [gradio.media.get_image(name) for name in ("lion.jpg", "cheetah.jpg", "tower.jpg", "bus.png")]


def ideal_examples() -> list[str]:
    """Ideal images this project made with `python -m transfer ideal` (see examples/)."""
    return sorted(str(path) for path in EXAMPLES.glob("ideal_*.png"))


def dog_examples() -> list[str]:
    """A few dog photos of pets-mini when it is present (dog -> cat is the lesson's example), else Gradio's photos."""
    images = pets_images()
    dogs = [path for breed in DOG_BREEDS for path in sorted(images.glob(f"{breed}_*.jpg"))[:1]]
    return [str(path) for path in dogs] or example_photos()


@functools.cache
def example_files() -> frozenset[Path]:
    """Every example file the tabs offer, links resolved: the only files outside Gradio's upload folder a request
    may name."""
    return frozenset(Path(os.path.realpath(path)) for path in example_photos() + ideal_examples() + dog_examples())
