"""An image sent to several visitors at once is written whole (a class's identical ideal images, from the result
cache): Gradio wrote every output image again over its file, named by its content, while other browsers were
downloading it, so a download could find it empty or cut short."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from gradio import processing_utils
from PIL import Image

from ui import server


def test_an_image_saved_again_is_never_read_half_written(tmp_path):
    server.write_cache_files_whole()
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (384, 384, 3), dtype=np.uint8))
    path = Path(processing_utils.save_pil_to_cache(image, str(tmp_path), format="png"))
    size, stop, sizes = path.stat().st_size, threading.Event(), set()

    def save_again() -> None:
        while not stop.is_set():  # what every visitor's answer does
            assert processing_utils.save_pil_to_cache(image, str(tmp_path), format="png") == str(path)
            assert processing_utils.save_bytes_to_cache(path.read_bytes(), "copy.png", str(tmp_path))

    saving = threading.Thread(target=save_again)
    saving.start()
    try:
        for _ in range(3000):
            sizes.add(len(path.read_bytes()))
    finally:
        stop.set()
        saving.join()
    assert sizes == {size}, f"read {len(sizes) - 1} other sizes than the whole file's {size} bytes"
