"""Hostile images and attacks against the running app: the server's time, CPU, memory and disk for each, side by side.

    python -m benchmarks.bench_abuse [--endpoints classify explain adversarial] [--ideal-jobs 40] [--skip-images]
                                     [--attacks 1 2 3 4 5 6 7] [--references 2000] [--bomb-mb MB] ...

For each image, starts a fresh `python app.py` on a free localhost port, warms it up with an ordinary photo on
every endpoint, then uploads the hostile image with plain HTTP and calls each endpoint once, sampling the server's
resident memory every 10 ms. Prints, per image and endpoint, the answer (ok or the message), the wall time, and the
peak resident memory above the warmed-up server's. Then, on one more fresh server, runs --ideal-jobs ideal-image
jobs one after another (16 robust steps each) and prints its resident memory as they go: memory a job does not give
back adds up (--skip-images skips both).

Then the security round of issue 19: each attack group on a fresh server (behind a proxy, as on a Space: PROXY_ENV;
its own TMPDIR, so that its session folders, Gradio's upload folder and its outputs folder are one folder to measure).
Before the attacks a victim session (its own session_hash, so the server keeps its gr.State) loads 2 x 4 photos as
own classes and trains the default model; before each attack it queues a short ideal-image job. Per attack: the
answer, seconds, server CPU seconds, peak resident memory and disk above the server's before it, and whether the
victim's job completed and its model still answers in its session, against the bars in BARS. All traffic stays on
127.0.0.1; every request has a time limit and each server is killed at the end.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import gradio.media
import httpx
import psutil

from harness import raw_http
from harness.browser import free_port
from harness.corpus import BOMB_BYTES, bmp_bomb_zip, float_tiff, hostile_shapes, huge_json_body, large_png, zero_files
from harness.memory import MB, PeakMemory
from harness.server import start_app
from transfer.data import pets_images
from ui.hardware import LIMITS

ROOT = Path(__file__).resolve().parent.parent

MODEL = "tf_efficientnet_lite0"
ARGUMENTS = {"classify": lambda photo: [photo, MODEL], "explain": lambda photo: [photo, MODEL, "blocks.0"],
             "adversarial": lambda photo: [photo, "tabby, tabby cat", 1, 0, 2, 0.5, MODEL, 0]}


def images(folder: Path) -> dict[str, Path]:
    """An ordinary photo for reference, then the hostile-input corpus's costly shapes."""
    return {"photo 502x343 JPEG (reference)": Path(gradio.media.get_image("cheetah.jpg")),
            **hostile_shapes(folder)}


def measure(path: Path, reference: Path, endpoints: list[str]) -> list[tuple[str, float, float, str]]:
    """(endpoint, seconds, peak extra MB, answer) for one image on a fresh, warmed-up server."""
    port = free_port()
    process, _ = start_app(port)
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


def hostile_images(endpoints: list[str]) -> None:
    """The hostile-image table: each image on a fresh server, every endpoint."""
    with tempfile.TemporaryDirectory() as folder:
        files = images(Path(folder))
        reference = next(iter(files.values()))
        print(f"load: {os.getloadavg()[0]:.1f}; server memory: peak resident above the warmed-up server's\n")
        print(f"| image | file | {' | '.join(f'{e}: s, MB' for e in endpoints)} | answer |")
        print("|---|---|" + "---|" * len(endpoints) + "---|")
        for name, path in files.items():
            rows = measure(path, reference, endpoints)
            cells = " | ".join(f"{seconds:.1f} s, {mb:.0f} MB" for _, seconds, mb, _ in rows)
            answers = sorted({answer[:90] for *_, answer in rows})
            print(f"| {name} | {path.stat().st_size / 1024:.0f} KB | {cells} | {'; '.join(answers)} |", flush=True)


def repeated_ideal_jobs(jobs: int) -> list[tuple[int, float]]:
    """(jobs done, server resident MB) after 0, 10, 20, ... ideal-image jobs on one fresh server."""
    port = free_port()
    process, _ = start_app(port)
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


