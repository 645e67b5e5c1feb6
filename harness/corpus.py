"""A corpus of hostile and odd inputs, generated on the fly (nothing binary is committed)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image


def _photo(size=(64, 48), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def bad_images(folder: Path) -> dict[str, Path]:
    """Files that must be refused with a clear message: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = _encoded(_photo(), "JPEG")
    contents = {
        "empty.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "random.jpg": np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "bomb.png": png_claiming(50_000, 50_000),
        "image.svg": b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>",
        "page.jpg": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def odd_images(folder: Path) -> dict[str, Path]:
    """Unusual but valid images that must work: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = _photo((80, 60))
    exif = Image.Exif()
    exif[0x0112] = 6
    palette = photo.convert("P", palette=Image.ADAPTIVE, colors=16)
    frames = [_photo((40, 40), seed) for seed in range(3)]
    images = {
        "one_pixel.png": _encoded(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"),
        "sixteen_bit.png": _encoded(Image.fromarray(np.full((32, 32), 40000, dtype=np.uint16)), "PNG"),
        "cmyk.jpg": _encoded(photo.convert("CMYK"), "JPEG"),
        "palette_transparent.png": _encoded(palette, "PNG", transparency=0),
        "animated.gif": _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "exif_rotated.jpg": _encoded(photo, "JPEG", exif=exif),
        "huge_valid.jpg": _encoded(_photo((6000, 4000)), "JPEG", quality=70),
    }
    paths = {}
    for name, data in images.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    return paths


def _zip(path: Path, entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)  # a symlink entry
            archive.writestr(info, target)
    return path


def _class_images(classes: list[str], per_class: int = 4, folder: str = "") -> dict[str, bytes]:
    return {f"{folder}{name}/{i}.jpg": _encoded(_photo(seed=hash((name, i)) % 1000), "JPEG")
            for name in classes for i in range(per_class)}


def bad_zips(folder: Path) -> dict[str, Path]:
    """Dataset archives that must be refused with a clear message and write nothing outside a temp dir."""
    folder.mkdir(parents=True, exist_ok=True)
    good = _class_images(["cat", "dog"])
    bomb = folder / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cat/0.jpg", good["cat/0.jpg"])
        archive.writestr("dog/huge.jpg", b"\x00" * (200 * 2**20))  # 200 MB of zeros, ~200 KB compressed
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        for name, data in good.items():
            archive.writestr(name, data)
    with zipfile.ZipFile(folder / "empty.zip", "w"):
        pass
    flat = folder / "flat_bmps.zip"  # 1 MB images of one colour: each entry compressed about 500 times
    with zipfile.ZipFile(flat, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in ("cat", "dog"):
            for i in range(3):
                archive.writestr(f"{name}/{i}.bmp", _encoded(Image.new("RGB", (590, 590), (i, 9, 9)), "BMP"))
    return {
        "zip_slip.zip": _zip(folder / "zip_slip.zip", {**good, "../escaped.jpg": good["cat/0.jpg"]}),
        "absolute.zip": _zip(folder / "absolute.zip", {**good, "/tmp/transfer_lab_absolute.jpg": good["cat/0.jpg"]}),
        "bomb.zip": bomb,
        "nested.zip": _zip(folder / "nested.zip", {"inner.zip": inner.getvalue()}),
        "empty.zip": folder / "empty.zip",
        "one_class.zip": _zip(folder / "one_class.zip", _class_images(["cat"])),
        "no_images.zip": _zip(folder / "no_images.zip", {"cat/readme.txt": b"hi", "dog/notes.txt": b"hello"}),
        "non_utf8.zip": _zip(folder / "non_utf8.zip", {**_class_images(["cat"]), "d\udcf6g/0.jpg".encode(
            "utf-8", "surrogateescape").decode("latin-1"): good["dog/0.jpg"]}),
        "symlink.zip": _zip(folder / "symlink.zip", good, {"dog/passwd.jpg": "/etc/passwd"}),
        "not_a_zip.zip": _write(folder / "not_a_zip.zip", b"PK\x03\x04 definitely not a zip"),
        "flat_bmps.zip": flat,
        "file_and_folder.zip": _zip(folder / "file_and_folder.zip", {**good, "dog/x.jpg": good["dog/0.jpg"],
                                                                     "dog/x.jpg/y.jpg": good["dog/1.jpg"]}),
        "long_name.zip": _zip(folder / "long_name.zip", {**good, f"dog/{'x' * 300}.jpg": good["dog/0.jpg"]}),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path



def _gradient(width: int, height: int) -> Image.Image:
    """A smooth colour image: compresses to a small file however many pixels it has."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    return Image.fromarray(np.stack([x, y, (x + y) / 2], axis=-1).astype(np.uint8))


def hostile_shapes(folder: Path, large: bool = True) -> dict[str, Path]:
    """Small files that are costly images: extreme aspect ratios, the largest accepted size, many frames.

    Each must be accepted at a cost bounded by the network's input, not by its own size or shape. `large` adds the
    40-megapixel images (about 1 s each to make).
    """
    folder.mkdir(parents=True, exist_ok=True)
    frames = [Image.new("P", (64, 64), i % 256) for i in range(10_000)]
    images = {
        "1x8000 PNG": ("tall.png", Image.new("RGB", (1, 8000), (90, 120, 40)), "PNG", {}),
        "1x40000 PNG": ("taller.png", Image.new("RGB", (1, 40_000), (90, 120, 40)), "PNG", {}),
        "40000x1 PNG": ("wide.png", Image.new("RGB", (40_000, 1), (90, 120, 40)), "PNG", {}),
        "64x64 GIF, 10,000 frames": ("frames.gif", frames[0], "GIF", {"save_all": True, "append_images": frames[1:]}),
    }
    if large:
        images["8000x5000 JPEG (40 MP)"] = ("large.jpg", _gradient(8000, 5000), "JPEG", {"quality": 80})
        images["8000x5000 RGBA PNG (40 MP)"] = ("large.png", _gradient(8000, 5000).convert("RGBA"), "PNG", {})
    paths = {}
    for name, (file_name, image, fmt, options) in images.items():
        paths[name] = folder / file_name
        paths[name].write_bytes(_encoded(image, fmt, **options))
    return paths


# --- Costly inputs for benchmarks/bench_abuse.py's security round (issue 19) ---------------------------------------

#: What bmp_bomb_zip unpacks to by default: the issue's 2 GB, just under the zip cap the app had then (2 GiB).
BOMB_BYTES = 1_900_000_000


def bmp_bomb_zip(path: Path, unpacked_bytes: int = BOMB_BYTES, side: int = 2048, noise_rows: int = 10) -> Path:
    """A zip of two class folders of side x side 24-bit BMPs that unpacks to about `unpacked_bytes` from a file
    about 170 times smaller (~11 MB for the default): each image is one colour but for `noise_rows` rows of random
    pixels, which keep every entry's ratio below transfer.data's per-entry zip-bomb limit (200)."""
    rng = np.random.default_rng(0)
    count = max(6, round(unpacked_bytes / (side * side * 3)))  # at least 3 per class: a dataset that loads
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i in range(count):
            pixels = np.empty((side, side, 3), dtype=np.uint8)
            pixels[:] = (i * 37 % 256, i * 91 % 256, 128)  # a colour per image: no two are duplicates
            pixels[:noise_rows] = rng.integers(0, 256, (noise_rows, side, 3), dtype=np.uint8)
            archive.writestr(f"{('cats', 'dogs')[i % 2]}/{i:04d}.bmp", _encoded(Image.fromarray(pixels), "BMP"))
    return path


def float_tiff(path: Path, width: int = 8000, height: int = 5000) -> Path:
    """A 32-bit float greyscale TIFF of width x height (40 MP: 160 MB decoded), deflated to a small file."""
    ramp = (np.arange(width, dtype=np.float32) // 500 / 16)[None, :].repeat(height, 0)  # 16 flat bands
    Image.fromarray(ramp, "F").save(path, "TIFF", compression="tiff_adobe_deflate")
    return path


def large_png(path: Path, width: int = 8000, height: int = 5000) -> Path:
    """A smooth RGB PNG of width x height (40 MP, the largest accepted), a few MB on disk."""
    path.write_bytes(_encoded(_gradient(width, height), "PNG", compress_level=1))
    return path


def zero_files(folder: Path, count: int, size: int) -> list[Path]:
    """`count` sparse files of `size` zero bytes each: instant to make, no disk used until someone writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"zeros-{i}.bin" for i in range(count)]
    for path in paths:
        with open(path, "wb") as handle:
            handle.truncate(size)
    return paths


def huge_json_body(size: int, fields: dict, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A JSON object of about `size` bytes, yielded in `chunk`-byte pieces (the sender holds one piece at a time):
    `fields`, plus "data": one string of "A"s that makes up the size."""
    head = json.dumps(fields)[:-1].encode() + (b', "data": ["' if fields else b'{"data": ["')
    yield head
    left = max(0, size - len(head) - 3)
    block = b"A" * chunk
    while left > 0:
        yield block[:left]
        left -= chunk
    yield b'"]}'
