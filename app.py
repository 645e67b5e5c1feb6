"""Transfer Lab: see what pretrained ImageNet networks see, and reuse them for your own images.

Run `python app.py [--host H] [--port P] [--share] [--data-root DIR ...]`; on Hugging Face Spaces the
GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or PORT) variables apply.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import gradio as gr

from transfer.data import PETS_MINI
from ui import classify, finetune, i18n, sessions, synthesis
from ui.common import model_list
from ui.hardware import LIMITS

TITLE = "Transfer Lab"
THEME = gr.themes.Soft()
CSS = Path(__file__).resolve().parent / "ui" / "style.css"
#: Limits for a public deployment (README: "Limits and hosting"); the queue's depend on the hardware: ui/hardware.py.
MAX_UPLOAD = "100mb"  # any single upload: photo or dataset zip
JOBS_PER_SESSION = 4  # jobs one browser tab or API client may have waiting or running at once
JOBS_PER_ADDRESS = LIMITS.queue_size // 2  # the same for one client address (people behind one router share it)
TOO_MANY_JOBS = "You have too many requests waiting: wait for them to finish, then try again."
CACHE_CLEANUP = (1800, 3600)  # every 30 min, delete served files older than an hour
INTRO = f"""# Transfer Lab
Explore what a network pretrained on ImageNet has learned, then reuse it. Everything runs on {LIMITS.runs_on}."""


def default_data_roots() -> list[Path]:
    """Folders where the Fine-tune tab looks for Oxford-IIIT Pet copies to offer by name: TRANSFER_DATA_ROOTS, else
    the bundled sample's folder and the download folder."""
    configured = os.environ.get("TRANSFER_DATA_ROOTS")
    if configured:
        return [Path(part) for part in configured.split(os.pathsep) if part]
    return [PETS_MINI.parent, finetune.DOWNLOAD_FOLDER.parent]


def build_app(data_roots: list[Path] | None = None) -> gr.Blocks:
    """The whole app: one tab per lesson step, sharing one per-browser-session fine-tuning state; every text in
    the visitor's language (ui/i18n.py)."""
    with gr.Blocks(title=TITLE, delete_cache=CACHE_CLEANUP) as demo:
        gr.Markdown(INTRO)
        session = gr.State(None, time_to_live=sessions.SESSION_LIFETIME, delete_callback=sessions.cleanup)
        with gr.Tabs(overflow_behavior="wrap"):  # every tab reachable at phone width, no "..." menu
            with gr.Tab("Classify", id="classify"):
                classify_models = classify.build(session)
            with gr.Tab("Fine-tune", id="finetune"):
                trained = finetune.build(session, data_roots or default_data_roots())
            with gr.Tab("Ideal image", id="ideal"):
                ideal_models = synthesis.build_ideal(session)
            with gr.Tab("Adversarial", id="adversarial"):
                adversarial_models = synthesis.build_adversarial(session)
        model_boxes = [classify_models, ideal_models, adversarial_models]  # each offers the session's own runs
        trained.then(lambda state: [model_list(state)] * len(model_boxes), session, model_boxes, queue=False,
                     api_visibility="private")
    return i18n.localize(demo)


def launch(demo: gr.Blocks, **options) -> tuple:
    """Queue and serve the app with the deployment limits above and the hardware's (ui/hardware.py), in English or
    German (ui/i18n.py), after deleting earlier runs' stale session files."""
    sessions.sweep_stale()
    demo.queue(max_size=LIMITS.queue_size, default_concurrency_limit=LIMITS.quick_jobs)
    limit_jobs_per_client(demo._queue)
    i18n.translate_messages(demo)
    return demo.launch(max_file_size=MAX_UPLOAD, theme=THEME, css_paths=[CSS], i18n=i18n.translations(demo),
                       head=i18n.HEAD,
                       **options)


def limit_jobs_per_client(queue) -> None:
    """Refuse a queue join (as "queue full") when its session already has JOBS_PER_SESSION jobs waiting or running,
    or its client address JOBS_PER_ADDRESS, so that no one client fills the queue. Gradio itself limits only the
    queue as a whole, so this wraps its queue's push. The address is uvicorn's: behind a proxy, set
    FORWARDED_ALLOW_IPS to the proxy's address so that each visitor counts with their own."""
    push = queue.push

    async def limited_push(body, request, username):
        pending = list(queue.event_ids_to_events.values())
        same_session = sum(event.session_hash == body.session_hash for event in pending)
        same_address = sum(_address(event.request) == _address(request) for event in pending)
        if same_session >= JOBS_PER_SESSION or same_address >= JOBS_PER_ADDRESS:
            return False, i18n.translate(TOO_MANY_JOBS, i18n.request_language(request)), "queue_full"
        return await push(body, request, username)

    queue.push = limited_push


def _address(request) -> str | None:
    return request.client.host if request is not None and request.client is not None else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="interface to listen on (0.0.0.0 for all; default 127.0.0.1)")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("GRADIO_SERVER_PORT") or os.environ.get("PORT") or 7860))
    parser.add_argument("--share", action="store_true", help="also create a temporary public gradio.live link")
    parser.add_argument("--data-root", action="append", type=Path, dest="data_roots",
                        help="folder (or parent of folders) holding Oxford-IIIT Pet copies the Fine-tune tab offers by "
                             "name (repeatable; default: TRANSFER_DATA_ROOTS or the bundled sample's folder)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    launch(build_app(args.data_roots), server_name=args.host, server_port=args.port, share=args.share)


if __name__ == "__main__":
    main()