# --- Security round 3 (issue 19): each attack beside a victim session, on a fresh server -------------------------

#: Bars each attack must stay within, above the warmed-up server: peak memory (MB), disk (MB), server CPU (s).
BARS = {"memory": 500, "disk": 200, "cpu": 10}
#: A Space's setting: one trusted proxy, 127.0.0.1 (this benchmark), which appends each client's real address to
#: X-Forwarded-For (ui/clients.py). FORWARDED_ALLOW_IPS=*, the README's earlier advice, stays set: it must not help.
PROXY_ENV = {"TRANSFER_TRUSTED_HOPS": "1", "FORWARDED_ALLOW_IPS": "*"}
VICTIM, NEWCOMER, ATTACKER = "203.0.113.9", "203.0.113.50", "198.51.100.7"  # documentation addresses (RFC 5737)
LONG_IDEAL = ["Siamese cat, Siamese", "robust", 512, 0.5, 0.05, 0, MODEL, None]  # minutes of work each
HUB_NAME = "eva_giant_patch14_224"  # a timm name outside the catalog: weights of about 4 GB from the Hub
HTML_NAME = "<img src=http://x/y.png>"  # an own class's name
HTML_FOLDER = "<img src=x onerror=alert(1)>"  # a zip's class folder (a folder name holds no slash)
ATTACK_SECONDS = 600  # the longest the bench waits for one attack's answer (it is then reported as unanswered)


def forwarded(address: str, spoofed: str | None = None) -> dict[str, str]:
    """The X-Forwarded-For a proxy passes on: what the client sent (a spoofed address), then the client's address."""
    return {"X-Forwarded-For": f"{spoofed}, {address}" if spoofed else address}


def disk_bytes(folder: Path) -> int:
    """Bytes on disk (allocated blocks) of every file under `folder`."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:  # deleted meanwhile
                pass
    return total


class Server:
    """A fresh `python app.py` behind the "proxy" 127.0.0.1, with a temporary folder of its own (TMPDIR): its
    session folders, Gradio's upload folder and its outputs folder all live there, so the server's disk use is the
    bytes under that folder. Finds the Fine-tune events in the page's config. Killed and removed on exit."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-abuse-server-"))
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        folders = {"TMPDIR": str(self.tmp), "GRADIO_TEMP_DIR": str(self.tmp / "gradio")}
        self.process, _ = start_app(port, {**PROXY_ENV, **folders})
        try:
            config = httpx.get(f"{self.base}/config", timeout=60).json()
            self.components = {c["id"]: c for c in config["components"]}
            self.events = config["dependencies"]
            self.classify = self.event(api_name="classify")["id"]
            self.ideal = self.event(api_name="ideal")["id"]
            self.load = self.event(writes="finetune-report")
            self.train = self.event(writes="finetune-status")
            models = [e["id"] for e in self.events if e.get("queue") is False and len(e["inputs"]) == 1
                      and self.kind(e["inputs"][0]) == "state" and len(e["outputs"]) > 1
                      and all(self.kind(i) == "dropdown" for i in e["outputs"])]
            if not models:
                raise SystemExit("no event in the app's config refreshes the model lists from the session")
            self.models = models[0]
        except BaseException:
            self.__exit__()
            raise

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def kind(self, component: int) -> str:
        return self.components[component]["type"]

    def event(self, api_name: str | None = None, writes: str | None = None) -> dict:
        """The queued event with this api_name, or that writes the component with this elem_id."""
        for event in self.events:
            ids = [self.components[i].get("props", {}).get("elem_id") for i in event["outputs"]]
            if event.get("queue") is not False and (api_name and event.get("api_name") == api_name
                                                    or writes and writes in ids):
                return event
        raise SystemExit(f"no event {api_name or writes} in the app's config")

    def defaults(self, event: dict) -> list:
        """The page's initial values of an event's inputs (None for the session state: the server keeps it)."""
        return [self.components[i].get("props", {}).get("value") for i in event["inputs"]]

    def rendered_as_html(self, event: dict, data: list) -> list:
        """The outputs of `event` that the page renders as Markdown or HTML (table cells and captions are text)."""
        kinds = [self.components[i]["type"] for i in event["outputs"]]
        return [value for kind, value in zip(kinds, data) if kind in ("markdown", "html")]

    def data_request(self, own: list[tuple[str, list[dict]]] | None = None, archive: dict | None = None) -> list:
        """The "Check the data" event's inputs for own classes (name, uploaded photo items) or a zip upload."""
        data, inputs = self.defaults(self.load), self.load["inputs"]
        elem = {self.components[i].get("props", {}).get("elem_id"): n for n, i in enumerate(inputs)}
        names = [n for n, i in enumerate(inputs) if self.kind(i) == "textbox"]
        galleries = [n for n, i in enumerate(inputs) if self.kind(i) == "gallery"]
        session, used = [n for n, i in enumerate(inputs) if self.kind(i) == "state"]  # the app's, the cards' in use
        data[session] = None
        if archive is not None:
            data[elem["finetune-source"]], data[elem["finetune-zip"]] = "zip", archive
            return data
        own = own or []
        data[elem["finetune-source"]] = "own"
        data[used] = [slot < len(own) for slot in range(len(galleries))]
        for slot, (name, photos) in enumerate(own):
            data[names[slot]], data[galleries[slot]] = name, photos
        return data

    def upload(self, path: Path) -> dict:
        return {"path": raw_http.upload(self.base, path), "meta": raw_http.FILE_META}

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system + times.children_user + times.children_system

    def rss(self) -> int:
        return psutil.Process(self.process.pid).memory_info().rss


