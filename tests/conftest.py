"""Shared fixtures: the pets-mini data, a running app, and a headless Chromium page."""

from __future__ import annotations

import atexit
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

# Tests never touch the network: a Hub model must fail at once, not after retries.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# The finished images' cache (ui.sessions.RESULTS_FOLDER) starts empty for each test run and is never the user's own.
os.environ["TRANSFER_RESULTS_DIR"] = tempfile.mkdtemp(prefix="transfer-lab-test-results-")
atexit.register(shutil.rmtree, os.environ["TRANSFER_RESULTS_DIR"], ignore_errors=True)

from harness.browser import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402  (after the environment above)
from transfer.data import PETS_FOLDER, PETS_MINI  # noqa: E402
from transfer.models.catalog import DEFAULT_MODEL  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / ".artifacts"
#: The browser tests' languages (the browser's locale for each) and their usual two cases: English on a laptop,
#: German on a phone.
LOCALES = {"en": "en-US", "de": "de-DE"}
LANGUAGE_CASES = [("en", 1366), ("de", 390)]
#: Raw /ideal data for an ideal image that takes minutes: the long job of the queue and limit tests.
LONG_IDEAL = ["Siamese cat, Siamese", "robust", 512, 0.5, 0.05, 0, DEFAULT_MODEL, None]


@pytest.fixture
def new_long_ideal() -> None:
    """Each test's long jobs another image (seed): one kept by an earlier test's run would end them at once."""
    LONG_IDEAL[5] = random.randrange(2, 10**9)


def t(text: str, language: str) -> str:
    """A text as the page shows it in `language`."""
    from ui import i18n

    return i18n.translate(text, language)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what it needs: `browser` (a Chromium page), `api` (the running app, no browser)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "page" in fixtures or "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        elif "app_url" in fixtures:
            item.add_marker(pytest.mark.api)


@pytest.fixture(scope="session")
def pets_root() -> Path:
    """The pets-mini subset of Oxford-IIIT Pet (370 real photos); skips when it is not beside the repo."""
    if not (PETS_MINI / PETS_FOLDER / "annotations" / "test.txt").is_file():
        pytest.skip(f"pets-mini not found at {PETS_MINI} (set TRANSFER_PETS_ROOT to its folder to run this test)")
    return PETS_MINI


@pytest.fixture(scope="session")
def default_run(pets_root):
    """(data, result) of the default training on pets-mini's 37 breeds, for the test modules that only read it."""
    from transfer.data import open_dataset
    from transfer.train import finetune, run

    data = open_dataset(pets_root)
    return data, run(finetune(data))


@pytest.fixture(scope="session")
def pets_images(pets_root) -> list[tuple[Path, str, bool]]:
    """(path, breed, is_cat) for all pets-mini images, from its annotations/list.txt."""
    base = pets_root / "oxford-iiit-pet"
    rows = []
    for line in (base / "annotations" / "list.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _class_id, species, _breed_id = line.split()
        rows.append((base / "images" / f"{name}.jpg", name.rsplit("_", 1)[0], species == "1"))
    return rows


@pytest.fixture(scope="session")
def app_url():
    """The full app, served on a free localhost port for the whole test session; without the start-up precomputation
    (a minute of CPU the tests would wait behind; benchmarks/bench_classroom.py measures it)."""
    from app import build_app, launch

    demo = build_app()
    _, url, _ = launch(demo, precompute=False, server_name="127.0.0.1", server_port=free_port(),
                       prevent_thread_lock=True, quiet=True)
    yield url.rstrip("/")
    demo.close()
    wait_for_app_threads()


def wait_for_app_threads(timeout: float = 180) -> None:
    """Wait until no other thread runs the app's code: a cancelled job still finishes its current step in its worker
    thread, and torch aborts the process ("terminate called without an active exception") if it exits meanwhile."""
    app_code = (str(ROOT / "transfer"), str(ROOT / "ui"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [frame for thread, frame in sys._current_frames().items() if thread != threading.get_ident()]
        if not any(_runs(frame, app_code) for frame in frames):
            return
        time.sleep(0.2)


def _runs(frame, folders: tuple[str, ...]) -> bool:
    """Whether a thread's stack, from `frame` down, has a frame of a file in one of the folders."""
    while frame is not None:
        if frame.f_code.co_filename.startswith(folders):
            return True
        frame = frame.f_back
    return False


def uploaded(path: str | os.PathLike) -> str:
    """A copy of a file in Gradio's upload folder, where an upload through the page puts it (the only place the
    app's handlers accept files from)."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()) / f"test-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    return shutil.copy(path, folder)


@pytest.fixture
def as_upload():
    """uploaded(), with the copies removed after the test."""
    copies: list[str] = []
    yield lambda path: copies.append(uploaded(path)) or copies[-1]
    for copy in copies:
        shutil.rmtree(Path(copy).parent, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skips when Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does) for browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url, request):
    """A fresh page on the app; a full-page screenshot is saved to tests/.artifacts/ after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page_in(browser, app_url):
    """Opens the app (at `path`) in a browser speaking `language`, `width` px wide: page_in("de", 390, "/?tab=ideal");
    its browser context is closed after the test."""
    contexts = []

    def open_page(language: str, width: int, path: str = "/"):
        contexts.append(browser.new_context(viewport={"width": width, "height": 900}, locale=LOCALES[language]))
        page = contexts[-1].new_page()
        page.set_default_timeout(60_000)
        page.goto(app_url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def wizard():
    """The Fine-tune wizard's components, built without a server, offering no server datasets."""
    import gradio as gr

    from ui import finetune

    with gr.Blocks():
        return finetune.layout(gr.State(), {})


def load(wizard, source: str, archive: str | None = None, own: dict[str, list[str]] | None = None,
         session=None, dataset: str | None = None, per_class: float = 0) -> dict:
    """The wizard's 'Check the data' handler as the page calls it: files uploaded first (see uploaded), own classes
    as raw gallery values."""
    from ui import finetune
    from ui.finetune.own_classes import SLOTS

    own = own or {}
    names = list(own) + [""] * (SLOTS - len(own))
    galleries = [[{"image": {"path": uploaded(path)}} for path in photos] for photos in own.values()]
    galleries += [None] * (SLOTS - len(own))
    used = [i < len(own) for i in range(SLOTS)]
    archive = uploaded(archive) if archive else archive
    return finetune.load_data(wizard, {}, source, dataset, "breeds", per_class, archive, session, used, *names,
                              *galleries)
