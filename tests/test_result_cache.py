"""A class asking for the same image (issue 23): identical ideal images computed once (transfer.synthesis.ResultCache)
within their memory and disk caps, and in the running app an adversarial example finishes while an ideal image is
still being made (its own lane)."""

from __future__ import annotations

import threading
import uuid

import gradio.media
import numpy as np
import pytest

import transfer
from harness import raw_http
from transfer.checks import folder_bytes
from transfer.progress import OptimisationStep, Waiting, run_to_result
from transfer.synthesis import ResultCache, photos_like
from transfer.synthesis import cache as cache_module

TARGET = 281  # tabby cat
SMALL = {"mode": "robust", "size": 32}  # a few hundredths of a second per step


def ideal(cache: ResultCache, steps: int, seed: int = 0, events: list | None = None) -> transfer.IdealImage:
    """One request for an ideal image through `cache`; its progress reports go to `events`."""
    return run_to_result(cache.iter_ideal_image(TARGET, steps=steps, seed=seed, **SMALL), transfer.IdealImage,
                         None if events is None else events.append)


def test_a_request_identical_to_a_running_one_joins_it_and_later_ones_get_the_kept_result(tmp_path):
    cache = ResultCache(tmp_path / "results")
    first_step, results, followed = threading.Event(), {}, []

    def leader():
        results["leader"] = run_to_result(cache.iter_ideal_image(TARGET, steps=30, **SMALL), transfer.IdealImage,
                                          lambda _step: first_step.set())

    thread = threading.Thread(target=leader)
    thread.start()
    assert first_step.wait(120)
    results["follower"] = ideal(cache, steps=30, events=followed)  # started while the leader's run goes on
    thread.join(120)
    assert cache.runs_started == 1
    assert any(isinstance(event, OptimisationStep) for event in followed), "the follower saw the run's progress"
    assert np.array_equal(np.asarray(results["leader"].image), np.asarray(results["follower"].image))
    again = list(cache.iter_ideal_image(TARGET, steps=30, **SMALL))  # finished: the kept result, at once
    assert len(again) == 1 and np.array_equal(np.asarray(again[0].image), np.asarray(results["leader"].image))
    ideal(cache, steps=30, seed=1)  # another seed is another image
    assert cache.runs_started == 2
    restarted = ResultCache(tmp_path / "results")  # a new process finds the disk's results
    assert np.array_equal(np.asarray(ideal(restarted, steps=30).image), np.asarray(results["leader"].image))
    assert restarted.runs_started == 0


def test_ideal_images_take_turns_in_line_and_those_waiting_learn_their_place(tmp_path):
    cache = ResultCache(tmp_path / "results", runs_at_once=1)
    seen, kept_when_started = [], []

    def watch(event) -> None:
        seen.append(event)
        if isinstance(event, OptimisationStep) and not kept_when_started:
            kept_when_started.append(len(cache.memory))

    thread = in_background(cache, seed=0)
    second = run_to_result(cache.iter_ideal_image(TARGET, steps=2, seed=1, **SMALL), transfer.IdealImage, watch)
    thread.join(120)
    assert isinstance(seen[0], Waiting) and seen[0].place == 1 and seen[0].seconds is None  # none timed yet
    assert kept_when_started == [1], "the second started only once the first was done"
    assert second.steps == 2 and cache.runs_started == 2
    thread, behind = in_background(cache, seed=2), []
    ideal(cache, steps=2, seed=3, events=behind)
    thread.join(120)
    waited = [event for event in behind if isinstance(event, Waiting)]
    assert waited and waited[0].seconds > 0, "with images timed, the wait is estimated"


def in_background(cache: ResultCache, seed: int) -> threading.Thread:
    """A 30-step ideal image made in another thread, returned once it has begun."""
    begun = threading.Event()
    thread = threading.Thread(target=lambda: run_to_result(
        cache.iter_ideal_image(TARGET, steps=30, seed=seed, **SMALL), transfer.IdealImage, lambda _: begun.set()))
    thread.start()
    assert begun.wait(120)
    return thread