def gallery(photos: list[dict]) -> list[dict]:
    """Uploaded photos as a gallery's raw value."""
    return [{"image": photo, "caption": None} for photo in photos]


def victim_photos() -> list[Path]:
    """2 x 4 small photos: cats and dogs of pets-mini when present, else photos that ship with Gradio."""
    images = pets_images()
    photos = sorted(images.glob("Abyssinian_*.jpg"))[:4] + sorted(images.glob("beagle_*.jpg"))[:4]
    names = ("cheetah.jpg", "cheetah1.jpg", "lion.jpg", "groot.jpeg", "bus.png", "tower.jpg", "logo.png", "avatar.png")
    return photos if len(photos) == 8 else [Path(gradio.media.get_image(name)) for name in names]


@dataclass
class Victim:
    """A visitor who trained a model before the attack: its session, its model and the cost of its queued job."""

    session: str
    model: str  # its fine-tuned model's folder, as the page's model lists offer it
    photo: dict
    job: list  # an ideal-image job it places in the queue before each attack
    job_cpu: float  # server CPU seconds that job takes on the warm server


def wait(server: Server, joined: tuple[bool, str], session: str,
         timeout: float = raw_http.TIMEOUT) -> tuple[bool, object]:
    """The result of a queue join (or its refusal)."""
    return raw_http.result_of(server.base, session, joined[1], timeout) if joined[0] else joined


def victim_setup(server: Server, photos: list[Path], steps: int) -> Victim:
    """Load the victim's 2 x 4 photos as own classes, train the page's default model and method, find the model in
    the session's model list (as the page does after training), classify with it, and measure its queued job (which
    also warms the server up)."""
    session, headers = uuid.uuid4().hex[:12], forwarded(VICTIM)
    uploaded = [server.upload(path) for path in photos]
    data = server.data_request(own=[("cats", gallery(uploaded[:4])), ("dogs", gallery(uploaded[4:]))])
    for event, inputs in ((server.load, data), (server.train, server.defaults(server.train))):
        inputs[[server.kind(i) for i in event["inputs"]].index("state")] = None
        ok, answer = wait(server, raw_http.join_as(server.base, event["id"], inputs, session, headers), session, 900)
        if not ok:
            raise SystemExit(f"the victim's {'training' if event is server.train else 'data'} failed: {answer}")
    ok, updates = raw_http.run_as(server.base, server.models, [None], session)
    runs = [value for _, value in (updates[0].get("choices") or []) if "run-" in str(value)] if ok else []  # folders
    if not runs:
        raise SystemExit(f"the victim's model is not in its model list: {updates}")
    victim = Victim(session, runs[0], uploaded[0], ["zebra", "robust", steps, 0.5, 0.05, 0, MODEL, None], 0.0)
    ok, answer = victim_classifies(server, victim)
    if not ok:
        raise SystemExit(f"the victim's model does not answer: {answer}")
    for _ in range(2):  # the first run also loads the network: the second is what the job costs
        before = server.cpu()
        ok, answer = wait(server, victim_queues(server, victim), session)
        if not ok:
            raise SystemExit(f"the victim's ideal-image job failed: {answer}")
        victim.job_cpu = server.cpu() - before
    return victim


