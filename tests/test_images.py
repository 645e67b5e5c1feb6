"""Safe image loading: every mode becomes upright RGB; broken and hostile files are refused clearly."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from harness.corpus import png_claiming
from transfer import InputError, load_image
from transfer.images import MAX_PIXELS


def save(image: Image.Image, path, **options):
    image.save(path, **options)
    return path


def test_rgba_transparency_goes_onto_white(tmp_path):
    image = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    image.putpixel((0, 0), (0, 0, 255, 255))
    loaded = load_image(save(image, tmp_path / "a.png"))
    assert loaded.mode == "RGB"
    assert loaded.getpixel((1, 1)) == (255, 255, 255)
    assert loaded.getpixel((0, 0)) == (0, 0, 255)


def test_palette_with_transparency(tmp_path):
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    image.info["transparency"] = 0
    image.putpixel((0, 0), 0)
    loaded = load_image(save(image, tmp_path / "p.png", transparency=0))
    assert loaded.mode == "RGB"
    assert loaded.getpixel((0, 0)) == (255, 255, 255)
    assert loaded.getpixel((2, 2)) == (10, 200, 30)


def test_grayscale_and_cmyk(tmp_path):
    gray = load_image(save(Image.new("L", (5, 3), 77), tmp_path / "g.png"))
    assert gray.mode == "RGB" and gray.size == (5, 3) and gray.getpixel((0, 0)) == (77, 77, 77)
    cmyk = load_image(save(Image.new("CMYK", (6, 6), (0, 255, 255, 0)), tmp_path / "c.jpg"))
    red, green, blue = cmyk.getpixel((3, 3))
    assert cmyk.mode == "RGB" and red > 200 and green < 60 and blue < 60


def test_sixteen_bit_png_keeps_its_brightness(tmp_path):
    array = np.full((4, 4), 32768, dtype=np.uint16)
    loaded = load_image(save(Image.fromarray(array), tmp_path / "16.png"))
    assert loaded.mode == "RGB"
    assert abs(loaded.getpixel((0, 0))[0] - 128) <= 1


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (40, 20), (0, 128, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    loaded = load_image(save(image, tmp_path / "rot.jpg", exif=exif))
    assert loaded.size == (20, 40)


def test_animated_gif_uses_first_frame(tmp_path):
    frames = [Image.new("RGB", (10, 10), colour) for colour in [(255, 0, 0), (0, 0, 255)]]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    red, _, blue = load_image(tmp_path / "anim.gif").getpixel((5, 5))
    assert red > 200 and blue < 50


def test_tiny_image_and_other_inputs():
    assert load_image(Image.new("RGB", (1, 1))).size == (1, 1)
    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), (9, 9, 9)).save(buffer, format="PNG")
    assert load_image(buffer.getvalue()).size == (3, 2)
    assert load_image(np.zeros((2, 3, 3), dtype=np.uint8)).size == (3, 2)
    assert load_image(np.ones((2, 2), dtype=np.float32)).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00garbage" * 50, "not an image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not an image"),
    (b"<html><body>hi</body></html>", "not an image"),
])
def test_non_images_are_refused(tmp_path, content, message):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_image(path)


def test_truncated_jpeg_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(InputError, match="damaged or truncated"):
        load_image(path)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(50_000, 50_000))
    with pytest.raises(InputError, match="megapixels|too large"):
        load_image(path)
    with pytest.raises(InputError, match="megapixels"):
        load_image(Image.new("L", (MAX_PIXELS // 1000 + 1, 1000)))


def test_missing_file_and_bad_arrays(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="No image"):
        load_image(None)
    with pytest.raises(InputError, match="NaN"):
        load_image(np.full((2, 2, 3), np.nan))
    with pytest.raises(InputError, match="shape"):
        load_image(np.zeros((2, 2, 5)))