def test_results_kept_by_other_code_are_not_read_and_a_disk_that_refuses_writes_loses_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "results"
    made = ideal(ResultCache(folder), steps=2)
    monkeypatch.setattr(cache_module, "ENGINE", "an earlier version of the app")
    upgraded = ResultCache(folder)
    assert np.array_equal(np.asarray(ideal(upgraded, steps=2).image), np.asarray(made.image))
    assert upgraded.runs_started == 1, "computed again, not read from another version's result"
    monkeypatch.setattr(cache_module, "_save", disk_full)
    refused = ResultCache(folder)
    assert ideal(refused, steps=2, seed=1).steps == 2, "the followers get the result"
    ideal(refused, steps=2, seed=1)
    assert refused.runs_started == 1, "kept in memory"


def disk_full(*_args) -> None:
    raise OSError(28, "No space left on device")


def test_photos_are_classified_once_and_a_restarted_app_finds_their_classes(tmp_path, monkeypatch):
    photos = [gradio.media.get_image(name) for name in ("lion.jpg", "cheetah.jpg", "bus.png")]
    cache = ResultCache(tmp_path / "results")
    lions = cache.photos_like("lion", photos, count=2)
    assert lions == photos_like("lion", photos, count=2) and lions[0][0] == photos[0]
    monkeypatch.setattr(cache_module, "photo_scores", lambda *_: pytest.fail("classified the photos again"))
    assert cache.photos_like("cheetah", photos, count=1)[0][0] == photos[1]  # another target: the same classes
    assert ResultCache(tmp_path / "results").photos_like("lion", photos, count=2) == lions


def test_kept_results_stay_within_the_memory_and_disk_caps(tmp_path):
    folder = tmp_path / "results"
    cache = ResultCache(folder)
    ideal(cache, steps=1, seed=0)
    one_in_memory, one_on_disk = sum(size for _, size in cache.memory.values()), folder_bytes(folder)
    cache.memory_bytes, cache.disk_bytes = int(2.5 * one_in_memory), int(2.5 * one_on_disk)
    for seed in range(1, 6):
        ideal(cache, steps=1, seed=seed)
        assert sum(size for _, size in cache.memory.values()) <= cache.memory_bytes
        assert folder_bytes(folder) <= cache.disk_bytes
    assert len(cache.memory) == 2 and len(list(folder.iterdir())) == 2
    assert cache.runs_started == 6
    ideal(cache, steps=1, seed=5)  # the newest is kept ...
    assert cache.runs_started == 6
    ideal(cache, steps=1, seed=0)  # ... the oldest made room
    assert cache.runs_started == 7


def test_an_adversarial_example_completes_while_an_ideal_image_is_being_made(app_url):
    """The ideal image's lane holds one job at a time on a CPU: an adversarial example (seconds) must not wait
    behind it (minutes), as it did when both shared one lane."""
    long_ideal = ["Siamese cat, Siamese", "robust", 512, 0.5, 0.05, 7, transfer.DEFAULT_MODEL, None]
    session = uuid.uuid4().hex[:12]
    accepted, event_id = raw_http.join_only(app_url, raw_http.fn_index(app_url, "ideal"), long_ideal, session)
    assert accepted, event_id
    ideal_done = threading.Event()
    watcher = threading.Thread(target=lambda: (raw_http.result_of(app_url, session, event_id), ideal_done.set()))
    watcher.start()
    try:
        photo = {"path": raw_http.upload(app_url, gradio.media.get_image("lion.jpg")), "meta": raw_http.FILE_META}
        ok, answer = raw_http.call(app_url, "adversarial", [photo, "tabby, tabby cat", 3, 0, 2, 0.5,
                                                            transfer.DEFAULT_MODEL, 0])
        assert ok, answer
        assert not ideal_done.is_set(), "the ideal image (512 steps) finished first: the test proves nothing"
    finally:
        raw_http.cancel(app_url, raw_http.fn_index(app_url, "ideal"), session, event_id)
        watcher.join(60)