def victim_queues(server: Server, victim: Victim) -> tuple[bool, str]:
    return raw_http.join_as(server.base, server.ideal, victim.job, victim.session, forwarded(VICTIM))


def victim_classifies(server: Server, victim: Victim) -> tuple[bool, object]:
    """The victim's fine-tuned model classifies a photo in the victim's session."""
    joined = raw_http.join_as(server.base, server.classify, [victim.photo, victim.model, None], victim.session,
                              forwarded(VICTIM))
    return wait(server, joined, victim.session, 120)


def short(text: object, length: int = 110) -> str:
    """A message fit for a table cell."""
    text = " ".join(str(text).replace("|", "/").split())
    return text if len(text) <= length else text[:length - 3] + "..."


def verdict(ok: bool, answer: object) -> str:
    """'accepted: ' and the first output (its label, for a classification), or 'refused: ' and the message."""
    if not ok:
        return f"refused: {short(answer)}"
    first = answer[0] if isinstance(answer, list) and answer else answer
    return f"accepted: {short(first.get('label', first) if isinstance(first, dict) else first)}"


def newcomer(server: Server, photo: dict) -> str:
    """A second visitor from another address asks for one classification after the attack."""
    session = uuid.uuid4().hex[:12]
    joined = raw_http.join_as(server.base, server.classify, [photo, MODEL, None], session, forwarded(NEWCOMER))
    if not joined[0]:
        return f"refused ({short(joined[1], 60)})"
    ok, answer = wait(server, joined, session, 120)
    return "served" if ok else f"failed ({short(answer, 60)})"


# Each attack takes the server and returns the answer it got, as text.

def own_classes_amplification(server: Server, path: Path, references: int) -> str:
    """One uploaded file referenced `references` times in one "Check the data" request (two classes)."""
    photo = server.upload(path)
    half = references // 2
    classes = [("cats", gallery([photo] * half)), ("dogs", gallery([photo] * (references - half)))]
    data = server.data_request(own=classes)
    session = uuid.uuid4().hex[:12]
    joined = raw_http.join_as(server.base, server.load["id"], data, session)
    return verdict(*wait(server, joined, session, ATTACK_SECONDS))


