"""Start `python app.py` as users do, offline, on a localhost port: for the benchmarks that measure a running app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 180  # the longest a start may take before the benchmark gives up


def start_app(port: int, env: dict[str, str] | None = None, log: Path | None = None) -> tuple[subprocess.Popen, float]:
    """Launch the app with `env` added to this process's environment, its output written to `log` (default:
    discarded); return the process and the seconds until its page is served."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    start = time.perf_counter()
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    finally:
        if log is not None:
            output.close()
    while time.perf_counter() - start < START_SECONDS:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process, time.perf_counter() - start
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"the app did not start within {START_SECONDS} s")
