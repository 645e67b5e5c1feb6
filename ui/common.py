"""Helpers shared by the tab builders."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import gradio.media

from transfer import TransferError, list_models

PETS_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pets-mini"


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


def upload_path(value: dict | str | None) -> str | None:
    """Path of an uploaded image from an event with preprocess=False.

    Such events hand over Gradio's FileData dict unopened, so the library's safe loader (pixel limit, EXIF,
    clear errors) is the first to decode the file, rather than Gradio's own PIL call with its generic error.
    """
    return value.get("path") if isinstance(value, dict) else value


def model_choices(extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs for a model dropdown: offline catalog models, Hub models, then `extra`."""
    choices = [(f"{e.title}" + ("" if e.offline else " - needs internet"), e.name) for e in list_models()]
    return choices + (extra or [])


def example_photos() -> list[str]:
    """Real photos that ship with Gradio, so the examples work offline."""
    return [gradio.media.get_image(name) for name in ("lion.jpg", "cheetah.jpg", "tower.jpg", "bus.png")]
