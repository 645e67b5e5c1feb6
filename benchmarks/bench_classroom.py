"""A class on one running app: N students each classify a photo, make the ideal image the teacher asked for, then
fool the network with a dog photo (issue 23).

    python -m benchmarks.bench_classroom [--students 8] [--variant same|each] [--steps N] [--warm] [--first-start]
                                         [--timeout 300]

Starts `python app.py` on a free localhost port with TRANSFER_TRUSTED_HOPS=1, then runs one thread per student, each a
gradio_client session with its own X-Forwarded-For address (so per-address limits count each student apart): /classify
on a photo, /ideal, then, as the page does, /similar_photos (the real photos most like the target) while /adversarial
runs on a dog photo. `--variant same`: everybody asks for the lesson's defaults (the Siamese cat, the first example
dog made a tabby cat); `each`: every student another ideal-image target and another adversarial target (nothing
identical). `--steps` sets the ideal image's steps (default: the mode's own). Prints p50/p95/max seconds per step and
for the whole journey, the CPU seconds the app and the students' clients used meanwhile (they share the app's cores
here, unlike a class's own computers; the files the app sends are not downloaded), the failures, and when the app
reported its start-up precomputation done. Students start as soon as the page is served, or with `--warm` once the app
reports that precomputation done (a teacher starting the app before the lesson). The app keeps finished images across
starts (ui.sessions.RESULTS_FOLDER); `--first-start` gives it an empty folder, as on its first start. All traffic
stays on 127.0.0.1, every wait is bounded by --timeout, and the server is killed at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import gradio.media
import numpy as np
import psutil
from gradio_client import Client, handle_file

import transfer
from harness.browser import free_port
from harness.server import start_app
from transfer.synthesis import adversarial, ideal
from ui import sessions

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("classify", "ideal", "photos", "adversarial", "journey")
SAME_TARGET = "Siamese cat, Siamese"  # ui/ideal.py's DEFAULT_TARGET, the lesson's
#: Ideal-image targets for `--variant each`, one per student (ImageNet indices), and adversarial targets.
EACH_TARGETS = [1, 9, 71, 130, 207, 292, 340, 388, 409, 417, 430, 472, 530, 559, 605, 717, 779, 817, 850, 949]
EACH_ADVERSARIAL = [281, 285, 287, 291, 293, 301, 309, 311, 321, 330, 335, 339, 345, 355, 360, 370, 380, 385, 390, 399]


def precomputed(log: Path) -> str | None:
    """The app's line saying it has precomputed the lesson's defaults (app.precompute_defaults), if written yet."""
    return next((line for line in log.read_text(errors="replace").splitlines() if "Precomputed" in line), None)


def wait_for_precomputation(log: Path, process: subprocess.Popen, timeout: float) -> str | None:
    """Wait (at most `timeout` s, while the app runs) for its line saying the lesson's defaults are precomputed."""
    deadline = time.perf_counter() + timeout
    while precomputed(log) is None and time.perf_counter() < deadline and process.poll() is None:
        time.sleep(1)
    return precomputed(log)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far, all its threads."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def dog_photo() -> str:
    """The first example dog photo the Adversarial tab offers (pets-mini), else Gradio's cheetah."""
    from ui.common import dog_examples
    return dog_examples()[0]


