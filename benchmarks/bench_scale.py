"""Scale benchmark: one process against N torchrun processes (DDP), side by side, on pets-mini.

    python -m benchmarks.bench_scale [--data ../shared/data/pets-mini] [--processes 2]

Every run is launched the same way (`torchrun --standalone --nproc_per_node 1|N`) and times the same two jobs:
(a) feature extraction of every image of the dataset (each process extracts its share, then the shares are gathered);
(b) one epoch of partial fine-tuning (`--method partial`: DDP, each process takes its share of every batch), as the
epoch's own seconds in the training history (training plus scoring the validation images). Loading the weights and
tracing the feature network happen before the clock starts. A single process uses all cores; torchrun gives each of
N > 1 processes one CPU thread, so a third run, one process with one thread, shows what N processes gain over one.
On a 2-core CPU the ratio shows the overhead; on a GPU machine, the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import transfer  # noqa: F401  (first: it sets OMP_WAIT_POLICY before torch loads)
import torch

from transfer import load_model
from transfer.data import PETS_MINI, open_dataset
from transfer.train.distributed import primary_first, process_group, sum_all
from transfer.train.features import extract_features, feature_network
from transfer.progress import drain
from transfer.train import TrainConfig, finetune, run

ROOT = Path(__file__).resolve().parent.parent


def worker(args: argparse.Namespace) -> None:
    """One torchrun process: time (a) and (b); rank 0 prints one JSON line."""
    with process_group() as world:
        with primary_first():
            classifier = load_model(args.model)
            data = open_dataset(args.data, seed=0)
        feature_network(classifier)  # traced once per process, before the clock
        samples = data.train + data.val + data.test
        sum_all(0.0)  # every process starts the clock together
        tick = time.perf_counter()
        features = drain(extract_features(classifier, samples))
        extraction = time.perf_counter() - tick
        result = run(finetune(data, TrainConfig(method="partial", epochs=1), classifier))
        if world.primary:
            print(json.dumps({"processes": world.size, "threads": torch.get_num_threads(), "images": len(features),
                              "extraction": extraction, "epoch": result.history[0].seconds,
                              "test_accuracy": result.evaluation.accuracy}), flush=True)


def launch(processes: int, args: argparse.Namespace, threads: int | None = None) -> dict:
    """Run the worker under torchrun on `processes` processes (`threads` CPU threads each: default torchrun's)."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "-m", "benchmarks.bench_scale", "--worker", "--data", str(args.data), "--model", args.model]
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    print(f"running {processes} process(es) ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"{processes} process(es) failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=PETS_MINI)
    parser.add_argument("--model", default="tf_efficientnet_lite0")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {os.cpu_count()} cores"
    load = os.getloadavg()[0]
    runs = [launch(1, args), launch(1, args, threads=1), launch(args.processes, args)]
    print(f"\n{args.data.name}, {runs[0]['images']} images, {device}; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    titles = [f"{run['processes']} process{'es' if run['processes'] > 1 else ''} x {run['threads']} thread(s)"
              for run in runs]
    print(f"{'':36}" + "".join(f"{title:>28}" for title in titles) + f"{'last / first':>14}")
    for key, title in (("extraction", f"(a) feature extraction, {runs[0]['images']} images"),
                       ("epoch", "(b) partial fine-tuning, 1 epoch")):
        print(f"{title:36}" + "".join(f"{run[key]:>26.1f} s" for run in runs)
              + f"{runs[-1][key] / runs[0][key]:>13.2f}x")
    print(f"{'test accuracy after that epoch':36}" + "".join(f"{run['test_accuracy']:>28.1%}" for run in runs))


if __name__ == "__main__":
    main()
