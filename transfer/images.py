"""Safe image loading shared by every entry point (library, CLI, app)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .errors import InputError

#: Largest image accepted, in pixels (about 8000 x 5000); larger files are refused as possible decompression bombs.
MAX_PIXELS = 40_000_000
#: Largest image file accepted, in bytes.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Most memory an image may take decoded plus its 8-bit RGB copy, from the mode and size its header declares: a
#: 40-megapixel RGB photo (PIL keeps 4 bytes a pixel) or grey one fits; a float or RGBA image may have 25 megapixels.
MAX_DECODED_BYTES = 200_000_000
#: Rows of a 16-bit or float image are turned into 8 bits this many pixels at a time (a float copy of 16 MB).
CONVERT_PIXELS = 4_000_000

ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ImageInput = Union[str, os.PathLike, bytes, Image.Image, np.ndarray]


def load_image(source: ImageInput, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open a path, bytes, PIL image or HxWxC array as an upright RGB PIL image, or raise InputError."""
    if source is None:
        raise InputError("No image given: upload a photo (JPEG, PNG, WebP, ...) first.")
    if isinstance(source, Image.Image):
        return _to_rgb(_check_size(source, max_pixels))
    if isinstance(source, np.ndarray):
        return _from_array(source, max_pixels)
    if isinstance(source, bytes):
        return _open(io.BytesIO(source), "the uploaded data", max_pixels)
    path = _checked_file(source)
    with open(path, "rb") as handle:
        return _open(handle, path.name, max_pixels)


def check_image(source: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> None:
    """Raise InputError unless the file decodes in full within the limits, as load_image would decode it.

    Cheaper than load_image (a JPEG is decoded at 1/8 scale, which still reads all of it), to check a dataset.
    """
    path = _checked_file(source)
    with _readable(path.name, max_pixels), Image.open(path) as image:
        _check_size(image, max_pixels)
        image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))  # no-op for other formats
        image.load()


def decode_cost(source: str | os.PathLike) -> int:
    """Pixels check_image decodes for this file, read from its header alone (a JPEG, or a phone's MPO, is decoded at
    1/64 of its pixels); 0 when the header is unreadable, which check_image then reports."""
    try:
        with Image.open(source) as image:
            pixels = image.width * image.height
            return pixels // 64 if image.format in ("JPEG", "MPO") else pixels
    except Exception:  # any damage is check_image's to report, with its message
        return 0


def decoded_bytes(image: Image.Image) -> int:
    """Memory the image takes once decoded (PIL: 1 byte a pixel for 1/L/P, 2 for 16-bit grey, else 4) plus its
    8-bit RGB copy when it has another mode, from its header's mode and size."""
    pixels = image.width * image.height
    stored = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    return pixels * (stored + (0 if image.mode == "RGB" else 4))


def _checked_file(source: str | os.PathLike) -> Path:
    path = Path(source)
    if not path.is_file():
        raise InputError("Image file not found: {path}", path=path)
    if path.stat().st_size == 0:
        raise InputError("{name} is empty (0 bytes): upload a real image file.", name=path.name)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError("{name} is larger than {limit} MB: use a smaller image.", name=path.name,
                         limit=MAX_FILE_BYTES // 2**20)
    return path


def _open(handle, name: str, max_pixels: int) -> Image.Image:
    with _readable(name, max_pixels), Image.open(handle) as image:
        _check_size(image, max_pixels)
        image.seek(0)  # first frame of an animated GIF/WebP
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # not a copy: a 40-megapixel image is 160 MB
        return _to_rgb(image)


@contextmanager
def _readable(name: str, max_pixels: int) -> Iterator[None]:
    """Turn PIL's many errors for bad files into one InputError that names the file."""
    try:
        yield
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError("{name} is too large to process safely: it claims far more than {limit} megapixels. Resize it "
                         "and try again.", name=name, limit=f"{max_pixels / 1e6:.0f}") from None
    except UnidentifiedImageError:
        raise InputError("{name} is not an image this app can read: use JPEG, PNG, WebP, GIF, BMP or TIFF.",
                         name=name) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError("{name} is damaged or truncated and cannot be read ({reason}).", name=name,
                         reason=error) from None


def _check_size(image: Image.Image, max_pixels: int) -> Image.Image:
    width, height = image.size
    if width * height > max_pixels:
        raise InputError("Image is {width}x{height} = {megapixels} megapixels; the limit is {limit} megapixels. Resize "
                         "it and try again.", width=width, height=height, megapixels=f"{width * height / 1e6:.0f}",
                         limit=f"{max_pixels / 1e6:.0f}")
    if width < 1 or height < 1:
        raise InputError("Image has no pixels.")
    needed = decoded_bytes(image)
    if needed > MAX_DECODED_BYTES:
        raise InputError("Image is {width}x{height} pixels of mode {mode}: decoded it would take {size} MB; the limit "
                         "is {limit} MB. Save it as an 8-bit RGB JPEG or PNG, or resize it, and try again.",
                         width=width, height=height, mode=image.mode, size=f"{needed / 1e6:.0f}",
                         limit=f"{MAX_DECODED_BYTES / 1e6:.0f}")
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any mode (RGBA, LA, P, L, I;16, I, F, CMYK, ...) to 8-bit RGB; transparency goes onto white."""
    if image.mode == "RGB":
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = _to_grey(image)
    if image.mode in ("RGBA", "LA", "PA"):
        image = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))  # RGBA onto RGB needs no converted copy
        return background
    return image.convert("RGB")


def _to_grey(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float grey image as 8-bit L (values above 255 are read as 16-bit), a band of rows at a
    time: a float copy of the whole image would take 4 bytes a pixel more, three times over."""
    high = image.getextrema()[1]
    scale = 255.0 / 65535.0 if high > 255 else 1.0
    grey = Image.new("L", image.size)
    rows = max(1, CONVERT_PIXELS // image.width)
    for top in range(0, image.height, rows):
        band = np.asarray(image.crop((0, top, image.width, min(top + rows, image.height))), dtype=np.float32)
        grey.paste(Image.fromarray(np.clip(band * scale, 0, 255).astype(np.uint8), mode="L"), (0, top))
    return grey


def _from_array(array: np.ndarray, max_pixels: int) -> Image.Image:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InputError("Expected an HxW or HxWx3/4 image array, got shape {shape}.", shape=array.shape)
    if array.dtype != np.uint8:
        array = np.asarray(array, dtype=np.float64)
        if not np.isfinite(array).all():
            raise InputError("Image array contains NaN or infinite values.")
        array = np.clip(array * 255.0 if array.max() <= 1.0 else array, 0, 255).astype(np.uint8)
    return _to_rgb(_check_size(Image.fromarray(array), max_pixels))


def shrink(image: Image.Image, side: int) -> tuple[Image.Image, int]:
    """The image reduced by the largest whole factor that keeps its shorter side at least `side`, and that factor.

    A cheap 8-bit box filter: it bounds the float work that follows by the output, whatever the input's size.
    """
    factor = max(1, min(image.size) // side)
    return (image.reduce(factor) if factor > 1 else image), factor


def to_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB PIL image as a float tensor (3, H, W) in [0, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(255.0)
