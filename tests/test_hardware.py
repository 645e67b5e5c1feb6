"""Hardware profiles: with the `spaces` package installed outside a Space nothing changes; on (emulated) ZeroGPU the
handlers that run networks are ZeroGPU functions and the app still builds."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from conftest import ROOT
from ui import hardware


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


def test_zero_gpu_training_stops_within_its_gpu_time():
    limits = hardware.ZERO_GPU
    assert limits.training_seconds < limits.gpu_seconds["training"]
    assert max(limits.gpu_seconds.values()) <= 300  # the longest GPU time ZeroGPU grants one call


ZERO_GPU_CHECK = """
import torch, app
from ui import hardware
import transfer
assert hardware.LIMITS is hardware.ZERO_GPU and torch.cuda.is_available()
def handler(x):
    return x
assert hardware.on_gpu("quick")(handler) is not handler
app.build_app()
print(transfer.load_model().device)
"""


def test_app_builds_on_emulated_zero_gpu():
    """What a ZeroGPU Space's main process does before any GPU is attached: `spaces` emulates CUDA, the default model
    is placed on the stand-in device, and the app builds; calling a GPU function needs the real service."""
    env = {**os.environ, "SPACES_ZERO_GPU": "true", "SPACES_ZERO_DEVICE_API_URL": "http://127.0.0.1:9/",
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", ZERO_GPU_CHECK], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "cuda:0"
