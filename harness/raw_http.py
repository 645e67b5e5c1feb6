"""The running app driven with plain HTTP, as an attacker would (no gradio_client): upload, call, queue join.

Every call is bounded in time; results are (success, payload): the output data, or the error message (None when
Gradio hides an internal error).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx

TIMEOUT = 300.0
FILE_META = {"_type": "gradio.FileData"}


def upload(base: str, path: str | Path) -> str:
    """Upload one file the way the page does; returns its server path in Gradio's upload folder."""
    with open(path, "rb") as handle:
        response = httpx.post(f"{base}/gradio_api/upload", files={"files": (Path(path).name, handle)}, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()[0]


def call(base: str, api_name: str, data: list) -> tuple[bool, object]:
    """POST /gradio_api/call/<api_name>, then read its server-sent events until the result."""
    response = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=TIMEOUT)
    if response.status_code != 200:
        return False, response.text
    event_id = response.json()["event_id"]
    kind = None
    with httpx.stream("GET", f"{base}/gradio_api/call/{api_name}/{event_id}", timeout=TIMEOUT) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                payload = json.loads(line[5:])
                if kind == "complete":
                    return True, payload
                return False, payload.get("error") if isinstance(payload, dict) else payload
    return False, "stream ended without a result"


def join(base: str, fn_index: int, data: list, session: str | None = None) -> tuple[bool, object]:
    """Join the queue for any event by its index (documented or not), as the page does, and wait for the result."""
    session = session or uuid.uuid4().hex[:12]
    accepted, detail = join_only(base, fn_index, data, session)
    if not accepted:
        return False, detail
    with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session},
                      timeout=TIMEOUT) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                output = message.get("output") or {}
                return (True, output.get("data")) if message.get("success") else (False, output.get("error"))
    return False, "stream ended without a result"


def join_only(base: str, fn_index: int, data: list, session: str) -> tuple[bool, str]:
    """Only the queue join: (accepted, event id or the refusal's text)."""
    return join_as(base, fn_index, data, session)


def run(base: str, fn_index: int, data: list) -> tuple[bool, object]:
    """An event outside the queue (queue=False), as the page calls it, in a new session."""
    return run_as(base, fn_index, data, uuid.uuid4().hex[:12])


def file_events(base: str) -> list[tuple[int, dict, list, list[int]]]:
    """Every event of the app whose inputs include an image or file: (index, dependency, default data, file slots)."""
    config = httpx.get(f"{base}/config", timeout=TIMEOUT).json()
    components = {component["id"]: component for component in config["components"]}
    events = []
    for index, dependency in enumerate(config["dependencies"]):
        kinds = [components[i]["type"] for i in dependency["inputs"]]
        slots = [i for i, kind in enumerate(kinds) if kind in ("image", "file", "uploadbutton", "gallery")]
        if slots:
            defaults = [components[i].get("props", {}).get("value") for i in dependency["inputs"]]
            events.append((index, dependency, defaults, slots))
    return events


def event_updating(base: str, elem_id: str, taking: str | None = None) -> tuple[int, list, list[str]]:
    """The first event of the app whose outputs include the component with this elem_id (and, with `taking`, whose
    inputs include a component of that type): (index, default data, each input's component type)."""
    config = httpx.get(f"{base}/config", timeout=TIMEOUT).json()
    components = {component["id"]: component for component in config["components"]}
    for index, dependency in enumerate(config["dependencies"]):
        if any(components[i].get("props", {}).get("elem_id") == elem_id for i in dependency["outputs"]):
            inputs = [components[i] for i in dependency["inputs"]]
            if taking is not None and taking not in [c["type"] for c in inputs]:
                continue
            return index, [c.get("props", {}).get("value") for c in inputs], [c["type"] for c in inputs]
    raise LookupError(f"no event updates #{elem_id}")


def cancel(base: str, fn_index: int, session: str, event_id: str) -> None:
    """Cancel a queued or running event, as the page's stop button does."""
    httpx.post(f"{base}/gradio_api/cancel", timeout=TIMEOUT,
               json={"session_hash": session, "fn_index": fn_index, "event_id": event_id}).raise_for_status()


