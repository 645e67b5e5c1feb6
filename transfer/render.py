"""Small image helpers: a perceptual colour map, heatmap overlays, image grids and the confusion-matrix picture."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["CONFUSION_SIDE", "CONFUSION_WORDS", "colorize", "confusion_image", "grid", "overlay", "tensor_to_image"]

# Anchor colours of matplotlib's "inferno" map (black -> purple -> orange -> pale yellow).
_INFERNO = np.array([
    [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99],
    [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
], dtype=np.float64)
# Anchor colours of the "jet"-like map heatmaps are usually shown with (blue -> cyan -> yellow -> red).
_JET = np.array([[0, 0, 143], [0, 64, 255], [0, 224, 255], [128, 255, 128], [255, 224, 0], [255, 64, 0], [128, 0, 0]],
                dtype=np.float64)
# White to dark for the confusion matrix: indigo for correct answers (the diagonal), orange-red for mistakes.
_CORRECT = np.array([[255, 255, 255], [199, 210, 254], [129, 140, 248], [79, 70, 229], [49, 46, 129]], dtype=np.float64)
_MISTAKEN = np.array([[255, 255, 255], [254, 215, 170], [251, 146, 60], [234, 88, 12], [154, 52, 18]], dtype=np.float64)
#: The confusion matrix's cells share about this many pixels (each cell at least 8 and at most 110 px).
CONFUSION_SIDE = 540
#: The words confusion_image draws: the axes' titles, then the legend's two lines.
CONFUSION_WORDS = ("predicted class", "true class", "0 to 100% of the row's test images, answered right",
                   "0 to 100% of the row's test images, mistaken for the column's class")


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


def confusion_image(classes: list[str], confusion: list[list[int]],
                    words: Callable[[str], str] = lambda text: text) -> Image.Image:
    """The confusion matrix (rows: true class, columns: predicted) as a picture that reads from 2 to 1000 classes.

    Each cell is coloured by its share of the true class's test images, indigo on the diagonal (right) and
    orange-red elsewhere (mistakes); counts are written in when the cells are large enough; a legend explains both.
    `words` gives each of CONFUSION_WORDS as the reader should see it (English unless a translation is given).
    """
    n = len(classes)
    matrix = np.asarray(confusion, dtype=np.float64).reshape(n, n)
    rates = matrix / matrix.sum(1, keepdims=True).clip(min=1)
    cell = int(np.clip(CONFUSION_SIDE // n, 8, 110))
    name_font = ImageFont.load_default(size=int(np.clip(cell - 3, 9, 16)))
    text_font = ImageFont.load_default(size=14)
    names = [name if len(name) <= 28 else name[:27] + "…" for name in classes]
    label = int(max(name_font.getlength(name) for name in names)) + 10
    title = 24
    left, top = title + label, title + label
    side = n * cell
    predicted, true, *legend_texts = (words(text) for text in CONFUSION_WORDS)
    legend_width = 120 + 10 + int(max(text_font.getlength(text) for text in legend_texts))
    canvas = Image.new("RGB", (max(left + side, title + legend_width) + 12, top + side + 70), "white")
    draw = ImageDraw.Draw(canvas)
    diagonal = np.eye(n, dtype=bool)
    colours = np.where(diagonal[..., None], colorize(rates, _CORRECT, stretch=False),
                       colorize(rates, _MISTAKEN, stretch=False))
    canvas.paste(Image.fromarray(colours).resize((side, side), Image.NEAREST), (left, top))
    if cell >= 12:
        for i in range(n + 1):
            draw.line([(left + i * cell, top), (left + i * cell, top + side)], fill=(226, 232, 240))
            draw.line([(left, top + i * cell), (left + side, top + i * cell)], fill=(226, 232, 240))
    if cell >= 26:
        count_font = ImageFont.load_default(size=int(min(cell * 0.36, 22)))
        for (row, column), count in np.ndenumerate(matrix):
            if count:
                draw.text((left + (column + 0.5) * cell, top + (row + 0.5) * cell), f"{count:g}", anchor="mm",
                          font=count_font, fill="white" if rates[row, column] > 0.55 else (30, 41, 59))
    strip = Image.new("RGB", (label, side), "white")
    strip_draw = ImageDraw.Draw(strip)
    for i, name in enumerate(names):
        strip_draw.text((label - 6, (i + 0.5) * cell), name, anchor="rm", font=name_font, fill=(30, 41, 59))
    canvas.paste(strip, (title, top))  # row labels, right-aligned against the matrix
    canvas.paste(strip.rotate(90, expand=True), (left, title))  # the same names above the columns, reading upwards
    draw.text((left + side / 2, title / 2), predicted, anchor="mm", font=text_font, fill=(71, 85, 105))
    side_title = Image.new("RGB", (side, title), "white")
    ImageDraw.Draw(side_title).text((side / 2, title / 2), true, anchor="mm", font=text_font,
                                    fill=(71, 85, 105))
    canvas.paste(side_title.rotate(90, expand=True), (0, top))
    ramp = np.linspace(0, 1, 120)[None, :].repeat(10, 0)
    for row, (anchors, text) in enumerate(zip((_CORRECT, _MISTAKEN), legend_texts)):
        x, y = title, top + side + 18 + row * 24
        canvas.paste(Image.fromarray(colorize(ramp, anchors, stretch=False)), (x, y))
        draw.rectangle([x, y, x + 119, y + 9], outline=(203, 213, 225))
        draw.text((x + 130, y + 5), text, anchor="lm", font=text_font, fill=(71, 85, 105))
    return canvas
