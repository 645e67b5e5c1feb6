"""The hardware the app is served from and the limits that follow: one place for Gradio's queue settings.

Two profiles (README: Deploy). CPU: a laptop, a server or a CPU Space; a machine with its own GPU uses it too.
ZeroGPU: a Hugging Face Space on ZeroGPU hardware (recognised by the SPACES_ZERO_GPU variable the Space sets), where
a GPU is attached to a process only while a function decorated with `spaces.GPU` runs. Outside ZeroGPU,
`spaces.GPU(...)` returns the function itself and importing `spaces` changes nothing (spaces/zero/decorator.py).

On ZeroGPU, `spaces` also makes CUDA look present in the main process: transfer.models.load_model places models on
a stand-in "cuda" device there, and the real weights reach the GPU when a decorated function starts. So every
handler that runs a network is decorated with on_gpu(), and nothing else computes with a network. A decorated
handler runs in another process: its arguments and results are pickled, so what it changes in the session must be
returned (training returns the session) and hold CPU tensors only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import spaces  # before anything initialises CUDA, as ZeroGPU requires
from spaces.config import Config as SpacesConfig

@dataclass(frozen=True)
class Limits:
    """Queue and concurrency limits of one kind of hardware."""

    name: str
    runs_on: str  # for the page's intro: where the networks run
    queue_size: int  # waiting jobs of all users together; more get "queue full" at once
    quick_jobs: int  # classify/explain requests at once (Gradio's default concurrency limit)
    training_jobs: int  # fine-tuning runs at once
    synthesis_jobs: int  # ideal-image optimisations at once (their own lane: minutes each)
    #: ideal-image requests served at once: identical ones share one run, the others wait in the result cache's line
    #: (ui.synthesis.RESULTS) for one of the synthesis_jobs turns, so a class asking for the same image gets it together
    synthesis_requests: int
    adversarial_jobs: int  # adversarial examples at once (their own lane: seconds each, never behind an ideal image)
    training_seconds: int  # a training run is then stopped like the Stop button: the best epoch so far is kept
    synthesis_seconds: int  # an ideal-image or adversarial job then stops after its step and shows the image so far
    data_seconds: int = 60  # loading and checking a dataset then stops with a message (pets-mini: under 1 s)
    gpu_seconds: dict[str, int] = field(default_factory=dict)  # ZeroGPU: most GPU time one job of a kind may take


CPU = Limits("CPU", "this computer's CPU", queue_size=64, quick_jobs=2, training_jobs=1, synthesis_jobs=1,
             synthesis_requests=8, adversarial_jobs=1, training_seconds=900, synthesis_seconds=180)
#: GPU work runs in ZeroGPU's worker processes, so more jobs may wait on their GPUs at once. A shorter duration gets
#: a request earlier in ZeroGPU's queue and is checked against the visitor's daily GPU quota, so each kind asks for
#: what its longest job needs, and training stops in time to be evaluated and saved within its GPU time. An ideal
#: image runs in a worker of its own there, which shares no result cache: as many requests as optimisations at once.
ZERO_GPU = Limits("ZeroGPU", "a GPU that Hugging Face's ZeroGPU lends to each request", queue_size=64,
                  quick_jobs=4, training_jobs=2, synthesis_jobs=2, synthesis_requests=2, adversarial_jobs=2,
                  training_seconds=90, synthesis_seconds=50,
                  gpu_seconds={"quick": 20, "synthesis": 60, "training": 120})

LIMITS = ZERO_GPU if SpacesConfig.zero_gpu else CPU


def on_gpu(job: str) -> Callable[[Callable], Callable]:
    """Decorator for a handler that runs a network: on ZeroGPU a GPU is attached for at most the job's seconds;
    elsewhere the handler is returned unchanged."""
    return spaces.GPU(duration=ZERO_GPU.gpu_seconds[job])


@dataclass(frozen=True)
class StopFlag:
    """threading.Event's set / clear / is_set as a file, so that a Stop pressed in the app's process reaches a
    training that ZeroGPU runs in its worker process (and a session holding it can be pickled there and back)."""

    path: Path

    def set(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a session on a built-in dataset may have no folder yet
        self.path.touch()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def is_set(self) -> bool:
        return self.path.exists()
