"""Every server-side hook into Gradio, Starlette and uvicorn, in one place: who a request is from, how big its body
may be, how much the upload cache may hold, and who may join the queue; and every use of Gradio's private API.

The HTTP limits are a pure ASGI middleware (installed with `launch(app_kwargs={"middleware": ...})`, Gradio's public
way to configure its FastAPI app) that counts a body's bytes as they stream in, so neither a missing nor a false
Content-Length gets more through; another (FirstScript) puts a script first in the page, before Gradio's own.
Gradio's private API, read in Gradio TESTED_GRADIO's source (gradio/queueing.py,
routes.py, route_utils.py, blocks.py, context.py), is used only here (section "Gradio's private API"): the queue
limits wrap `demo._queue.push`, which then tells a job that has to wait its place and time (`announce_place`);
ui/i18n translates gr.Info messages in `demo._queue.log_message`, keeps the API
description English in `demo.get_api_info`, replaces texts in `block.constructor_args` and reads the running event
from `gradio.context.LocalContext`; output files are written whole (`write_cache_files_whole` replaces
`processing_utils.save_pil_to_cache` and `save_bytes_to_cache`). tests/test_abuse_http.py fails when the installed
Gradio is another version or lacks one of these (`missing_hooks`), so that they are checked again.
"""

from __future__ import annotations

import collections
import functools
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import processing_utils
from gradio.blocks import Block
from gradio.context import LocalContext
from gradio.server_messages import LogMessage
from gradio.utils import get_upload_folder
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui import clients
from ui.sessions import folder_bytes

#: Puts a refusal's English message in the language of the visitor who sent the request (ui.i18n.request_text).
Translate = Callable[[str, Any], str]

TESTED_GRADIO = "6.31.0"  # the Gradio whose private API this module uses
#: Routes whose bodies are file uploads (multipart); every other body is a small JSON event.
UPLOAD_ROUTES = ("/gradio_api/upload", "/gradio_api/component_server", "/gradio_api/process_recording")
MULTIPART_FIELDS = 10  # form fields an upload route takes besides its files (component_server's are 4)
FOLDER_SCAN_SECONDS = 5  # the upload folder's size is measured at most this often (uploads since are added)

TOO_LARGE = "This request is too large: at most {megabytes} MB. Send smaller files, or fewer at once."
TOO_MANY_FILES = "Too many files in one upload: at most {count}. Upload them in smaller groups."
NO_LENGTH = "An upload must say its size (Content-Length); the page always does: use the page or a common client."
UPLOAD_QUOTA = ("You have uploaded {megabytes} MB in the last {minutes} minutes, the most one visitor may: wait a few "
                "minutes (earlier uploads are then deleted), or upload smaller photos or one .zip of class folders.")
UPLOADS_FULL = "The server's space for uploads is full: please try again in a few minutes."
#: Told to a job that has to wait in its lane (Gradio's own status line says only "queue: 2/5", in English).
QUEUED_ETA = "Your job is number {place} in the queue: it should start in about {wait}."
QUEUED = "Your job is number {place} in the queue: the time it waits shows once a job of this kind has finished."


@dataclass(frozen=True)
class BodyLimits:
    """How large request bodies and the upload cache may get (values: app.py)."""

    json_bytes: int  # one event's JSON (queue join, API call, cancel, ...)
    upload_bytes: int  # one upload request, all its files together
    upload_files: int  # files in one upload request
    address_upload_bytes: int  # what one client address may upload within `window_seconds`
    window_seconds: int  # how long uploads count for their address: until the cache sweep deletes them
    folder_bytes: int  # Gradio's upload folder (gradio.utils.get_upload_folder()) as a whole


@dataclass(frozen=True)
class Job:
    """One waiting or running queue event, as the queue limits see it."""

    session: str | None
    address: str  # clients.client_address of its request
    concurrency_id: str  # which concurrency group it runs in: names the kind of job (training, synthesis, ...)