def student(index: int, url: str, variant: str, steps: int | None, timeout: float,
            times: dict[str, list[float]], errors: list[str], lock: threading.Lock) -> None:
    """One student's journey; their step times go to `times`, failures to `errors`."""
    start = time.perf_counter()
    defaults = ideal.MODES[ideal.DEFAULT_MODE]
    target = SAME_TARGET if variant == "same" else EACH_TARGETS[index % len(EACH_TARGETS)]
    goal = adversarial.DEFAULT_TARGET if variant == "same" else EACH_ADVERSARIAL[index % len(EACH_ADVERSARIAL)]
    eps = adversarial.EPS.default
    calls = {
        "classify": ((handle_file(gradio.media.get_image("cheetah.jpg")), transfer.DEFAULT_MODEL), "/classify"),
        "ideal": ((str(target), ideal.DEFAULT_MODE, steps or defaults.steps, defaults.tv_weight, defaults.lr,
                   ideal.SEED.default, transfer.DEFAULT_MODEL), "/ideal"),
        "photos": ((str(target), transfer.DEFAULT_MODEL), "/similar_photos"),
        "adversarial": ((handle_file(dog_photo()), str(goal), adversarial.STEPS.default, adversarial.TV_WEIGHT.default,
                         eps, adversarial.default_lr(eps), transfer.DEFAULT_MODEL, 0), "/adversarial")}

    def timed(step: str, began: float) -> Callable[[object], None]:
        def record(_job: object) -> None:
            with lock:
                times[step].append(time.perf_counter() - began)
        return record

    try:
        # the files it is sent (previews, images) are not downloaded: gradio_client makes a TLS context for each,
        # which cost these clients, on the app's own cores, more CPU than the app spent on the ideal image
        client = Client(url, verbose=False, headers={"X-Forwarded-For": f"10.23.0.{index + 1}"}, download_files=False)
        pending = []
        for step, (arguments, api_name) in calls.items():
            job = client.submit(*arguments, api_name=api_name)
            job.add_done_callback(timed(step, time.perf_counter()))
            pending.append(job)
            if step != "photos":  # the page shows them whenever they come, while the student goes on
                job.result(timeout=timeout)
        for job in pending:
            job.result(timeout=timeout)
        with lock:
            times["journey"].append(time.perf_counter() - start)
    except Exception as error:  # reported with the figures
        with lock:
            errors.append(f"student {index + 1}: {type(error).__name__}: {error}"[:300])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--variant", choices=("same", "each"), default="same")
    parser.add_argument("--steps", type=int, default=None, help="ideal-image steps (default: the mode's own)")
    parser.add_argument("--warm", action="store_true", help="start the students once the app has precomputed the "
                        "lesson's defaults (at most --timeout seconds)")
    parser.add_argument("--first-start", action="store_true", help="the app starts with no finished images kept")
    parser.add_argument("--timeout", type=float, default=300, help="seconds any one request may take")
    args = parser.parse_args(argv)
    log = Path(tempfile.mkstemp(prefix="bench-classroom-", suffix=".log")[1])
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-classroom-results-") as empty:
        results = Path(empty) if args.first_start else sessions.RESULTS_FOLDER
        kept = sum(1 for _ in results.glob("*/meta.json"))
        process, startup = start_app(port, {"TRANSFER_TRUSTED_HOPS": "1", "TRANSFER_RESULTS_DIR": str(results)}, log)
        run(args, log, port, process, startup, kept)


def run(args: argparse.Namespace, log: Path, port: int, process: subprocess.Popen, startup: float, kept: int) -> None:
    """The students' journeys on the started app, then the figures."""
    served = time.perf_counter()
    print(f"app served its page after {startup:.1f} s, with {kept} finished images in its results folder; "
          f"{args.students} students, variant {args.variant}, {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.warm:
        line = wait_for_precomputation(log, process, args.timeout)
        print(f"students start {time.perf_counter() - served:.0f} s after the page was served: " +
              (line or "no precomputation reported"))
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list[str] = []
    lock = threading.Lock()
    began = time.perf_counter()
    app_cpu, students_cpu = cpu_seconds(process.pid), cpu_seconds(os.getpid())
    try:
        threads = [threading.Thread(target=student, daemon=True,
                                    args=(i, f"http://127.0.0.1:{port}/", args.variant, args.steps, args.timeout,
                                          times, errors, lock)) for i in range(args.students)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * args.timeout + 60)
        wall = time.perf_counter() - began
        app_cpu, students_cpu = cpu_seconds(process.pid) - app_cpu, cpu_seconds(os.getpid()) - students_cpu
    finally:
        process.kill()
        process.wait()
    print(f"\n{'step':<12} {'done':>5} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
    for step in STEPS:
        values = times[step]
        if values:
            p50, p95 = np.percentile(values, [50, 95])
            print(f"{step:<12} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {max(values):>8.1f}")
        else:
            print(f"{step:<12} {0:>5} {'-':>8} {'-':>8} {'-':>8}")
    print(f"wall time {wall:.0f} s; CPU time meanwhile: the app {app_cpu:.0f} s, the students' clients (this "
          f"process, sharing the app's cores) {students_cpu:.0f} s")
    print("app: " + (precomputed(log) or "no start-up precomputation reported"))
    for error in errors:
        print("FAILED", error)
    log.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
