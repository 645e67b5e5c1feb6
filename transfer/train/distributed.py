"""Fine-tuning on several processes started by torchrun: native PyTorch DDP, set up the way timm's train.py does it.

`torchrun --standalone --nproc_per_node N -m transfer finetune ...` starts N copies of the command. Each joins the
process group (gloo on CPU, NCCL on GPUs), works on its share of the images (DistributedSampler's split) and the
shares are gathered, so every process ends with the same features, logits and weights; only the primary process
(rank 0) prints and writes. With one process every helper here is a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import torch
import torch.distributed as dist
from timm.utils.distributed import init_distributed_device_so, is_distributed_env
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from ..errors import TransferError

T = TypeVar("T")
FAILURE_KEY = "transfer/failures"  # counter in torchrun's key-value store: the first rank to fail reports


@dataclass(frozen=True)
class World:
    """This process's place among the processes torchrun started."""

    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def primary(self) -> bool:
        """True on the process that prints progress and results and writes files (rank 0)."""
        return self.rank == 0


def world() -> World:
    """The current process group's layout; World() (one process) when there is none."""
    if not dist.is_initialized():
        return World()
    return World(dist.get_rank(), int(os.environ.get("LOCAL_RANK", 0)), dist.get_world_size())


@contextmanager
def process_group() -> Iterator[World]:
    """Join torchrun's process group for the block; a plain run is one process and nothing changes.

    An exception on any rank is raised on the first rank that fails only: the others leave quietly (exit status 2
    for a TransferError, 1 otherwise) and torchrun stops every rank still running, so one message is printed.
    """
    started = not dist.is_initialized() and is_distributed_env()
    if started:
        init_distributed_device_so(device="cuda" if torch.cuda.is_available() else "cpu")
    try:
        yield world()
    except BaseException as error:
        if started and not _first_failure():
            raise SystemExit(2 if isinstance(error, TransferError) else 1) from None
        raise
    if started:
        dist.destroy_process_group()


@contextmanager
def primary_first() -> Iterator[None]:
    """Run the block on each machine's first process before the others (a download or a Hub model is then fetched
    once per machine and read from its cache by the rest)."""
    if world().size == 1:
        yield
        return
    if world().local_rank != 0:
        dist.barrier()
    yield
    if world().local_rank == 0:
        dist.barrier()


def _first_failure() -> bool:
    """True for the first rank to report a failure (counted in torchrun's store); True too if the store is gone."""
    try:
        store = dist.distributed_c10d._get_default_store()
        store.set_timeout(timedelta(seconds=5))
        return store.add(FAILURE_KEY, 1) == 1
    except Exception:  # the store's host has already exited: better a second message than none
        return True


def shard(items: Sequence[T]) -> list[T]:
    """This rank's share of `items` as DistributedSampler deals them (rank r gets r, r+N, ...; padded so that every
    rank gets as many); all of them on one process. gather() puts the shares back together."""
    if world().size == 1:
        return list(items)
    return [items[index] for index in DistributedSampler(items, shuffle=False)]


def gather(local: torch.Tensor, total: int, dim: int = 0) -> torch.Tensor:
    """Undo shard(): every rank's `local` rows along `dim`, in the original order, without the padding.

    Every rank gets the same tensor, on `local`'s device (NCCL exchanges it through the GPU).
    """
    size = world().size
    if size == 1:
        return local
    wire = local.to(_wire_device()).contiguous()
    parts = [torch.empty_like(wire) for _ in range(size)]
    dist.all_gather(parts, wire)
    return torch.stack(parts, dim + 1).flatten(dim, dim + 1).narrow(dim, 0, total).to(local.device)


def sum_all(*values: float) -> list[float]:
    """Each value summed over all ranks (e.g. losses and counts of each rank's share); the values on one process."""
    if world().size == 1:
        return list(values)
    totals = torch.tensor(values, dtype=torch.float64, device=_wire_device())
    dist.all_reduce(totals)
    return totals.tolist()


def parallel(network: nn.Module) -> nn.Module:
    """`network` wrapped in DistributedDataParallel when there are several ranks (gradients are averaged over
    ranks after each backward pass); the network itself on one process."""
    if world().size == 1:
        return network
    device = next(network.parameters()).device
    # BatchNorm statistics stay frozen while fine-tuning: buffers are synced once, not before every forward pass.
    return DistributedDataParallel(network, device_ids=[device] if device.type == "cuda" else None,
                                   forward_sync_buffers=False)


def _wire_device() -> torch.device:
    """Where collectives take tensors: the current GPU for NCCL, the CPU for gloo."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")
