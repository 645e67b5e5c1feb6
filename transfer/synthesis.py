"""Shared pieces of image optimisation: total variation, progress reports and parameter checks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from PIL import Image

from .errors import InputError


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


def check_int(name: str, value, low: int, high: int) -> int:
    """A whole number in [low, high], or InputError saying which range to use."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
    return value


def check_float(name: str, value, low: float, high: float, low_inclusive: bool = True) -> float:
    """A finite number in [low, high] (or (low, high]), or InputError saying which range to use."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not (low <= value if low_inclusive else low < value) or value > high:
        bound = "from" if low_inclusive else "above"
        raise InputError(f"{name} must be a number {bound} {low:g} up to {high:g}, got {value!r}.")
    return float(value)


def generator(seed: int) -> torch.Generator:
    """A CPU random generator for reproducible noise and augmentations."""
    return torch.Generator().manual_seed(check_int("seed", seed, 0, 2**32 - 1))
