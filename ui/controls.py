"""The app's inputs for the library's settings, built from their specs (transfer.params): the same range, default,
label and info as the library checks and the command line offers."""

from __future__ import annotations

import gradio as gr

from transfer.params import Param


def slider(param: Param, value: float | None = None, **options) -> gr.Slider:
    """A slider over the setting's range, at `value` (default: the spec's)."""
    return gr.Slider(param.low, param.high, value=param.default if value is None else value,
                     step=1 if param.integer else param.step, label=param.title, info=param.help or None, **options)


def number(param: Param, value: float | None = None, **options) -> gr.Number:
    """A number box limited to the setting's range, at `value` (default: the spec's)."""
    return gr.Number(param.default if value is None else value, minimum=param.low, maximum=param.high,
                     precision=0 if param.integer else None, label=param.title, info=param.help or None, **options)
