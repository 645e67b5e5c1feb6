"""Hostile images against the running app: the server's peak extra memory and time for each, side by side.

    python -m benchmarks.bench_abuse [--endpoints classify explain adversarial] [--ideal-jobs 40]

For each image, starts a fresh `python app.py` on a free localhost port, warms it up with an ordinary photo on
every endpoint, then uploads the hostile image with plain HTTP and calls each endpoint once, sampling the server's
resident memory every 10 ms. Prints, per image and endpoint, the answer (ok or the message), the wall time, and the
peak resident memory above the warmed-up server's. Then, on one more fresh server, runs --ideal-jobs ideal-image
jobs one after another (16 robust steps each) and prints its resident memory as they go: memory a job does not give
back adds up. All traffic stays on 127.0.0.1; every request has a time limit and each server is killed at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import gradio.media
import psutil

from tests import raw_http
from tests.browser import free_port
from tests.corpus import hostile_shapes

ROOT = Path(__file__).resolve().parent.parent

MODEL = "tf_efficientnet_lite0"
ARGUMENTS = {"classify": lambda photo: [photo, MODEL], "explain": lambda photo: [photo, MODEL, "blocks.0"],
             "adversarial": lambda photo: [photo, "tabby, tabby cat", 1, 0, 2, 0.5, MODEL, 0]}


def images(folder: Path) -> dict[str, Path]:
    """An ordinary photo for reference, then the hostile-input corpus's costly shapes."""
    return {"photo 502x343 JPEG (reference)": Path(gradio.media.get_image("cheetah.jpg")),
            **hostile_shapes(folder)}


class PeakMemory:
    """Samples a process's resident memory every 10 ms in a thread; .peak is the highest seen (bytes)."""

    def __init__(self, pid: int):
        self.process, self.peak, self.running = psutil.Process(pid), 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()


def start_app(port: int) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the app did not start within 180 s")


def measure(path: Path, reference: Path, endpoints: list[str]) -> list[tuple[str, float, float, str]]:
    """(endpoint, seconds, peak extra MB, answer) for one image on a fresh, warmed-up server."""
    port = free_port()
    process = start_app(port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        warm = {"path": raw_http.upload(base, reference), "meta": raw_http.FILE_META}
        for endpoint in endpoints:
            raw_http.call(base, endpoint, ARGUMENTS[endpoint](warm))
        photo = {"path": raw_http.upload(base, path), "meta": raw_http.FILE_META}
        for endpoint in endpoints:
            before = psutil.Process(process.pid).memory_info().rss
            start = time.perf_counter()
            with PeakMemory(process.pid) as memory:
                try:
                    ok, answer = raw_http.call(base, endpoint, ARGUMENTS[endpoint](photo))
                except Exception as error:  # a dead or hung server is a result too
                    ok, answer = False, f"{type(error).__name__}: {error}"
            seconds = time.perf_counter() - start
            alive = process.poll() is None
            text = "ok" if ok else ("SERVER DIED" if not alive else str(answer))
            rows.append((endpoint, seconds, max(0, memory.peak - before) / 2**20, text))
            if not alive:
                break
    finally:
        process.kill()
        process.wait()
    return rows


def repeated_ideal_jobs(jobs: int) -> list[tuple[int, float]]:
    """(jobs done, server resident MB) after 0, 10, 20, ... ideal-image jobs on one fresh server."""
    port = free_port()
    process = start_app(port)
    base = f"http://127.0.0.1:{port}"
    rss = []
    try:
        for done in range(jobs + 1):
            if done % 10 == 0:
                rss.append((done, psutil.Process(process.pid).memory_info().rss / 2**20))
            if done < jobs:
                ok, answer = raw_http.call(base, "ideal", ["zebra", "robust", 16, 0.5, 0.05, done, MODEL])
                if not ok:
                    raise SystemExit(f"ideal job {done} failed: {answer}")
    finally:
        process.kill()
        process.wait()
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", nargs="+", default=list(ARGUMENTS), choices=list(ARGUMENTS))
    parser.add_argument("--ideal-jobs", type=int, default=40, help="ideal-image jobs in a row (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = images(Path(folder))
        reference = next(iter(files.values()))
        print(f"load: {os.getloadavg()[0]:.1f}; server memory: peak resident above the warmed-up server's\n")
        print(f"| image | file | {' | '.join(f'{e}: s, MB' for e in args.endpoints)} | answer |")
        print("|---|---|" + "---|" * len(args.endpoints) + "---|")
        for name, path in files.items():
            rows = measure(path, reference, args.endpoints)
            cells = " | ".join(f"{seconds:.1f} s, {mb:.0f} MB" for _, seconds, mb, _ in rows)
            answers = sorted({answer[:90] for *_, answer in rows})
            print(f"| {name} | {path.stat().st_size / 1024:.0f} KB | {cells} | {'; '.join(answers)} |", flush=True)
    if args.ideal_jobs:
        figures = ", ".join(f"{done}: {mb:.0f} MB" for done, mb in repeated_ideal_jobs(args.ideal_jobs))
        print(f"\nserver resident memory after N ideal-image jobs (16 steps each): {figures}")


if __name__ == "__main__":
    main()
