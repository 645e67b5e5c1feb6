"""Statistics of natural photos that ideal images borrow: their colour correlation and their magnitude spectrum.

The spectrum ships as `transfer/assets/natural_spectrum.safetensors`, made by `python -m scripts.make_spectrum` from
Oxford-IIIT Pet photos (CC BY-SA 4.0); its metadata names every photo, so anyone with the dataset can recompute and
check it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torchvision.transforms.v2 import functional as TF

from ..errors import TransferError
from ..images import load_image, to_tensor

SPECTRUM_FILE = Path(__file__).resolve().parents[1] / "assets" / "natural_spectrum.safetensors"
SPECTRUM_SIZE = 256  # side of the square photo crops the spectrum is measured on
#: Square root of the colour correlation of ImageNet photos (from Lucid): column 0 is brightness, 1 and 2 colour.
COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR_SQRT = COLOR_SQRT / COLOR_SQRT.norm(dim=0).max()


def recorrelate(decorrelated: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) values in the decorrelated colour basis to RGB (before squashing into [0, 1])."""
    return torch.einsum("bchw,dc->bdhw", decorrelated, COLOR_SQRT.to(decorrelated))


def decorrelate(rgb: torch.Tensor) -> torch.Tensor:
    """The inverse of `recorrelate`: RGB (B, 3, H, W) to the decorrelated colour basis."""
    return torch.einsum("bchw,dc->bdhw", rgb, torch.linalg.inv(COLOR_SQRT).to(rgb))


def compute_spectrum(photos: Sequence[str | Path], size: int = SPECTRUM_SIZE) -> torch.Tensor:
    """Mean magnitude of the 2-D Fourier transform (rfft2, orthonormal) of `photos` in decorrelated colours.

    Each photo is resized (shorter side `size`), centre-cropped to size x size and tapered to its mean towards the
    border by a Hann window: otherwise the jump between opposite borders (the transform treats the image as a
    tile) adds false horizontal and vertical frequencies, which would show as a grid. Returns (3, size, size//2 + 1).
    """
    window = torch.outer(torch.hann_window(size, periodic=False), torch.hann_window(size, periodic=False))
    total = torch.zeros(3, size, size // 2 + 1)
    for photo in photos:
        pixels = TF.center_crop(TF.resize(to_tensor(load_image(photo)), size, antialias=True), size)
        colours = decorrelate(pixels[None])[0]
        mean = colours.mean((1, 2), keepdim=True)
        total += torch.fft.rfft2(mean + (colours - mean) * window, norm="ortho").abs()
    return total / len(photos)


def save_spectrum(magnitude: torch.Tensor, path: str | Path, provenance: dict) -> None:
    """Write the spectrum as float16 safetensors; `provenance` (photos, source, licence, script) goes into metadata."""
    save_file({"magnitude": magnitude.half().contiguous()}, str(path),
              metadata={key: json.dumps(value) for key, value in provenance.items()})


def spectrum_provenance(path: str | Path = SPECTRUM_FILE) -> dict:
    """The metadata saved with a spectrum: which photos, their source and licence, and the script that made it."""
    with safe_open(str(path), "pt") as handle:
        return {key: json.loads(value) for key, value in (handle.metadata() or {}).items()}


@functools.lru_cache(maxsize=8)
def natural_spectrum(size: int, path: Path = SPECTRUM_FILE) -> torch.Tensor:
    """The shipped magnitude spectrum resized to a size x size image: (3, size, size // 2 + 1), float32.

    Its zero frequency (the mean colour, which ideal images keep grey) is 0. Before resizing it takes its neighbours'
    mean: the measured one is up to 27 times larger and would leak into the lowest frequencies, drowning the detail in
    fog. Resizing happens with zero frequency in the middle (fftshift), so negative and positive frequencies stay apart.
    """
    if not path.is_file():
        raise TransferError("The natural-image spectrum {path} is missing: reinstall Transfer Lab or run `python -m "
                            "scripts.make_spectrum`.", path=path)
    magnitude = load_file(str(path))["magnitude"].float()
    magnitude[:, 0, 0] = (magnitude[:, 0, 1] + magnitude[:, 1, 0] + magnitude[:, -1, 0]) / 3
    magnitude = F.interpolate(torch.fft.fftshift(magnitude, dim=-2)[None], size=(size, size // 2 + 1),
                              mode="bilinear", align_corners=False, antialias=True)[0]
    magnitude = torch.fft.ifftshift(magnitude, dim=-2)
    magnitude[:, 0, 0] = 0
    return magnitude