def queue_flood(server: Server, photo: dict, sessions: int, jobs: int, spoofed: bool) -> str:
    """Long ideal-image jobs: `jobs` joins from each of `sessions` sessions, all from one address, each join with a
    different spoofed X-Forwarded-For when `spoofed`; then a newcomer from another address."""
    accepted, refusals, names = 0, set(), [uuid.uuid4().hex[:12] for _ in range(sessions)]
    for n in range(sessions * jobs):
        session = uuid.uuid4().hex[:12] if spoofed else names[n // jobs]
        headers = forwarded(ATTACKER, f"10.{n // 250}.{n % 250}.1" if spoofed else None)
        ok, detail = raw_http.join_as(server.base, server.ideal, LONG_IDEAL, session, headers)
        accepted += ok
        refusals |= set() if ok else {short(detail, 50)}
    refused = f" ({'; '.join(sorted(refusals))})" if refusals else ""
    return f"{accepted}/{sessions * jobs} joins accepted{refused}; newcomer {newcomer(server, photo)}"


def zip_loads(server: Server, archive: Path, loads: int) -> str:
    """The same dataset zip loaded by `loads` sessions at once."""
    joins = []
    for _ in range(loads):
        session = uuid.uuid4().hex[:12]
        data = server.data_request(archive=server.upload(archive))
        joins.append((session, raw_http.join_as(server.base, server.load["id"], data, session)))
    answers = [wait(server, joined, session, ATTACK_SECONDS) for session, joined in joins]
    return f"{sum(ok for ok, _ in answers)}/{loads} loads; " + "; ".join(sorted({verdict(*a) for a in answers}))


def big_upload(server: Server, files: list[Path]) -> str:
    """Several large files in one upload request."""
    try:
        response = raw_http.upload_many(server.base, files)
    except httpx.HTTPError as error:
        return f"refused: {type(error).__name__}: {short(error)}"
    return f"HTTP {response.status_code}: {short(response.text, 90)}"


def big_body(server: Server, size: int) -> str:
    """A JSON body of `size` bytes to the queue's join, streamed."""
    fields = {"fn_index": server.classify, "session_hash": uuid.uuid4().hex[:12], "event_data": None}
    try:
        response = raw_http.post_streamed(server.base, "/gradio_api/queue/join", huge_json_body(size, fields),
                                          {"Content-Type": "application/json"})
    except httpx.HTTPError as error:
        return f"refused: {type(error).__name__}: {short(error)}"
    return f"HTTP {response.status_code}: {short(response.text, 90)}"


def classify_answer(server: Server, photo: dict, model: str) -> str:
    return verdict(*raw_http.call(server.base, "classify", [photo, model]))


def same_message(server: Server, photo: dict, models: tuple[str, str]) -> str:
    """Whether two model names get the same answer (a folder that exists vs one that does not)."""
    answers = [raw_http.call(server.base, "classify", [photo, model]) for model in models]
    same = "same message" if answers[0] == answers[1] else "DIFFERENT messages"
    return f"{same}: " + "; ".join(f"{model!r} {verdict(*answer)}" for model, answer in zip(models, answers))


def html_class_names(server: Server, photos: list[Path], folder: Path) -> str:
    """A class named with HTML, as an own class and as a zip folder: refused, or is raw HTML sent back where the page
    renders HTML (a message, or a Markdown output)?"""
    items = gallery([server.upload(path) for path in photos])
    archive = folder / "html_class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for n, path in enumerate(photos):
            zipped.write(path, f"{HTML_FOLDER if n < 4 else 'dogs'}/{n}.jpg")
    answers = []
    for kind, data in (("own class", server.data_request(own=[(HTML_NAME, items[:4]), ("dogs", items[4:])])),
                       ("zip folder", server.data_request(archive=server.upload(archive)))):
        session = uuid.uuid4().hex[:12]
        ok, answer = wait(server, raw_http.join_as(server.base, server.load["id"], data, session), session)
        raw = "<img" in json.dumps(server.rendered_as_html(server.load, answer) if ok else answer)
        answers.append(f"{kind}: {'accepted' if ok else 'refused'}, raw HTML sent back: {'YES' if raw else 'no'}"
                       + ("" if ok else f" ({short(answer, 70)})"))
    return "; ".join(answers)


@dataclass
class Row:
    attack: str
    answer: str
    seconds: float
    cpu: float
    memory: float  # MB
    disk: float  # MB
    victim: str
    survived: bool

    def markdown(self) -> str:
        def bar(value: float, limit: float, unit: str) -> str:
            return f"{value:+.0f} {unit} {'✓' if value <= limit else '✗'}" if unit else \
                f"{value:.1f} {'✓' if value <= limit else '✗'}"
        return (f"| {self.attack} | {self.answer} | {self.seconds:.1f} | {bar(self.cpu, BARS['cpu'], '')} | "
                f"{bar(self.memory, BARS['memory'], 'MB')} | {bar(self.disk, BARS['disk'], 'MB')} | {self.victim} "
                f"{'✓' if self.survived else '✗'} |")


def attack_row(server: Server, victim: Victim, name: str, attack) -> Row:
    """Place the victim's job, run the attack while sampling the server, then check that the victim's job completed
    and its model still answers. CPU runs until the victim's job ended, less that job's own cost."""
    queued = victim_queues(server, victim)
    disk, cpu, rss = disk_bytes(server.tmp), server.cpu(), server.rss()
    start = time.perf_counter()
    with PeakMemory(server.process.pid) as memory:
        try:
            answer = attack()
        except Exception as error:  # a refused connection, a dead server, a timeout: all results
            answer = f"{type(error).__name__}: {short(error)}"
        seconds = time.perf_counter() - start
        job = wait(server, queued, victim.session) if server.alive else (False, "server died")
    if not server.alive:
        return Row(name, f"SERVER DIED; {answer}", seconds, float("nan"), memory.peak / MB - rss / MB, 0,
                   "server died", False)
    cpu = server.cpu() - cpu - (victim.job_cpu if job[0] else 0)
    extra_disk = (disk_bytes(server.tmp) - disk) / MB
    model = victim_classifies(server, victim)
    state = (f"job {f'done ({victim.job_cpu:.1f} s CPU)' if job[0] else 'FAILED: ' + short(job[1], 50)}; model "
             f"{'answers' if model[0] else 'FAILED: ' + short(model[1], 50)}")
    return Row(name, answer, seconds, max(cpu, 0.0), max(0, memory.peak - rss) / MB, extra_disk, state,
               job[0] and model[0])


def attack_groups(args: argparse.Namespace, folder: Path) -> dict[str, list[tuple[str, object]]]:
    """Attacks by group (one fresh server each): (row name, function of (server, photo, photos) -> answer)."""
    big_png = large_png(folder / "40mp.png")
    groups = {
        "1": [(f"1a own classes: one photo x {args.references}",
               lambda s, photo, photos: own_classes_amplification(s, photos[0], args.references)),
              (f"1b own classes: 40 MP PNG ({big_png.stat().st_size / MB:.1f} MB) x {args.large_references}",
               lambda s, photo, photos: own_classes_amplification(s, big_png, args.large_references))],
        "2": [(f"2 spoofed X-Forwarded-For: {args.spoofed} long jobs",
               lambda s, photo, photos: queue_flood(s, photo, args.spoofed, 1, spoofed=True))],
        "3": [(f"3 one address, {args.sessions} sessions x {args.jobs} long jobs",
               lambda s, photo, photos: queue_flood(s, photo, args.sessions, args.jobs, spoofed=False))],
        "5": [(f"5a one upload of {args.upload_files} x {args.upload_mb} MB",
               lambda s, photo, photos: big_upload(s, zero_files(folder / "zeros", args.upload_files,
                                                                 args.upload_mb * MB))),
              (f"5b {args.body_mb} MB JSON body to queue/join",
               lambda s, photo, photos: big_body(s, args.body_mb * MB))],
        "6": [(f"6 Hub model {HUB_NAME!r} in classify",
               lambda s, photo, photos: classify_answer(s, photo, HUB_NAME))],
        "7": [("7a 40 MP float32 TIFF to classify",
               lambda s, photo, photos: classify_answer(s, s.upload(float_tiff(folder / "float.tif")), MODEL)),
              ("7b model 'tests' vs 'nonexistent_dir'",
               lambda s, photo, photos: same_message(s, photo, ("tests", "nonexistent_dir"))),
              (f"7c class named {HTML_NAME!r}, zip folder {HTML_FOLDER!r}",
               lambda s, photo, photos: html_class_names(s, photos, folder))],
    }
    if "4" in args.attacks:
        bomb = bmp_bomb_zip(folder / "bmp_bomb.zip", args.bomb_mb * MB)
        with zipfile.ZipFile(bomb) as zipped:
            unpacked = sum(info.file_size for info in zipped.infolist())
        groups["4"] = [(f"4 zip of BMPs {bomb.stat().st_size / MB:.0f} MB -> {unpacked / MB:.0f} MB, "
                        f"{args.bomb_loads} sessions", lambda s, photo, photos: zip_loads(s, bomb, args.bomb_loads))]
    return {group: groups[group] for group in sorted(args.attacks)}


def security_round(args: argparse.Namespace) -> None:
    """Every chosen attack group on a fresh server with a victim session; prints the table as rows come in."""
    print(f"\n## Security round 3 (issue 19)\n\nload: {os.getloadavg()[0]:.1f}. Each group on a fresh server "
          f"(TRANSFER_TRUSTED_HOPS=1 and FORWARDED_ALLOW_IPS=*: 127.0.0.1 plays a Space's proxy) with a victim session that trained the default model on 2 x 4 photos and "
          f"queues a {args.victim_steps}-step ideal-image job just before each attack. Server CPU: from the attack's "
          "start until the victim's job ended, less that job's own cost; memory: peak resident above the server's "
          "before the attack; disk: bytes in the server's temporary folder (sessions, Gradio uploads, outputs) "
          f"after minus before. Bars: CPU <= {BARS['cpu']} s, memory <= +{BARS['memory']} MB, disk <= "
          f"+{BARS['disk']} MB, victim's job done and model answering.\n")
    print("| attack | answer | s | server CPU s | peak memory | disk | victim |")
    print("|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as name:
        folder = Path(name)
        photos = victim_photos()
        for group, attacks in attack_groups(args, folder).items():
            with Server() as server:
                victim = victim_setup(server, photos, args.victim_steps)
                for row_name, attack in attacks:
                    row = attack_row(server, victim, row_name, functools.partial(attack, server, victim.photo, photos))
                    print(row.markdown(), flush=True)
                    if not server.alive:
                        break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", nargs="+", default=list(ARGUMENTS), choices=list(ARGUMENTS))
    parser.add_argument("--ideal-jobs", type=int, default=40, help="ideal-image jobs in a row (0: skip)")
    parser.add_argument("--skip-images", action="store_true",
                        help="skip the hostile-image table and the ideal-jobs run (only the security round)")
    security = parser.add_argument_group("security round 3 (issue 19): which attacks, and how big")
    security.add_argument("--attacks", nargs="*", default=list("1234567"), choices=list("1234567"),
                          help="attack groups to run, each on a fresh server (none: skip the round)")
    security.add_argument("--references", type=int, default=2000, help="1a: references to one photo")
    security.add_argument("--large-references", type=int, default=400, help="1b: references to a 40 MP PNG")
    security.add_argument("--spoofed", type=int, default=LIMITS.queue_size + 1,
                          help="2: joins with spoofed X-Forwarded-For (default: the queue's size, plus one for the "
                               "job that may already run)")
    security.add_argument("--sessions", type=int, default=8, help="3: sessions from one address")
    security.add_argument("--jobs", type=int, default=4, help="3: long jobs each session joins")
    security.add_argument("--bomb-mb", type=int, default=BOMB_BYTES // MB, help="4: MB the zip of BMPs unpacks to")
    security.add_argument("--bomb-loads", type=int, default=3, help="4: sessions that load it")
    security.add_argument("--upload-files", type=int, default=5, help="5a: files in one upload request")
    security.add_argument("--upload-mb", type=int, default=95, help="5a: MB per file")
    security.add_argument("--body-mb", type=int, default=300, help="5b: MB of the JSON body")
    security.add_argument("--victim-steps", type=int, default=8, help="steps of the victim's queued job")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so that `finally` kills the servers
    if not args.skip_images:
        hostile_images(args.endpoints)
        if args.ideal_jobs:
            figures = ", ".join(f"{done}: {mb:.0f} MB" for done, mb in repeated_ideal_jobs(args.ideal_jobs))
            print(f"\nserver resident memory after N ideal-image jobs (16 steps each): {figures}")
    if args.attacks:
        security_round(args)


if __name__ == "__main__":
    main()
