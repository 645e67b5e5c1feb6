"""What the app adds to an ideal image (issue 23: at most 10% over the library): the same images made in this process
and through a running app, alternately, so that the shared machine's noise falls on both.

    python -m benchmarks.bench_ideal_app [--classes lion,pug,monarch] [--steps N]

Starts `python app.py` on a free localhost port, with no finished images kept (an empty results folder), and waits for
its start-up precomputation (the lesson's defaults, which these classes are not), then per class: the library's
`ideal_image` (wall time), then the app's /ideal through gradio_client with the same settings (wall time from submit
to result, previews included). Prints both and the ratio per class and in total. The server is killed at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gradio_client import Client

import transfer
from benchmarks.bench_classroom import wait_for_precomputation
from harness.browser import free_port
from harness.server import start_app
from transfer.synthesis import ideal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", default="lion,pug,monarch", help="ideal-image targets, comma-separated")
    parser.add_argument("--steps", type=int, default=None, help="steps (default: the natural mode's own)")
    args = parser.parse_args()
    defaults = ideal.MODES[ideal.DEFAULT_MODE]
    steps = args.steps or defaults.steps
    log = Path(tempfile.mkstemp(prefix="bench-ideal-app-", suffix=".log")[1])
    port = free_port()
    results = tempfile.TemporaryDirectory(prefix="bench-ideal-app-results-")
    process, _ = start_app(port, {"TRANSFER_RESULTS_DIR": results.name}, log)
    try:
        wait_for_precomputation(log, process, 300)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        ideal.ideal_image("lion", steps=2)  # this process's network loaded and traced, as the app's is
        print(f"{'class':<12} {'library s':>10} {'app s':>8} {'app/library':>12}")
        totals = [0.0, 0.0]
        for name in args.classes.split(","):
            began = time.perf_counter()
            ideal.ideal_image(name, steps=steps)
            library = time.perf_counter() - began
            began = time.perf_counter()
            client.predict(name, ideal.DEFAULT_MODE, steps, defaults.tv_weight, defaults.lr, ideal.SEED.default,
                           transfer.DEFAULT_MODEL, api_name="/ideal")
            app = time.perf_counter() - began
            totals = [totals[0] + library, totals[1] + app]
            print(f"{name:<12} {library:>10.1f} {app:>8.1f} {app / library:>12.2f}", flush=True)
        print(f"{'all':<12} {totals[0]:>10.1f} {totals[1]:>8.1f} {totals[1] / totals[0]:>12.2f}  ({steps} steps)")
    finally:
        process.kill()
        process.wait()
        log.unlink(missing_ok=True)
        results.cleanup()


if __name__ == "__main__":
    main()
