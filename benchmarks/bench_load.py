"""Many users at once: classify latency under load while a fine-tuning job runs, and the server's memory.

    python -m benchmarks.bench_load [--clients 20] [--requests 25] [--no-training]

Starts `python app.py` on a free localhost port (timing start-up to the first served page), then drives it with
gradio_client: `--clients` threads each send `--requests` /classify requests while one fine-tuning job runs
on pets-mini. The fine-tune endpoints are private (not callable by gradio_client), so that job is driven in headless
Chromium with Playwright exactly as a user does it in the Fine-tune tab, in a background thread started just before
the classify load. Prints completed/failed counts, p50/p95/max latency, the training job's wall time and test
accuracy, and the server's resident memory after warm-up and after the load. All traffic stays on 127.0.0.1, every
loop is bounded in count and time, and the server is killed at the end.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import threading
import time
from pathlib import Path

import gradio.media
import numpy as np
import psutil
from gradio_client import Client, handle_file

from harness.browser import CHROMIUM, CHROMIUM_ARGS, free_port
from harness.server import start_app
from transfer.data import PETS_MINI

ROOT = Path(__file__).resolve().parent.parent

LOAD_TIMEOUT = 900  # seconds: the classify load and the training job each stop waiting after this
TRAIN_TIMEOUT = 600  # seconds for the training job to show its test accuracy


def rss_mb(process: subprocess.Popen) -> float:
    return psutil.Process(process.pid).memory_info().rss / 2**20


def classify_load(url: str, clients: int, requests: int) -> tuple[list[float], list[str], int]:
    """Latencies (ms) of successful /classify calls, the errors of failed ones, and the requests never sent.

    Bounded in count (clients x requests) and in time: no request starts after LOAD_TIMEOUT, and threads still busy
    then are daemons that do not keep the script alive.
    """
    photos = [handle_file(gradio.media.get_image(name)) for name in ("lion.jpg", "cheetah.jpg", "tower.jpg")]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + LOAD_TIMEOUT

    def user(index: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as error:
            with lock:
                errors.extend([f"connect {type(error).__name__}: {error}"[:200]] * requests)
            return
        for i in range(requests):
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter()
            try:
                result = client.predict(photos[(index + i) % len(photos)], "tf_efficientnet_lite0",
                                        api_name="/classify")
                assert result["label"], result
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)
            except Exception as error:  # counted and reported, never retried
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:200])

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline + 60 - time.perf_counter()))
    with lock:
        return list(latencies), list(errors), clients * requests - len(latencies) - len(errors)


def training_job(url: str, outcome: dict, started: threading.Event) -> None:
    """One fine-tuning run on pets-mini in headless Chromium, clicking through the Fine-tune tab as a user does."""
    from playwright.sync_api import expect, sync_playwright

    start = time.perf_counter()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(120_000)
                page.goto(url)
                page.get_by_role("tab", name="Fine-tune").click()
                page.get_by_role("textbox", name="Folder").fill(str(PETS_MINI))
                started.set()  # the user is in the tab: start the classify load now
                start = time.perf_counter()
                page.get_by_role("button", name="Load data").click()
                expect(page.get_by_text("37 classes")).to_be_visible(timeout=180_000)
                page.get_by_role("button", name="Next: model and method").click()
                page.get_by_role("button", name="Next: train").click()
                page.get_by_role("button", name="Start training").click()
                outcome["training_started"] = time.perf_counter() - start
                heading = page.get_by_role("heading", name=re.compile(r"Test accuracy: \d+\.\d%"))
                expect(heading).to_be_visible(timeout=TRAIN_TIMEOUT * 1000)
                outcome["accuracy"] = float(re.search(r"(\d+\.\d)%", heading.inner_text()).group(1))
            finally:
                browser.close()
    except Exception as error:
        outcome["error"] = f"{type(error).__name__}: {error}"[:300]
    finally:
        started.set()
        outcome["seconds"] = time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--no-training", action="store_true", help="classify load only")
    args = parser.parse_args()

    port = free_port()
    process, startup = start_app(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        print(f"start-up to first served page: {startup:.1f} s", flush=True)
        warm_latencies, warm_errors, _ = classify_load(url, clients=2, requests=5)
        before = rss_mb(process)
        print(f"resident memory after warm-up: {before:.0f} MB ({len(warm_latencies)} ok, {len(warm_errors)} failed)",
              flush=True)

        training: dict = {}
        trainer = None
        if not args.no_training:
            started = threading.Event()
            trainer = threading.Thread(target=training_job, args=(url, training, started), daemon=True)
            trainer.start()
            started.wait(timeout=120)  # Chromium open on the Fine-tune tab; the job starts with "Load data"
        start = time.perf_counter()
        latencies, errors, unsent = classify_load(url, args.clients, args.requests)
        wall = time.perf_counter() - start
        if trainer:
            trainer.join(timeout=max(1.0, TRAIN_TIMEOUT + 240 - (time.perf_counter() - start)))

        total = args.clients * args.requests
        print(f"\n{args.clients} clients x {args.requests} /classify requests"
              f"{'' if args.no_training else ' while one fine-tuning job runs'}: {wall:.1f} s wall")
        print(f"completed {len(latencies)}/{total}, failed {len(errors)}, not sent (time limit) {unsent}")
        if latencies:
            p50, p95 = np.percentile(latencies, [50, 95])
            print(f"classify latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms")
        for error in sorted(set(errors))[:5]:
            print(f"  error: {error}")
        if trainer:
            if trainer.is_alive():
                print(f"fine-tuning job (browser): NOT FINISHED within {TRAIN_TIMEOUT + 240} s")
            elif "error" in training:
                print(f"fine-tuning job (browser): FAILED after {training['seconds']:.1f} s: {training['error']}")
            else:
                print(f"fine-tuning job (browser): {training['seconds']:.1f} s wall from Load data to the score "
                      f"(training started at {training['training_started']:.1f} s), "
                      f"test accuracy {training['accuracy']:.1f}%")

        time.sleep(3)
        after = rss_mb(process)
        print(f"resident memory after the load: {after:.0f} MB ({(after - before) / before:+.1%} vs after warm-up)")
        time.sleep(30)  # idle: does the memory come back once the browser session is gone?
        idle = rss_mb(process)
        print(f"resident memory after 30 s more idle: {idle:.0f} MB ({(idle - before) / before:+.1%} vs after warm-up)")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
