"""benchmarks/bench_abuse.py's hostile inputs are what they claim to be, so a broken bench is caught before a run."""

from __future__ import annotations

import json
import os
import zipfile

import pytest
from PIL import Image

from benchmarks import bench_abuse
from harness.corpus import bmp_bomb_zip, float_tiff, huge_json_body, large_png, zero_files
from transfer.data import MAX_ZIP_RATIO
from transfer.images import MAX_PIXELS


def check_bomb(path, unpacked_at_least: int) -> None:
    """Unpacks to at least that many bytes, passes the app's zip-bomb checks (per-entry and whole ratio), so only a
    bound on what a dataset unpacks to can refuse it, and holds two classes of distinct, readable BMPs."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        assert unpacked >= unpacked_at_least
        assert unpacked <= MAX_ZIP_RATIO * path.stat().st_size
        assert all(info.file_size <= MAX_ZIP_RATIO * info.compress_size for info in infos)
        assert {info.filename.split("/")[0] for info in infos} == {"cats", "dogs"}
        assert len(infos) >= 6 and len({info.CRC for info in infos}) == len(infos)  # no two images alike
        with archive.open(infos[-1]) as entry:
            image = Image.open(entry)
            assert image.format == "BMP" and image.size == (2048, 2048)


@pytest.mark.slow
def test_bmp_bomb_declares_gigabytes_from_a_small_file(tmp_path):
    path = bmp_bomb_zip(tmp_path / "bomb.zip")  # the bench's default size
    check_bomb(path, 1.5 * 2**30)
    assert path.stat().st_size < 20 * 2**20


def test_small_bmp_bomb_passes_the_apps_zip_checks(tmp_path):
    check_bomb(bmp_bomb_zip(tmp_path / "bomb.zip", 80 * 2**20), 70 * 2**20)


def test_float_tiff_is_a_small_file_of_the_largest_accepted_size(tmp_path):
    tiff = float_tiff(tmp_path / "float.tif")
    with Image.open(tiff) as image:
        assert image.mode == "F" and image.width * image.height == MAX_PIXELS
    assert tiff.stat().st_size < 2 * 2**20


def test_large_png_is_a_small_file_of_the_largest_accepted_size(tmp_path):
    png = large_png(tmp_path / "large.png")
    with Image.open(png) as image:
        assert image.mode == "RGB" and image.width * image.height == MAX_PIXELS
    assert png.stat().st_size < 5 * 2**20


def test_zero_files_have_their_size_without_using_the_disk(tmp_path):
    paths = zero_files(tmp_path / "zeros", 3, 95 * 2**20)
    assert [os.stat(path).st_size for path in paths] == [95 * 2**20] * 3
    assert bench_abuse.disk_bytes(tmp_path) < 2**20  # sparse: the server, not the client, writes them
    (tmp_path / "written.bin").write_bytes(b"x" * 2**20)
    assert bench_abuse.disk_bytes(tmp_path) >= 2**20


def test_huge_json_body_is_valid_json_of_the_asked_size():
    chunks = list(huge_json_body(10_000, {"fn_index": 7, "session_hash": "abc"}, chunk=1000))
    body = b"".join(chunks)
    assert len(body) == 10_000 and max(len(chunk) for chunk in chunks) <= 1000
    parsed = json.loads(body)
    assert parsed["fn_index"] == 7 and parsed["session_hash"] == "abc" and set(parsed["data"][0]) == {"A"}


def test_rows_mark_each_figure_against_its_bar():
    bars = bench_abuse.BARS
    row = bench_abuse.Row("x", "refused: no", 1.0, bars["cpu"] + 1, bars["memory"] - 1, bars["disk"] + 1, "ok", True)
    cells = [cell.strip() for cell in row.markdown().split("|")[1:-1]]
    assert [cell[-1] for cell in cells[3:]] == ["✗", "✓", "✗", "✓"]  # CPU, memory, disk, victim
    assert bench_abuse.forwarded("198.51.100.7", "10.0.0.1") == {"X-Forwarded-For": "10.0.0.1, 198.51.100.7"}
