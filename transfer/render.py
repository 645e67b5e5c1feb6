"""Small image helpers: a perceptual colour map, heatmap overlays and image grids."""

from __future__ import annotations

import numpy as np
from PIL import Image

# Anchor colours of matplotlib's "inferno" map (black -> purple -> orange -> pale yellow).
_INFERNO = np.array([
    [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99],
    [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
], dtype=np.float64)
# Anchor colours of the "jet"-like map heatmaps are usually shown with (blue -> cyan -> yellow -> red).
_JET = np.array([[0, 0, 143], [0, 64, 255], [0, 224, 255], [128, 255, 128], [255, 224, 0], [255, 64, 0], [128, 0, 0]],
                dtype=np.float64)


def colorize(values: np.ndarray, anchors: np.ndarray = _INFERNO, stretch: bool = True) -> np.ndarray:
    """Map an HxW array to HxWx3 uint8 colours: scaled to its own min..max, or taken as 0..1 if not `stretch`."""
    values = np.asarray(values, dtype=np.float64)
    low, high = (values.min(), values.max()) if stretch else (0.0, 1.0)
    scaled = np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)
    position = scaled * (len(anchors) - 1)
    lower = np.floor(position).astype(int).clip(0, len(anchors) - 2)
    fraction = (position - lower)[..., None]
    colours = anchors[lower] * (1 - fraction) + anchors[lower + 1] * fraction
    return colours.round().astype(np.uint8)


def overlay(image: Image.Image, heatmap: np.ndarray) -> Image.Image:
    """Blend a heatmap in [0, 1] (any size, smoothly resized) over an RGB image; hot areas are more opaque."""
    heat = Image.fromarray((np.clip(heatmap, 0, 1) * 255).astype(np.uint8)).resize(image.size, Image.BICUBIC)
    strength = np.asarray(heat, dtype=np.float64) / 255.0
    colours = colorize(strength, _JET, stretch=False)
    alpha = (0.2 + 0.5 * strength)[..., None]
    blended = np.asarray(image.convert("RGB"), dtype=np.float64) * (1 - alpha) + colours * alpha
    return Image.fromarray(blended.round().clip(0, 255).astype(np.uint8))


def grid(tiles: list[Image.Image], columns: int, gap: int = 4, background=(255, 255, 255)) -> Image.Image:
    """Lay equal-size tiles out in rows of `columns`, separated by `gap` pixels."""
    width, height = tiles[0].size
    rows = -(-len(tiles) // columns)
    canvas = Image.new("RGB", (columns * width + (columns - 1) * gap, rows * height + (rows - 1) * gap), background)
    for position, tile in enumerate(tiles):
        row, column = divmod(position, columns)
        canvas.paste(tile, (column * (width + gap), row * (height + gap)))
    return canvas


def tensor_to_image(tensor) -> Image.Image:
    """A (3, H, W) float tensor in [0, 1] as an 8-bit RGB PIL image (rounded, not truncated)."""
    array = tensor.detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array, mode="RGB")
