"""Abuse through plain HTTP: forged client addresses, many sessions from one address, oversized bodies and uploads.

The server runs in this test process (conftest's app_url), so psutil.Process() measures the server's memory and
ui.clients.TRUSTED_HOPS can be set for a test. Long jobs are joined and cancelled at once: nothing long is computed.
"""

from __future__ import annotations

import importlib
import time
import uuid
from pathlib import Path

import gradio
import httpx
import pytest
from gradio.utils import get_upload_folder

import app
from conftest import LONG_IDEAL, wait_for_app_threads
from harness import raw_http
from harness.memory import MB, PeakMemory
import transfer
from ui import clients, server, synthesis
from transfer.synthesis.ideal import CLASSIFYING
from ui.hardware import LIMITS

MODEL = transfer.DEFAULT_MODEL
pytestmark = pytest.mark.usefixtures("new_long_ideal")  # conftest: each test's long jobs another image
JSON = {"content-type": "application/json"}


def join(base: str, session: str, forwarded_for: str | None = None) -> tuple[int, object]:
    """A queue join for a long ideal-image job, optionally with an X-Forwarded-For header."""
    body = {"data": LONG_IDEAL, "fn_index": raw_http.fn_index(base, "ideal"), "session_hash": session,
            "event_data": None}
    return raw_http.post_json(base, "queue/join", body, {"x-forwarded-for": forwarded_for} if forwarded_for else None)


def flood(base: str, forwarded_for: list[str | None]) -> tuple[list[tuple[str, str]], list[str]]:
    """One long job per entry, each from a new session: the accepted (session, event id)s and the refusals."""
    accepted, refused = [], []
    for header in forwarded_for:
        session = uuid.uuid4().hex[:12]
        status, answer = join(base, session, header)
        (accepted.append((session, answer["event_id"])) if status == 200 else refused.append(answer["detail"]))
    return accepted, refused


def cancel_all(base: str, accepted: list[tuple[str, str]]) -> None:
    index = raw_http.fn_index(base, "ideal")
    for session, event_id in reversed(accepted):  # waiting ones first
        raw_http.cancel(base, index, session, event_id)


def upload_folder_mb() -> float:
    return server.folder_bytes(Path(get_upload_folder())) / MB


# --- Hole 2: forged X-Forwarded-For ------------------------------------------------------------------------------

def test_the_hooks_were_read_in_the_installed_gradio():
    assert gradio.__version__ == server.TESTED_GRADIO, "Gradio changed: check ui/server.py's hooks, then update it"
    with gradio.Blocks() as demo:
        gradio.Markdown("a block")
    demo.queue()
    assert server.missing_hooks(demo) == [], "Gradio changed its private API: update ui/server.py's hooks"


def test_a_name_the_visitor_chose_comes_back_in_an_error_as_text(app_url):
    """Gradio shows a gr.Error's message as HTML: a name in it must arrive escaped, not as markup."""
    ok, error = raw_http.call(app_url, "ideal", ["<img src=x>", "natural", 1, 0.0, 0.05, 0, transfer.DEFAULT_MODEL])
    assert not ok
    assert "Unknown target class '&lt;img src=x&gt;'." in error and "<img" not in error


@pytest.mark.parametrize("peer, forwarded, hops, client", [
    ("10.0.0.9", ["6.6.6.6"], 0, "10.0.0.9"),  # no proxy: the header is the client's own words
    ("10.0.0.9", ["6.6.6.6, 7.7.7.7", "203.0.113.5"], 1, "203.0.113.5"),  # what the proxy appended, last
    ("10.0.0.9", ["6.6.6.6, 203.0.113.5, 10.0.0.2"], 2, "203.0.113.5"),
    ("10.0.0.9", ["203.0.113.5"], 2, "203.0.113.5"),  # fewer entries than proxies: all came from them
    ("10.0.0.9", [], 1, "10.0.0.9")])
def test_the_client_is_what_the_trusted_proxy_saw(peer, forwarded, hops, client):
    assert clients.forwarded_client(peer, forwarded, hops) == client


@pytest.mark.parametrize("variables, hops", [({}, 0), ({"SPACE_ID": "someone/transfer-lab"}, 1),
                                             ({"SPACE_ID": "someone/transfer-lab", clients.HOPS_VARIABLE: "2"}, 2)])
