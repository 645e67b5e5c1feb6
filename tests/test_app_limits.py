"""One client cannot hold the app: queue places per client, the sliders' ranges, time limits, memory."""

from __future__ import annotations

import uuid

import gradio.media
import pytest

import app
from conftest import LONG_IDEAL
from harness import raw_http
import transfer
from transfer.synthesis import adversarial
from ui import adversarial as adversarial_tab
from ui import ideal as ideal_tab
from ui import synthesis

MODEL = transfer.DEFAULT_MODEL
LION = gradio.media.get_image("lion.jpg")
pytestmark = pytest.mark.usefixtures("new_long_ideal")  # conftest: each test's long jobs another image


def flood(base: str, joins: int, same_session: bool) -> tuple[list[tuple[str, str]], list[str]]:
    """Join the queue `joins` times with long jobs; returns the accepted (session, event id)s and the refusals."""
    index = raw_http.fn_index(base, "ideal")
    shared = uuid.uuid4().hex[:12]
    accepted, refused = [], []
    for _ in range(joins):
        session = shared if same_session else uuid.uuid4().hex[:12]
        ok, detail = raw_http.join_only(base, index, LONG_IDEAL, session)
        (accepted.append((session, detail)) if ok else refused.append(detail))
    return accepted, refused


def cancel_all(base: str, accepted: list[tuple[str, str]]) -> None:
    index = raw_http.fn_index(base, "ideal")
    for session, event_id in reversed(accepted):  # waiting ones first, so the running one is not replaced
        raw_http.cancel(base, index, session, event_id)


@pytest.mark.parametrize("same_session, limit", [(True, app.JOBS_PER_SESSION), (False, app.JOBS_PER_ADDRESS)])
def test_one_client_cannot_fill_the_queue(app_url, monkeypatch, same_session, limit):
    monkeypatch.setattr(app, "LONG_JOBS_PER_ADDRESS", 70)  # these limits hold for every job (long ones: test_abuse_http)
    accepted, refused = flood(app_url, 70, same_session)
    try:
        assert len(accepted) == limit and len(refused) == 70 - limit
        assert set(refused) == {app.TOO_MANY_JOBS}
        if same_session:  # everybody else is still served at once
            ok, answer = raw_http.call(app_url, "classify", [{"path": raw_http.upload(app_url, LION),
                                                             "meta": raw_http.FILE_META}, MODEL])
            assert ok and answer[0]["label"].startswith("lion")
    finally:
        cancel_all(app_url, accepted)


@pytest.mark.parametrize("name, value, message", [
    ("steps", 500, "steps must be a whole number from 1 to 100"), ("eps", 32, "eps must be a number from 0.5 up to 16"),
    ("tv_weight", 11, "tv_weight must be a number from 0 up to 10"),
    ("lr", 9, "learning rate must be a number from 0.05 up to 8"),
    ("sure", 100, "sure must be a number from 0 up to 99")])
def test_adversarial_api_enforces_the_sliders_ranges(app_url, name, value, message):
    spec = adversarial_tab.SURE if name == "sure" else getattr(adversarial, name.upper())
    assert spec.high < value
    arguments = {"steps": 1, "tv_weight": 0, "eps": 2, "lr": 0.5, "sure": 0} | {name: value}
    photo = {"path": raw_http.upload(app_url, LION), "meta": raw_http.FILE_META}
    data = [photo, "tabby, tabby cat", *(arguments[key] for key in ("steps", "tv_weight", "eps", "lr")), MODEL,
            arguments["sure"]]
    ok, answer = raw_http.call(app_url, "adversarial", data)
    assert not ok and answer == f"{message}, got {value}."


@pytest.mark.slow
def test_synthesis_jobs_stop_at_their_time_limit_and_release_memory(monkeypatch, as_upload):
    released = []
    monkeypatch.setattr(synthesis, "MAX_SYNTHESIS_SECONDS", 0)
    monkeypatch.setattr(synthesis.RESULTS, "after_run", lambda: released.append(True))  # once per run
    *_, final = ideal_tab.run_ideal("zebra", "robust", 50, 0.5, 0.05, 0, MODEL)
    assert final["final"] is not None and final["download"].endswith(".png")  # the image after its first step
    assert released == [True]
    outputs = adversarial_tab.run_adversarial(as_upload(LION), "tabby, tabby cat", 50, 0, 2, 0.5, MODEL)
    assert "after 0 steps" in outputs["figures"] and released == [True, True]
