"""Network calls on a small CPU shared with another busy process: OpenMP's waiting threads spinning or sleeping.

    python -m benchmarks.bench_threads [--calls 30]

Side by side, each in a fresh process: the median latency of one Lite0 forward pass (batch 1, the app's fast path)
and of one natural-mode ideal-image step, with OMP_WAIT_POLICY=ACTIVE (spinning: OpenMP's default) and PASSIVE
(sleeping: what `import transfer` sets unless the variable is already set), alone and next to a second torch job
with torch's default threads and the same policy (another training, or a second instance of the app).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = """
import json, statistics, sys, time
import gradio.media, transfer
from transfer.synthesis.ideal import iter_ideal_image
calls = int(sys.argv[1])
model = transfer.load_model()
x = model.to_input(transfer.load_image(gradio.media.get_image("cheetah.jpg")))
model.infer(x)
forward = []
for _ in range(calls):
    start = time.perf_counter(); model.infer(x); forward.append(time.perf_counter() - start)
steps, last = [], time.perf_counter()
for item in iter_ideal_image("zebra", steps=6, size=224, mode="natural"):
    now = time.perf_counter(); steps.append(now - last); last = now
print(json.dumps({"forward_ms": 1000 * statistics.median(forward), "step_s": statistics.median(steps[1:-1])}))
"""
#: A second torch job with torch's default threads (e.g. another training, or another instance of the app).
COMPETITOR = """
import torch
layer = torch.nn.Conv2d(64, 64, 3, padding=1)
x = torch.randn(8, 64, 56, 56)
with torch.no_grad():
    while True:
        layer(x)
"""


def measure(policy: str, calls: int) -> dict:
    env = {**os.environ, "OMP_WAIT_POLICY": policy}
    done = subprocess.run([sys.executable, "-c", MEASURE, str(calls)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30, help="forward passes timed per run")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} before the runs")
    print(f"{'':28}{'forward (ms)':>14}{'ideal step (s)':>16}")
    for competitor in (False, True):
        for policy in ("ACTIVE", "PASSIVE"):
            busy = subprocess.Popen([sys.executable, "-c", COMPETITOR], env={**os.environ, "OMP_WAIT_POLICY": policy}) \
                if competitor else None
            try:
                time.sleep(3 if busy else 0)
                figures = measure(policy, args.calls)
            finally:
                if busy:
                    busy.kill()
            label = f"{policy.lower():8}{'+ torch job' if competitor else 'alone':>16}"
            print(f"{label:28}{figures['forward_ms']:14.1f}{figures['step_s']:16.2f}", flush=True)


if __name__ == "__main__":
    main()
