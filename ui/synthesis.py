"""What the Ideal image and Adversarial tabs share: gradient descent on the image instead of on the network."""

from __future__ import annotations

import gradio as gr

import transfer
from transfer.synthesis import ResultCache
from ui import sessions
from ui.common import follow_model, model_choices, session_model
from ui.hardware import LIMITS

#: The ideal image's lane (concurrency group; ui.hardware: one job at a time on CPU), so long optimisations never
#: starve quick Classify requests. Adversarial examples (seconds) have a lane of their own, so that they never wait
#: behind an ideal image (minutes).
CONCURRENCY_ID = "synthesis"
ADVERSARIAL_ID = "adversarial"
#: Both tabs' finished images: identical requests (a class on the lesson's defaults) are computed once.
RESULTS = ResultCache(sessions.RESULTS_FOLDER, memory_bytes=sessions.RESULTS_MEMORY_BYTES,
                      disk_bytes=sessions.RESULTS_DISK_BYTES)
#: A job running longer stops after its current step and shows the image so far (like training's time limit).
MAX_SYNTHESIS_SECONDS = LIMITS.synthesis_seconds
UNTARGETED = "(untargeted) anything but the photo's class"


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