def test_a_space_trusts_its_proxy_by_default(monkeypatch, variables, hops):
    for name in ("SPACE_ID", clients.HOPS_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    try:
        assert importlib.reload(clients).TRUSTED_HOPS == hops
    finally:
        monkeypatch.undo()
        importlib.reload(clients)


def test_ipv6_clients_count_per_64_network():
    assert clients.address_group("2001:db8:1:2:aaaa::1") == clients.address_group("2001:db8:1:2:bbbb::7")
    assert clients.address_group("2001:db8:1:2::1") != clients.address_group("2001:db8:1:3::1")
    assert clients.address_group("::ffff:192.0.2.7") == "192.0.2.7"
    assert clients.address_group("192.0.2.7") != clients.address_group("192.0.2.8")


def test_forged_forwarded_addresses_count_as_one_client(app_url):
    honest, _ = flood(app_url, [None] * 40)  # one client, many sessions: what one address may hold
    cancel_all(app_url, honest)
    forged, refused = flood(app_url, [f"198.18.{i}.{i + 1}" for i in range(40)])  # the same client, lying
    try:
        assert len(forged) == len(honest) < 40 and len(refused) == 40 - len(forged)
    finally:
        cancel_all(app_url, forged)


def test_behind_a_proxy_the_address_it_appended_counts(app_url, monkeypatch):
    monkeypatch.setattr(clients, "TRUSTED_HOPS", 1)  # as on a Space
    # One IPv6 visitor: forged entries on the left, the proxy's entry on the right varies within their /64.
    forged, refused = flood(app_url, [f"198.18.0.{i}, 2001:db8:0:7::{i + 1:x}" for i in range(20)])
    try:
        assert len(forged) == app.LONG_JOBS_PER_ADDRESS and set(refused) == {app.TOO_MANY_LONG_JOBS}
        other = uuid.uuid4().hex[:12]  # a second visitor still gets a place, and sees it
        status, answer = join(app_url, other, "198.18.0.1, 203.0.113.9")
        assert status == 200
        forged.append((other, answer["event_id"]))
        update = raw_http.first_update(app_url, other)
        assert update["msg"] == "process_starts" or update["rank"] >= 0
    finally:
        cancel_all(app_url, forged)


# --- Hole 3: one address, many sessions ----------------------------------------------------------------------------

def test_one_address_gets_one_long_job_however_many_sessions(app_url):
    accepted, refused = flood(app_url, [None] * 8)
    try:
        assert len(accepted) == app.LONG_JOBS_PER_ADDRESS and refused == [app.TOO_MANY_LONG_JOBS] * 7
        photo = {"path": raw_http.upload(app_url, gradio.media.get_image("lion.jpg")), "meta": raw_http.FILE_META}
        ok, answer = raw_http.call(app_url, "classify", [photo, MODEL])  # quick requests still served
        assert ok and answer[0]["label"].startswith("lion")
    finally:
        cancel_all(app_url, accepted)


def test_the_refusal_is_shown_in_german(app_url):
    accepted, _ = flood(app_url, [None])
    try:
        body = {"data": LONG_IDEAL, "fn_index": raw_http.fn_index(app_url, "ideal"), "session_hash": "de-visitor",
                "event_data": None}
        status, answer = raw_http.post_json(app_url, "queue/join", body, {"accept-language": "de-DE,de"})
        assert status == 400 and answer["detail"].startswith("Sie haben schon einen langen Auftrag")
    finally:
        cancel_all(app_url, accepted)


def test_a_waiting_visitor_is_told_their_place_in_their_language(app_url, monkeypatch):
    """Issue 23: behind another visitor's ideal image (one optimised at a time on a CPU), a German visitor asking for
    another one reads where theirs waits."""
    monkeypatch.setattr(clients, "TRUSTED_HOPS", 1)
    accepted, _ = flood(app_url, ["203.0.113.20"])  # another visitor's ideal image takes the one turn
    try:
        deadline = time.monotonic() + 60
        while synthesis.RESULTS.optimising < LIMITS.synthesis_jobs and time.monotonic() < deadline:
            time.sleep(0.1)
        session = uuid.uuid4().hex[:12]
        another = LONG_IDEAL[:5] + [LONG_IDEAL[5] + 1] + LONG_IDEAL[6:]  # not the same image, which it would share
        ok, event_id = raw_http.join_as(app_url, raw_http.fn_index(app_url, "ideal"), another, session,
                                        {"x-forwarded-for": "203.0.113.21", "accept-language": "de-DE,de"})
        assert ok, event_id
        accepted.append((session, event_id))
        message = raw_http.first_update(app_url, session, ("log", "process_completed"))
        assert message.get("log", "").startswith("Ihr Auftrag ist Nummer 1 in der Warteschlange"), message
    finally:
        cancel_all(app_url, accepted)


def test_similar_photos_waiting_in_their_lane_are_not_announced_as_the_visitor_s_job(app_url):
    """A class's similar photos wait in their own lane while the first ones are classified: each student, whose image
    is done, is not told that "your job is number N in the queue" (the photos fill their panel themselves)."""
    photos, sessions = raw_http.fn_index(app_url, "similar_photos"), [uuid.uuid4().hex[:12] for _ in range(2)]
    with CLASSIFYING:  # the first request holds the lane until the photos may be classified
        joined = [raw_http.join_as(app_url, photos, ["Siamese cat, Siamese", MODEL, None], session)
                  for session in sessions]
        assert all(ok for ok, _ in joined), joined
        time.sleep(1)  # the second is in line behind the first
    for session in sessions:  # each is answered, the second without a popup first
        assert raw_http.first_update(app_url, session, ("log", "process_completed")).get("msg") == "process_completed"


def test_long_jobs_are_the_apps_long_events_and_show_their_queue_place():
    demo = app.build_app()
    groups = {str(fn.concurrency_id): fn for fn in demo.fns.values()}
    assert set(app.LONG_JOBS) <= set(groups)
    for group in app.LONG_JOBS:  # Gradio shows a waiting event's place ("queue: 2/5") unless progress is hidden
        assert groups[group].show_progress != "hidden"


# --- Hole 5: request bodies and the upload cache -------------------------------------------------------------------

BIG_JSON = (b'{"data": ["', b'"], "fn_index": 0, "session_hash": "big"}')  # around a long text


def big_json(megabytes: int):
    """A valid queue join whose one text is `megabytes` MB, sent in 1 MB chunks (the client keeps 1 MB)."""
    block = b"x" * MB
    yield BIG_JSON[0]
    for _ in range(megabytes):
        yield block
    yield BIG_JSON[1]


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
def test_a_300_mb_json_body_is_refused_while_it_streams(app_url, declared):
    headers = JSON | ({"content-length": str(300 * MB + len(b"".join(BIG_JSON)))} if declared else {})
    wait_for_app_threads()  # a job cancelled by an earlier test may still be finishing its step in this process
    with PeakMemory() as memory:
        status, answer = raw_http.stream_body(app_url, "queue/join", big_json(300), headers)
    limit = app.BODY_LIMITS.json_bytes // MB
    assert status == 413 and server.TOO_LARGE.format(megabytes=limit) in answer
    assert memory.extra_mb < 100, f"{memory.extra_mb:.0f} MB"


def test_a_too_large_upload_is_refused_before_it_is_stored(app_url, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as handle:
        handle.truncate(95 * MB)
    before = upload_folder_mb()
    wait_for_app_threads()
    handles = [open(big, "rb") for _ in range(5)]
    try:
        with PeakMemory() as memory:
            response = httpx.post(f"{app_url}/gradio_api/upload", timeout=raw_http.TIMEOUT,
                                  files=[("files", (f"big{i}.bin", handle)) for i, handle in enumerate(handles)])
    finally:
        for handle in handles:
            handle.close()
    limit = app.BODY_LIMITS.upload_bytes // MB
    assert response.status_code == 413 and response.text == server.TOO_LARGE.format(megabytes=limit)
    assert upload_folder_mb() - before < 5 and memory.extra_mb < 100


def test_too_many_files_in_one_upload_are_refused_and_not_kept(app_url):
    before = set(Path(get_upload_folder()).rglob("*"))
    files = [("files", (f"photo{i}.jpg", b"x" * 1000)) for i in range(3 * app.BODY_LIMITS.upload_files)]
    response = httpx.post(f"{app_url}/gradio_api/upload", files=files, timeout=raw_http.TIMEOUT)
    assert response.status_code == 413
    assert response.text == server.TOO_MANY_FILES.format(count=app.BODY_LIMITS.upload_files)
    assert {path for path in Path(get_upload_folder()).rglob("*") if path.is_file()} - before == set()


def test_an_upload_must_declare_its_length(app_url):
    status, answer = raw_http.stream_body(app_url, "upload", iter([b"--x\r\n"] * 3),
                                          {"content-type": "multipart/form-data; boundary=x"})
    assert status == 411 and answer == server.NO_LENGTH


def test_uploads_count_per_address_and_in_the_folder_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "get_upload_folder", lambda: str(tmp_path))
    limits = server.BodyLimits(json_bytes=MB, upload_bytes=100 * MB, upload_files=10, address_upload_bytes=150 * MB,
                               window_seconds=60, folder_bytes=150 * MB)
    guard = server.BodyLimit(None, limits, lambda text, request: text)
    one, other, third = ({"client": (address, 1)} for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"))
    assert guard.upload_refusal(one, 100 * MB) is None
    status, message = guard.upload_refusal(one, 60 * MB)  # 160 MB from one address
    assert status == 429 and message == server.UPLOAD_QUOTA.format(megabytes=100, minutes=1)
    assert guard.upload_refusal(other, 40 * MB) is None
    assert guard.upload_refusal(third, 20 * MB) == (503, server.UPLOADS_FULL)  # 160 MB in the folder
    (tmp_path / "earlier").write_bytes(b"x" * (10 * MB))  # what the folder holds, once measured again
    guard.folder_scan = (float("-inf"), 0)
    assert guard.upload_refusal(third, 140 * MB) is None
    assert guard.upload_refusal(other, 1 * MB) == (503, server.UPLOADS_FULL)


def test_the_page_shows_why_a_second_long_job_waits_not_a_busy_message(app_url, page):
    accepted, _ = flood(app_url, [None])  # this address's one long job, from another tab
    try:
        page.get_by_role("tab", name="Ideal image").click()
        page.get_by_role("button", name="Create ideal image").click()
        toast = page.get_by_test_id("toast-body").filter(has_text="You already have a long job")
        toast.first.wait_for(timeout=60_000)
        assert "This application is currently busy" not in page.locator("body").inner_text()  # not its script
    finally:
        cancel_all(app_url, accepted)
