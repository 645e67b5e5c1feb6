"""`torchrun --standalone --nproc_per_node 2 -m transfer finetune` with gloo on pets-mini: one JSON line, a model
folder that classifies, the accuracy of the single-process run; an error on one rank ends the job with one message."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from transfer.train.distributed import World, gather, shard, sum_all, world

pytestmark = pytest.mark.slow  # torchrun and spawned processes

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
#: Small settings: cat vs dog, 6 images per class (about 9 training, 3 validation, 12 test images).
SMALL = ["--task", "species", "--per-class", "6", "--seed", "0", "--json"]


def finetune(launcher: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*launcher, "-m", "transfer", "finetune", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_one_process_helpers_change_nothing():
    assert world().size == 1 and world().primary
    items = list("abcde")
    assert shard(items) == items
    local = torch.arange(10.0).view(5, 2)
    assert gather(local, 5) is local
    assert sum_all(1.0, 2.0) == [1.0, 2.0]


def _shard_and_gather(rank: int, store_file: str) -> None:
    """One of two gloo ranks: shard 5 items, compute on the share, gather; each rank checks the whole result."""
    torch.distributed.init_process_group("gloo", init_method=f"file://{store_file}", rank=rank, world_size=2)
    try:
        items = list(range(5))
        mine = shard(items)
        assert mine == items[rank::2] + ([0] if rank == 1 else [])  # DistributedSampler pads rank 1 with item 0
        local = torch.tensor([[item, -item] for item in mine], dtype=torch.float32)  # rows: (share, 2)
        assert gather(local, 5).tolist() == [[item, -item] for item in items]
        views = torch.stack([local, local + 100])  # (views, share, 2): gathered along dim 1
        assert gather(views, 5, dim=1).tolist() == [[[i, -i] for i in items], [[i + 100, 100 - i] for i in items]]
        assert sum_all(1.0, float(rank)) == [2.0, 1.0]
        assert world() == World(rank, 0, 2)
    finally:
        torch.distributed.destroy_process_group()


def test_shards_gather_back_in_order(tmp_path):
    torch.multiprocessing.spawn(_shard_and_gather, args=(str(tmp_path / "store"),), nprocs=2)


def test_torchrun_two_processes_match_one(pets_root, tmp_path):
    """Partial fine-tuning exercises both paths: features extracted in shares and gathered (head), then DDP."""
    args = [*SMALL, "--data", str(pets_root), "--method", "partial", "--epochs", "2"]
    single = finetune([sys.executable], *args, "--out", str(tmp_path / "one"))
    assert single.returncode == 0, single.stderr[-3000:]
    double = finetune(TORCHRUN, *args, "--out", str(tmp_path / "two"))
    assert double.returncode == 0, double.stderr[-3000:]
    lines = double.stdout.strip().splitlines()
    assert len(lines) == 1, double.stdout  # rank 0 alone prints
    report, reference = json.loads(lines[0]), json.loads(single.stdout)
    assert report["classes"] == ["Cat", "Dog"] and report["method"] == "partial"
    assert [epoch["epoch"] for epoch in report["history"]] == [0, 1, 2]  # 0: the fitted head alone
    assert abs(report["test_accuracy"] - reference["test_accuracy"]) <= 2 / 12  # at most 2 of 12 test images

    photo = next((pets_root / "oxford-iiit-pet" / "images").glob("Abyssinian_*.jpg"))
    classified = subprocess.run([sys.executable, "-m", "transfer", "classify", str(photo), "--model",
                                 report["model_dir"], "--json"], cwd=ROOT, capture_output=True, text=True,
                                timeout=300)
    assert classified.returncode == 0, classified.stderr
    predictions = json.loads(classified.stdout)[0]["predictions"]
    assert {p["label"] for p in predictions} == {"Cat", "Dog"}


def test_error_on_every_rank_is_reported_once(tmp_path):
    result = finetune(TORCHRUN, "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "model"))
    assert result.returncode != 0
    assert len(error_lines(result)) == 1, result.stderr[-3000:]
    assert "not found" in error_lines(result)[0]
    assert result.stdout == ""


#: torchrun's script for the next test: transfer's CLI, where rank 1 alone finds every photo gone after the data check.
RANK_1_LOSES_PHOTOS = """
import os, sys
import transfer.train.features
from transfer.cli import main

if os.environ["RANK"] == "1":
    real = transfer.train.features.load_image
    transfer.train.features.load_image = lambda path, *args: real(f"{path}.gone", *args)
sys.exit(main())
"""


def test_error_on_rank_1_alone_stops_both_with_one_message(pets_root, tmp_path):
    """Rank 1 alone fails (the photos of its share of the features vanished after the data check): it reports the
    error, rank 0 (waiting for rank 1's features) is stopped, and the job ends with one message and no model."""
    script = tmp_path / "rank_1_loses_photos.py"
    script.write_text(RANK_1_LOSES_PHOTOS)
    result = subprocess.run([*TORCHRUN, str(script), "finetune", *SMALL, "--data", str(pets_root), "--out",
                             str(tmp_path / "model")], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0
    assert len(error_lines(result)) == 1, result.stderr[-3000:]
    assert ".jpg.gone" in error_lines(result)[0]
    assert "rank      : 1 (local_rank: 1)\n  exitcode  : 2" in result.stderr  # torchrun's report: rank 1 failed
    assert not (tmp_path / "model").exists()
