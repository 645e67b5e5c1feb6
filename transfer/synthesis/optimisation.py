"""Shared pieces of optimising an image instead of a network: total variation and seeded randomness."""

from __future__ import annotations

import torch


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels (horizontal plus vertical) of a (B, C, H, W) batch."""
    return ((images[..., 1:, :] - images[..., :-1, :]).abs().mean()
            + (images[..., :, 1:] - images[..., :, :-1]).abs().mean())


def generator(seed: int) -> torch.Generator:
    """A CPU random generator for reproducible noise and augmentations (callers check the seed: ideal.SEED)."""
    return torch.Generator().manual_seed(seed)
