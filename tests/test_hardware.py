"""Hardware profiles: with the `spaces` package installed outside a Space nothing changes; on (emulated) ZeroGPU the
handlers that run networks are ZeroGPU functions and the app still builds."""

from __future__ import annotations

import os
import subprocess
import sys

from multiprocessing.reduction import ForkingPickler

import gradio.media
import pytest
import torch

import transfer
from conftest import ROOT
from transfer.train import TrainConfig, run
from ui import adversarial, classify, finetune, hardware, ideal
from ui.common import Session, label_scores
from ui.sessions import cleanup

#: The handlers that run a network: ZeroGPU functions on ZeroGPU, the plain functions everywhere else.
GPU_HANDLERS = ["classify.classify", "classify.analysis", "classify.feature_maps", "ideal.run_ideal",
                "adversarial.run_adversarial", "finetune.train"]


def test_spaces_changes_nothing_outside_a_space():
    assert hardware.LIMITS is hardware.CPU
    assert torch.cuda.is_available.__module__ == "torch.cuda"  # ZeroGPU would replace it with its own
    assert torch.device.__module__ == "torch"

    def handler(x):
        return x

    def streaming(x):
        yield x

    for job in hardware.ZERO_GPU.gpu_seconds:
        assert hardware.on_gpu(job)(handler) is handler
        assert hardware.on_gpu(job)(streaming) is streaming
    modules = {"classify": classify, "finetune": finetune, "ideal": ideal, "adversarial": adversarial}
    for name in GPU_HANDLERS:
        module, function = name.split(".")
        assert not hasattr(getattr(modules[module], function), "zerogpu"), name  # spaces marks its wrappers so


def test_decorated_handler_gives_the_library_result():
    photo = gradio.media.get_image("cheetah.jpg")
    assert classify.classify(photo, transfer.DEFAULT_MODEL) == label_scores(transfer.predict(photo))


@pytest.mark.slow
def test_session_survives_a_trip_to_a_worker_process(pets_root):
    """On ZeroGPU a decorated handler gets a pickled copy of the session, and training returns its copy: the session
    pickles with a trained run, and Stop pressed on one copy reaches the other."""
    session = Session(data=transfer.open_dataset(pets_root, "species", per_class=6))
    session.folder.mkdir(parents=True)  # as loading a dataset in the app does
    try:
        session.add_run(run(transfer.finetune(session.data, TrainConfig(epochs=2))), transfer.DEFAULT_FINETUNE_MODEL)
        worker = ForkingPickler.loads(ForkingPickler.dumps(session))  # as multiprocessing sends it
        assert worker.runs[0].model_dir == session.runs[0].model_dir
        assert worker.selected.result.evaluation.accuracy == session.selected.result.evaluation.accuracy
        session.stop.set()
        assert worker.stop.is_set()
        worker.stop.clear()
        assert not session.stop.is_set()
    finally:
        cleanup(session)


def test_zero_gpu_jobs_stop_within_their_gpu_time():
    limits = hardware.ZERO_GPU
    assert limits.training_seconds < limits.gpu_seconds["training"]
    assert limits.synthesis_seconds < limits.gpu_seconds["synthesis"]
    assert max(limits.gpu_seconds.values()) <= 300  # the longest GPU time ZeroGPU grants one call


ZERO_GPU_CHECK = f"""
import torch, app
from ui import adversarial, classify, finetune, hardware, ideal
import transfer
assert hardware.LIMITS is hardware.ZERO_GPU and torch.cuda.is_available()
for name in {GPU_HANDLERS!r}:
    assert hasattr(eval(name), "zerogpu"), name
app.build_app()
print(transfer.load_model().device)
"""


@pytest.mark.slow
def test_app_builds_on_emulated_zero_gpu():
    """What a ZeroGPU Space's main process does before any GPU is attached: `spaces` emulates CUDA, the default model
    is placed on the stand-in device, and the app builds; calling a GPU function needs the real service."""
    env = {**os.environ, "SPACES_ZERO_GPU": "true", "SPACES_ZERO_DEVICE_API_URL": "http://127.0.0.1:9/",
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", ZERO_GPU_CHECK], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "cuda:0"


def test_stop_reaches_a_session_that_has_no_folder_yet():
    """A session on the built-in pets data has no folder: Stop still has to reach its training."""
    session = Session()
    assert not session.folder.exists() and not session.stop.is_set()
    try:
        session.stop.set()
        assert session.stop.is_set()
        session.stop.clear()
        assert not session.stop.is_set()
    finally:
        cleanup(session)


def test_handlers_send_the_zero_gpu_worker_only_what_pickles(wizard, monkeypatch):
    """On ZeroGPU a GPU function's arguments and results are pickled to and from its worker process; the page's
    components cannot be, so the handlers keep them in the app's process and the GPU functions answer by name."""
    import gradio as gr

    def in_worker(*args, **kwargs):
        ForkingPickler.dumps((args, kwargs))  # what spaces does with a GPU function's arguments
        yield ForkingPickler.loads(ForkingPickler.dumps({"status": "done"}))

    monkeypatch.setattr(finetune.training, "train", in_worker)
    trained = finetune.training.start_training(wizard, Session(), transfer.DEFAULT_FINETUNE_MODEL, "head", 1, 0.1, 8,
                                               False, 0, progress=None)
    assert list(trained) == [{wizard.train.status: "done"}]
    monkeypatch.setattr(ideal, "run_ideal", lambda *args: in_worker(*args))
    with gr.Blocks():
        tab = ideal.layout()
    assert list(ideal.create(tab, "zebra", "robust", 1, 0, 0.05, 0, transfer.DEFAULT_MODEL)) == [{tab.status: "done"}]
