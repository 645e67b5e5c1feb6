"""Helpers shared by the tab builders."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import inspect
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import gradio.media

from transfer import TransferError, list_models
from transfer.models import is_model_name

PETS_ROOT = Path(os.environ.get("TRANSFER_PETS_ROOT",
                                Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pets-mini"))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: Files the app writes for download (PNGs) live here and are deleted after OUTPUT_MAX_AGE seconds.
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="transfer-lab-outputs-"))
OUTPUT_MAX_AGE = 3600


def user_errors(fn: Callable) -> Callable:
    """Show the library's user-facing errors as a readable gr.Error instead of a generic failure."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except TransferError as error:
                raise gr.Error(str(error), print_exception=False) from None
        return generator_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TransferError as error:
            raise gr.Error(str(error), print_exception=False) from None
    return wrapper


def release_memory() -> None:
    """Hand memory freed by a large job back to the operating system (glibc keeps it otherwise; measured: a
    fine-tuning run on pets-mini left the server 310 MB larger, 210 MB of it returned by this)."""
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass


def upload_path(value: dict | str | None) -> str | None:
    """Path of an uploaded image from an event with preprocess=False.

    Such events hand over Gradio's FileData dict unopened, so the library's safe loader (pixel limit, EXIF,
    clear errors) is the first to decode the file, rather than Gradio's own PIL call with its generic error.
    """
    return value.get("path") if isinstance(value, dict) else value


def save_output(data: bytes, stem: str, suffix: str = ".png") -> str:
    """Write a file for download into OUTPUT_DIR, first deleting outputs older than OUTPUT_MAX_AGE; returns its path."""
    cutoff = time.time() - OUTPUT_MAX_AGE
    for old in OUTPUT_DIR.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # another request pruned it first
            pass
    with tempfile.NamedTemporaryFile(dir=OUTPUT_DIR, prefix=f"{stem}-", suffix=suffix, delete=False) as handle:
        handle.write(data)
    return handle.name


def session_model(model: str | None, session) -> str:
    """The model a request may use: a catalog or timm name, or this browser session's own fine-tuned folder.

    Folder paths from anyone else (another session's model, or any server path sent through the API) are refused,
    so the model box cannot be used to probe the server's files or borrow another user's model.
    """
    own = getattr(session, "model_dir", None)
    if model and own is not None and model == str(own):
        return model
    if not model or not is_model_name(model):
        raise gr.Error("Unknown model: choose one from the list (a fine-tuned model is usable only in the browser "
                       "session that trained it).", print_exception=False)
    return model


def label_scores(predictions) -> dict[str, float]:
    """Predictions as a gr.Label value."""
    return {p.label: p.score for p in predictions}


def model_choices(extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for a model dropdown: offline catalog models, Hub models, then `extra`."""
    choices = [(f"{e.title}" + ("" if e.offline else " - needs internet"), e.name) for e in list_models()]
    return choices + (extra or [])


def example_photos() -> list[str]:
    """Real photos that ship with Gradio, so the examples work offline."""
    return [gradio.media.get_image(name) for name in ("lion.jpg", "cheetah.jpg", "tower.jpg", "bus.png")]


def ideal_examples() -> list[str]:
    """Ideal images this project made with `python -m transfer ideal` (see examples/)."""
    return sorted(str(path) for path in EXAMPLES.glob("ideal_*.png"))