def fn_index(base: str, api_name: str) -> int:
    """The index of the event with this api_name in the app's config."""
    config = httpx.get(f"{base}/config", timeout=TIMEOUT).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def post_json(base: str, path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, object]:
    """POST a JSON body to /gradio_api/<path> with extra headers: (status, the JSON answer, else its text)."""
    response = httpx.post(f"{base}/gradio_api/{path}", json=body, headers=headers, timeout=TIMEOUT)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def stream_body(base: str, path: str, chunks, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST a body chunk by chunk to /gradio_api/<path> (chunked, unless `headers` give a Content-Length), as a
    client that streams: (status, answer text), or (0, the error) when the server ended the connection."""
    try:
        response = post_streamed(base, f"/gradio_api/{path}", chunks, headers)
    except httpx.HTTPError as error:
        return 0, f"{type(error).__name__}: {error}"
    return response.status_code, response.text


def first_update(base: str, session: str, kinds: tuple[str, ...] = ("estimation", "process_starts")) -> dict:
    """The first queue message of one of `kinds` (by default: the queue place, or the start) for a session."""
    with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session},
                      timeout=TIMEOUT) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and (message := json.loads(line[5:])).get("msg") in kinds:
                return message
    return {}


# --- Requests in a given session, with extra headers, or with large bodies (benchmarks/bench_abuse.py) ------------

def join_as(base: str, fn_index: int, data: list, session: str, headers: dict | None = None) -> tuple[bool, str]:
    """join_only with extra request headers (e.g. the X-Forwarded-For a proxy adds): (accepted, event id or text)."""
    response = httpx.post(f"{base}/gradio_api/queue/join", timeout=TIMEOUT, headers=headers,
                          json={"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None})
    if response.status_code != 200:
        try:
            return False, response.json().get("detail", response.text)
        except ValueError:
            return False, f"HTTP {response.status_code}: {response.text[:200]}"
    return True, response.json()["event_id"]


def result_of(base: str, session: str, event_id: str, timeout: float = TIMEOUT) -> tuple[bool, object]:
    """Wait at most `timeout` seconds in all for an event the session joined earlier: (success, output data or
    error). Open no other stream of the session meanwhile: Gradio cancels a session's events when its stream
    disconnects before they end (as this does after the timeout)."""
    deadline = time.monotonic() + timeout
    with httpx.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session},
                      timeout=timeout) as stream:
        for line in stream.iter_lines():  # Gradio sends a heartbeat every few seconds: the deadline is checked
            if time.monotonic() > deadline:
                return False, f"no result within {timeout:.0f} s"
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                output = message.get("output") or {}
                return (True, output.get("data")) if message.get("success") else (False, output.get("error"))
    return False, "stream ended without a result"


def run_as(base: str, fn_index: int, data: list, session: str) -> tuple[bool, object]:
    """An event outside the queue (queue=False) in a given session, so that it reads that session's state."""
    response = httpx.post(f"{base}/gradio_api/run/predict", timeout=TIMEOUT,
                          json={"data": data, "fn_index": fn_index, "session_hash": session})
    if response.status_code != 200:
        return False, response.json().get("error", response.text)
    return True, response.json().get("data")


def upload_many(base: str, paths: list[Path], timeout: float = TIMEOUT) -> httpx.Response:
    """Several files in one upload request, each streamed from disk (the client holds one chunk at a time)."""
    handles = [open(path, "rb") for path in paths]
    try:
        return httpx.post(f"{base}/gradio_api/upload", timeout=timeout,
                          files=[("files", (Path(path).name, handle)) for path, handle in zip(paths, handles)])
    finally:
        for handle in handles:
            handle.close()


def post_streamed(base: str, route: str, chunks, headers: dict | None = None,
                  timeout: float = TIMEOUT) -> httpx.Response:
    """POST a body from an iterator of bytes (sent chunked, never held whole)."""
    return httpx.post(f"{base}{route}", content=chunks, headers=headers, timeout=timeout)
