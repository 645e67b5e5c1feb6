"""Shared pieces of image optimisation: total variation, progress reports and seeded randomness."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image

from .checks import check_int


@dataclass(frozen=True)
class Progress:
    """One report from a running optimisation: where it is and (sometimes) a preview image."""

    step: int
    steps: int
    probability: float  # of the target class, on the current image
    preview: Image.Image | None = None


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels (horizontal plus vertical) of a (B, C, H, W) batch."""
    return ((images[..., 1:, :] - images[..., :-1, :]).abs().mean()
            + (images[..., :, 1:] - images[..., :, :-1]).abs().mean())


def generator(seed: int) -> torch.Generator:
    """A CPU random generator for reproducible noise and augmentations."""
    return torch.Generator().manual_seed(check_int("seed", seed, 0, 2**32 - 1))