class Refused(MultiPartException):
    """A body over its limit, raised from the body stream. A MultiPartException, so that Gradio's multipart parser
    deletes the files it has begun to write (route_utils.GradioMultiPartParser.parse)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def prepare(demo: gr.Blocks, limits: BodyLimits, refuse: Callable[[Job, list[Job]], str | None],
            translate: Translate, first_script: str = "") -> dict[str, Any]:
    """Hook the limits into `demo` (queued already), their refusals put in the visitor's language by `translate`;
    `first_script` runs in the page before Gradio's own (FirstScript); returns the options to pass on to
    `demo.launch`."""
    missing = missing_hooks(demo)
    if missing:
        raise RuntimeError(f"Gradio {gr.__version__} lacks {', '.join(missing)}: update ui/server.py's hooks "
                           f"(read in Gradio {TESTED_GRADIO})")
    guard_queue(queue_of(demo), refuse, translate)
    write_cache_files_whole()
    # uvicorn would replace the client address by an X-Forwarded-For entry the client may have written (all of them
    # with FORWARDED_ALLOW_IPS=*): ClientAddress below picks the trusted one instead, from the socket peer.
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    middleware = [Middleware(ClientAddress), Middleware(BodyLimit, limits=limits, translate=translate)]
    if first_script:
        middleware.append(Middleware(FirstScript, script=first_script))
    return {"app_kwargs": {"middleware": middleware}}


def guard_queue(queue: Any, refuse: Callable[[Job, list[Job]], str | None], translate: Translate) -> None:
    """Refuse a queue join with `refuse`'s message, in the visitor's language, when `refuse(job, pending jobs)`
    returns one. Gradio itself limits only the queue as a whole. Refused as an "error" (HTTP 400), whose detail the
    page shows; for "queue_full" (503) it would show only "This application is currently busy"."""
    push = queue.push

    async def guarded_push(body, request, username):
        fn = queue.blocks.fns.get(body.fn_index)
        if fn is not None:
            pending = [Job(event.session_hash, clients.client_address(event.request), str(event.concurrency_id))
                       for event in list(queue.event_ids_to_events.values())]
            job = Job(body.session_hash, clients.client_address(request), str(fn.concurrency_id))
            message = refuse(job, pending)
            if message:
                return False, translate(message, request), "error"
        success, answer, state = await push(body, request, username)
        if not success and isinstance(answer, str):  # Gradio's own refusal: "Queue is full. Max size is ..."
            return success, translate(answer, request), state
        # only a job whose progress the page shows in full: not a side panel that fills itself ("minimal")
        place = place_message(queue, answer) if success and fn is not None and fn.show_progress == "full" else None
        if place:
            announce_place(queue, answer, translate(place, request))
        return success, answer, state

    queue.push = guarded_push


def duration(seconds: float) -> str:
    """A wait in words for people: seconds under a minute and a half, else minutes."""
    return f"{max(1, round(seconds))} s" if seconds < 90 else f"{round(seconds / 60)} min"


class ClientAddress:
    """Sets each request's client to the address the trusted proxies saw (clients.forwarded_client with
    clients.TRUSTED_HOPS), so that gr.Request.client and every per-client limit use it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client") or (None, 0)
            forwarded = [value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"]
            host = clients.forwarded_client(peer[0], forwarded, clients.TRUSTED_HOPS)
            scope["client"] = (host, peer[1] if host == peer[0] else 0)
        await self.app(scope, receive, send)


class FirstScript:
    """Puts a script at the start of the page's <head>, before Gradio's own: what must happen before Gradio starts
    (gr.Blocks(head=...) is added by Gradio's script after it started). The page is HTML Gradio made, without a
    visitor's data in it."""

    def __init__(self, app: ASGIApp, script: str):
        self.app, self.script = app, script.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ("/", ""):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def send_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = Headers(raw=start["headers"])
            page = bytes(body)
            if headers.get("content-type", "").startswith("text/html") and "content-encoding" not in headers \
                    and b"<head>" in page:
                page = page.replace(b"<head>", b"<head>" + self.script, 1)
            raw = [(name, value) for name, value in start["headers"] if name != b"content-length"]
            await send({**start, "headers": raw + [(b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_page)


class BodyLimit:
    """Refuses a request body over its limit while it streams in (JSON events: json_bytes; uploads: upload_bytes
    and upload_files), and uploads over their client address's share or the upload folder's cap."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, translate: Translate):
        self.app, self.limits, self.translate = app, limits, translate
        self.uploads: dict[str, collections.deque[tuple[float, int]]] = {}  # address -> (time, bytes) of uploads
        self.folder_scan = (float("-inf"), 0)  # (when, bytes) of the last measurement of the upload folder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        upload = scope["path"].rstrip("/").endswith(UPLOAD_ROUTES)
        limit = self.limits.upload_bytes if upload else self.limits.json_bytes
        declared = int(headers["content-length"]) if "content-length" in headers else None  # digits: h11 checks
        if declared is not None and declared > limit:
            message = TOO_LARGE.format(megabytes=limit // 2**20)
            return await refusal(scope, 413, message, upload, self.translate)(scope, receive, send)
        boundary = None
        if upload:
            refused_upload = self.upload_refusal(scope, declared)
            if refused_upload:
                return await refusal(scope, *refused_upload, upload, self.translate)(scope, receive, send)
            boundary = multipart_boundary(headers.get("content-type", ""))
        counter = BodyCounter(limit, boundary, self.limits.upload_files)
        refused: list[Refused] = []

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                try:
                    counter.add(message.get("body", b""))
                except Refused as error:
                    refused.append(error)
                    raise
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # a refused body's answer is ours, below
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not refused:
                raise
        if refused:
            await refusal(scope, refused[0].status, refused[0].message, upload, self.translate)(scope, receive, send)

    def upload_refusal(self, scope: Scope, declared: int | None) -> tuple[int, str] | None:
        """(status, message) when an upload of `declared` bytes may not start, else None (and it is counted)."""
        if declared is None:
            return 411, NO_LENGTH
        now = time.monotonic()
        address = clients.address_group((scope.get("client") or (None,))[0])
        since = now - self.limits.window_seconds
        for quiet in [key for key, times in self.uploads.items() if not times or times[-1][0] < since]:
            del self.uploads[quiet]  # addresses without recent uploads
        recent = self.uploads.setdefault(address, collections.deque())
        while recent and recent[0][0] < since:
            recent.popleft()
        used = sum(size for _, size in recent)
        if used + declared > self.limits.address_upload_bytes:
            return 429, UPLOAD_QUOTA.format(megabytes=used // 2**20, minutes=self.limits.window_seconds // 60)
        when, folder = self.folder_scan
        if now - when > FOLDER_SCAN_SECONDS:
            when, folder = now, folder_bytes(Path(get_upload_folder()))
        if folder + declared > self.limits.folder_bytes:
            self.folder_scan = (when, folder)
            return 503, UPLOADS_FULL
        self.folder_scan = (when, folder + declared)
        recent.append((now, declared))
        return None


class BodyCounter:
    """Counts a body's bytes, and a multipart body's parts, as its chunks arrive; raises Refused over a limit."""

    def __init__(self, max_bytes: int, boundary: bytes | None, max_files: int):
        self.max_bytes, self.max_files = max_bytes, max_files
        self.max_delimiters = max_files + MULTIPART_FIELDS + 1  # one before each part, one closing
        self.delimiter = b"--" + boundary if boundary else None
        self.bytes = self.delimiters = 0
        self.tail = b""  # the end of the previous chunk: a delimiter may be split between chunks

    def add(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        if self.bytes > self.max_bytes:
            raise Refused(413, TOO_LARGE.format(megabytes=self.max_bytes // 2**20))
        if self.delimiter is not None:
            window = self.tail + chunk
            self.delimiters += window.count(self.delimiter)
            self.tail = window[-(len(self.delimiter) - 1):]
            if self.delimiters > self.max_delimiters:
                raise Refused(413, TOO_MANY_FILES.format(count=self.max_files))


def multipart_boundary(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data Content-Type, else None."""
    kind, _, parameters = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


def refusal(scope: Scope, status: int, message: str, upload: bool, translate: Translate) -> Response:
    """`message` in the visitor's language: plain text on an upload route (as Gradio answers a too-large file), else
    JSON {"detail": ...} (as Gradio answers a refused event). uvicorn drops the rest of an unread body as it comes."""
    text = translate(message, HTTPConnection(scope))
    return PlainTextResponse(text, status) if upload else JSONResponse({"detail": text}, status)


# --- Gradio's private API -----------------------------------------------------------------------------------------

def write_cache_files_whole() -> None:
    """Gradio saves an output image or bytes in its cache under a name from their content, writing the file again
    each time it is sent: a class's identical images (ui.synthesis.RESULTS) were rewritten while other browsers
    downloaded them, which then found them empty or cut short. Saved here as Gradio saves a copied file: a file
    already there is kept (its content is its name), a new one written under another name and renamed into place."""
    processing_utils.save_pil_to_cache = _save_pil_to_cache
    processing_utils.save_bytes_to_cache = _save_bytes_to_cache


def _save_pil_to_cache(image, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = processing_utils.encode_pil_to_bytes(image, format)
    return _whole(Path(cache_dir) / processing_utils.hash_bytes(data) / f"{name}.{format}", data)


def _save_bytes_to_cache(data: bytes, file_name: str, cache_dir: str) -> str:
    if not Path(file_name).suffix:
        file_name += processing_utils.detect_audio_format(data)
    return _whole(Path(cache_dir) / processing_utils.hash_bytes(data) / Path(file_name).name, data)


def _whole(path: Path, data: bytes) -> str:
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.utime(path)  # Gradio's cache sweep goes by age: handed out again, it is new again
        return str(path)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(path)


def missing_hooks(demo: gr.Blocks) -> list[str]:
    """The private attributes this module uses that the installed Gradio lacks (none when the hooks still fit)."""
    wanted = {"Blocks._queue": getattr(demo, "_queue", None),
              "Blocks.get_api_info": getattr(demo, "get_api_info", None),
              "LocalContext.request": getattr(LocalContext, "request", None),
              "LocalContext.blocks": getattr(LocalContext, "blocks", None)}
    queue = wanted["Blocks._queue"]
    wanted |= {f"Queue.{name}": getattr(queue, name, None)
               for name in ("push", "log_message", "blocks", "event_ids_to_events", "event_queue_per_concurrency_id",
                            "process_time_per_fn", "send_message")}
    block = next(iter(demo.blocks.values()), None)
    wanted |= {"Block.constructor_args": getattr(block, "constructor_args", None),
               "Block._id": getattr(block, "_id", None)}
    wanted |= {f"processing_utils.{name}": getattr(processing_utils, name, None)
               for name in ("save_pil_to_cache", "save_bytes_to_cache", "encode_pil_to_bytes", "hash_bytes",
                            "detect_audio_format")}
    return [name for name, value in wanted.items() if value is None]


def place_message(queue: Any, event_id: str) -> str | None:
    """For a job that must wait in its lane (concurrency group): its place there and, once Gradio has timed a job of
    its kind, when it should start (the jobs before it, running ones included, at their average time, sharing the
    lane's slots). None when it starts at once."""
    event = queue.event_ids_to_events.get(event_id)
    lane = queue.event_queue_per_concurrency_id.get(event.concurrency_id) if event is not None else None
    if lane is None or event not in lane.queue:
        return None
    waiting = lane.queue.index(event)
    slots = lane.concurrency_limit or 0
    if waiting == 0 and (not slots or lane.current_concurrency < slots):
        return None
    timing = queue.process_time_per_fn.get(event.fn)
    if timing is None or not timing.avg_time or not slots:
        return waiting_text(waiting + 1)
    return waiting_text(waiting + 1, (waiting + lane.current_concurrency) * timing.avg_time / slots)


def waiting_text(place: int, seconds: float | None = None) -> str:
    """A waiting job's place (1: next) and, when known, about how long until it starts (QUEUED_ETA, QUEUED)."""
    return QUEUED.format(place=place) if seconds is None else QUEUED_ETA.format(place=place, wait=duration(seconds))


def announce_place(queue: Any, event_id: str, text: str) -> None:
    """Show `text` (place_message's, translated) to the visitor whose job waits, as an information popup."""
    event = queue.event_ids_to_events.get(event_id)
    if text and event is not None:
        queue.send_message(event, LogMessage(log=text, level="info", title="", duration=10, visible=True))


def queue_of(demo: gr.Blocks) -> Any:
    """The Blocks' queue (made by `demo.queue()`; a new one each call)."""
    return demo._queue


def current_request() -> gr.Request | None:
    """The request of the event Gradio is running in this thread or task, if any."""
    return LocalContext.request.get(None)


def current_blocks() -> gr.Blocks | None:
    """The Blocks whose event Gradio is running in this thread or task (None outside a served event)."""
    return LocalContext.blocks.get(None)


def block_id(block: Block) -> int:
    """The number Gradio gives a block in its config."""
    return block._id


def set_block_prop(block: Block, prop: str, value: object) -> None:
    """Replace a built block's property, also where Gradio rebuilds the block from on updates."""
    setattr(block, prop, value)
    args = block.constructor_args
    if prop in args:
        args[prop] = value


def update_props(component: Block) -> dict[str, Any]:
    """The properties a component returned by a handler as an update was given (only those are sent)."""
    return dict(component.constructor_args)


def transform_api_info(demo: gr.Blocks, transform: Callable[[Any], Any]) -> None:
    """Pass the API description (the API page, gradio_client) through `transform`."""
    api_info = demo.get_api_info

    def transformed(*args, **kwargs):
        return transform(api_info(*args, **kwargs))
    demo.get_api_info = functools.wraps(api_info)(transformed)


def transform_log_messages(demo: gr.Blocks, transform: Callable[[str], str]) -> None:
    """Pass gr.Info / gr.Warning / gr.Success messages through `transform`. Gradio sends them through the queue from
    the handler's thread, so the event's request is still known there. Call after `demo.queue(...)`."""
    queue = queue_of(demo)
    send = queue.log_message

    def log_message(event_id: str, log: str, title: str, level, duration=10, visible=True):
        return send(event_id=event_id, log=transform(log), title=title, level=level, duration=duration,
                    visible=visible)
    queue.log_message = log_message
