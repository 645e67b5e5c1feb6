"""What the Ideal image and Adversarial tabs share: gradient descent on the image instead of on the network."""

from __future__ import annotations

import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import gradio as gr
from PIL import Image

import transfer
from transfer.synthesis import ResultCache
from ui import sessions
from ui.common import follow_model, model_choices, release_memory, save_output, session_model
from ui.hardware import LIMITS

#: The ideal image's lane (concurrency group; ui.hardware: LIMITS.synthesis_requests at once, of which RESULTS lets
#: LIMITS.synthesis_jobs optimise), so long optimisations never starve quick Classify requests. Adversarial examples
#: (seconds) have a lane of their own, so that they never wait behind an ideal image (minutes).
CONCURRENCY_ID = "synthesis"
ADVERSARIAL_ID = "adversarial"
#: Both tabs' finished images: identical requests (a class on the lesson's defaults) are computed once, and at most
#: LIMITS.synthesis_jobs ideal images at a time (the image lane serves more requests, which join or wait in line).
#: Memory a run freed (optimiser state; activations of a photo of up to 1024 px) goes back to the system once per
#: run, not once per visitor who shared it (a full collection holds every thread for about 0.3 s).
RESULTS = ResultCache(sessions.RESULTS_FOLDER, memory_bytes=sessions.RESULTS_MEMORY_BYTES,
                      disk_bytes=sessions.RESULTS_DISK_BYTES, runs_at_once=LIMITS.synthesis_jobs,
                      after_run=release_memory)
#: A job running longer stops after its current step and shows the image so far (like training's time limit).
MAX_SYNTHESIS_SECONDS = LIMITS.synthesis_seconds
UNTARGETED = "(untargeted) anything but the photo's class"
SHARED_ITEMS = 32  # previews and results whose panels once_per keeps ...
SHARED_SECONDS = 600  # ... this long: their files for download are deleted after ui.common.OUTPUT_MAX_AGE

Made = TypeVar("Made")


class _Shared:
    """What once_per made (or is making) for one item."""

    def __init__(self, item: object) -> None:
        self.item, self.when = item, time.monotonic()
        self.lock = threading.Lock()  # held while it is made: the item's other visitors wait for it
        self.made, self.value = False, None


_shared: OrderedDict[int, _Shared] = OrderedDict()  # id(item) -> its _Shared, oldest first
_shared_lock = threading.Lock()


def once_per(item: object, make: Callable[[], Made]) -> Made:
    """make(), once per `item` however many visitors show it: the followers of a shared run (RESULTS) get the same
    preview and result objects at the same moment, so a class of 30 costs one PNG per preview instead of 30."""
    with _shared_lock:
        shared = _shared.get(id(item))
        if shared is None or shared.item is not item or time.monotonic() - shared.when >= SHARED_SECONDS:
            shared = _shared[id(item)] = _Shared(item)  # not another object that reused its id, and recent
        _shared.move_to_end(id(item))
        while len(_shared) > SHARED_ITEMS:
            _shared.popitem(last=False)
    with shared.lock:
        if not shared.made:  # (a make() that failed is tried again by the next visitor)
            shared.value, shared.made = make(), True
    return shared.value


def png_file(image: Image.Image, stem: str) -> str:
    """`image` as a PNG file for download (ui.common.save_output); Gradio serves a file without encoding it again."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return save_output(buffer.getvalue(), stem)


def target_choices(model: str, current: str | None, session=None, untargeted: bool = False):
    """The target dropdown for the chosen model's classes, keeping the current choice when it still exists (kept as it
    is, with a warning, when the model cannot load)."""
    def target_menu() -> gr.Dropdown:
        labels = transfer.load_model(session_model(model, session)).labels
        choices = ([UNTARGETED] if untargeted else []) + labels
        return gr.Dropdown(choices=choices, value=current if current in choices else choices[0])
    return follow_model(target_menu)


def model_dropdown(elem_id: str) -> gr.Dropdown:
    return gr.Dropdown(model_choices(), value=transfer.DEFAULT_MODEL, label="Network", allow_custom_value=True,
                       elem_id=elem_id,
                       info="A catalog or timm model name, or the model you fine-tuned in this session.")
