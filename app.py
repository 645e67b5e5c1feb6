"""Transfer Lab: see what pretrained ImageNet networks see, and reuse them for your own images.

Run `python app.py [--host H] [--port P] [--share] [--data-root DIR ...]`; on Hugging Face Spaces the
GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or PORT) variables apply.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import gradio as gr

import transfer
from transfer.data import PETS_MINI
from transfer.progress import run_to_result
from transfer.synthesis import adversarial as adversarial_settings, ideal as ideal_settings
from ui import adversarial, classify, finetune, i18n, ideal, lesson, server, sessions, synthesis
from ui.common import dog_examples, model_list
from ui.hardware import LIMITS, ZERO_GPU
from ui.server import Job
from ui.tabs import bind

TITLE = "Transfer Lab"
THEME = gr.themes.Soft()
CSS = Path(__file__).resolve().parent / "ui" / "style.css"
#: Limits for a public deployment (README: "Limits and hosting"); the queue's depend on the hardware: ui/hardware.py.
MAX_UPLOAD_MB = 100  # any single upload: photo or dataset zip
MAX_UPLOAD = f"{MAX_UPLOAD_MB}mb"  # the same as Gradio's max_file_size
JOBS_PER_SESSION = 4  # jobs one browser tab or API client may have waiting or running at once
JOBS_PER_ADDRESS = LIMITS.queue_size // 2  # the same for one client address (people behind one router share it)
#: Long jobs, by concurrency group: training (and its ONNX export), loading a dataset, the ideal image. Adversarial
#: examples (seconds) have a lane of their own (ADVERSARIAL_LANE), so that a visitor whose ideal image is still being
#: made can fool the network meanwhile. tests/test_abuse_http.py checks that each exists.
LONG_JOBS = (finetune.TRAINING, finetune.DATA_LOADING, synthesis.CONCURRENCY_ID)
ADVERSARIAL_LANE = synthesis.ADVERSARIAL_ID
#: Long jobs one client address may have waiting or running at once: one visitor cannot hold the training or image
#: queue for hours (a training may take LIMITS.training_seconds); the same for adversarial examples in their lane.
#: Classify requests do not count. A class behind one
#: school router shares one address: its teacher raises this with TRANSFER_LONG_JOBS_PER_ADDRESS (README: Limits).
LONG_JOBS_PER_ADDRESS = int(os.environ.get("TRANSFER_LONG_JOBS_PER_ADDRESS") or 1)
TOO_MANY_JOBS = "You have too many requests waiting: wait for them to finish, then try again."
TOO_MANY_LONG_JOBS = ("You already have a long job (training, loading data or an ideal image) waiting or running,"
                      " and one at a time is the most: its progress shows its place in the queue. "
                      "Wait for it to finish, or stop it, then try again.")
TOO_MANY_ADVERSARIAL = ("You already have an adversarial example waiting or being made: wait for it to finish (a few "
                        "seconds), then try again.")
CACHE_CLEANUP = (300, 1800)  # every 5 min, delete uploaded and served files older than 30 min
#: Request bodies and Gradio's upload folder (ui/server.py enforces them while a body streams in).
BODY_LIMITS = server.BodyLimits(
    json_bytes=2 * 2**20,  # one event's JSON: own-class galleries send ~450 bytes per photo, so ~4,500 photos fit
    upload_bytes=MAX_UPLOAD_MB * 2**20 + 2**20,  # one upload request: one largest file (+ multipart headers)
    upload_files=100,  # files in one upload request (a gallery's photos dropped at once)
    address_upload_bytes=200 * 2**20,  # what one client address may upload while its files are kept ...
    window_seconds=sum(CACHE_CLEANUP),  # ... until the sweep after their CACHE_CLEANUP age deletes them
    folder_bytes=2 * 2**30)  # Gradio's upload folder as a whole: then uploads are refused until the next sweep
INTRO = f"""# Transfer Lab
Explore what a network pretrained on ImageNet has learned, then reuse it. Everything runs on {LIMITS.runs_on}."""


def default_data_roots() -> list[Path]:
    """Folders where the Fine-tune tab looks for Oxford-IIIT Pet copies to offer by name: TRANSFER_DATA_ROOTS, else
    pets-mini's parent folder and the download folder."""
    configured = os.environ.get("TRANSFER_DATA_ROOTS")
    if configured:
        return [Path(part) for part in configured.split(os.pathsep) if part]
    return [PETS_MINI.parent, finetune.DOWNLOAD_FOLDER.parent]


def build_app(data_roots: list[Path] | None = None) -> gr.Blocks:
    """The whole app: one tab per lesson step, sharing one per-browser-session fine-tuning state; every text in
    the visitor's language (ui/i18n/)."""
    with gr.Blocks(title=TITLE, delete_cache=CACHE_CLEANUP) as demo:
        gr.Markdown(INTRO)
        session = gr.State(None, time_to_live=sessions.SESSION_LIFETIME, delete_callback=sessions.cleanup)
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # every tab reachable at phone width, no "..." menu
            with gr.Tab("Classify", id="classify") as classify_page:
                classify_tab = classify.build(session)
            with gr.Tab("Fine-tune", id="finetune") as finetune_page:
                wizard, trained = finetune.build(session, data_roots or default_data_roots())
            with gr.Tab("Ideal image", id="ideal") as ideal_page:
                ideal_tab = ideal.build(session)
            with gr.Tab("Adversarial", id="adversarial") as adversarial_page:
                adversarial_tab = adversarial.build(session)
        pages = {page.id: page for page in (classify_page, finetune_page, ideal_page, adversarial_page)}
        lesson.wire(lesson.Linked(tabs, pages, ideal_tab.target, ideal_tab.mode, ideal_tab.steps, ideal_tab.tv_weight,
                                  [ideal_tab.advanced, adversarial_tab.advanced]), demo)
        # Each tab's model dropdown offers the session's own runs too.
        model_boxes = [tab.model for tab in (classify_tab, ideal_tab, adversarial_tab)]
        for training in trained:
            training.then(lambda state: [model_list(state)] * len(model_boxes), session, model_boxes, queue=False,
                          api_visibility="private")
        # A mistake of step 4 opens in Classify with the run's model, classified there.
        wizard.evaluate.open_mistake.click(
            finetune.mistake_in_classify, [wizard.evaluate.mistake, session],
            [classify_tab.image, classify_tab.model, tabs], api_visibility="private").then(
            bind(classify.analyse, classify_tab), [classify_tab.image, classify_tab.model, classify_tab.layer, session],
            [classify_tab.label, classify_tab.heatmap, classify_tab.features], preprocess=False,
            api_visibility="private")
        demo.load(classify.ideal_captions, None, classify_tab.ideal.dataset, queue=False, api_visibility="private")
    return i18n.localize(demo)


def launch(demo: gr.Blocks, precompute: bool = True, **options) -> tuple:
    """Queue and serve the app with the deployment limits above and the hardware's (ui/hardware.py), in English or
    German (ui/i18n/), after deleting earlier runs' stale session files; `precompute`: the lesson's defaults too."""
    sessions.sweep_stale()
    if precompute and LIMITS is not ZERO_GPU:  # there, networks run only in GPU workers, while a visitor's request runs
        threading.Thread(target=precompute_defaults, daemon=True, name="precompute").start()
    demo.queue(max_size=LIMITS.queue_size, default_concurrency_limit=LIMITS.quick_jobs)
    hooks = server.prepare(demo, BODY_LIMITS, queue_refusal, i18n.request_text, i18n.LINKED_LANGUAGE)
    i18n.translate_messages(demo)
    return demo.launch(max_file_size=MAX_UPLOAD, theme=THEME, css_paths=[CSS], i18n=i18n.translations(demo),
                       head=i18n.HEAD, **hooks, **options)


def precompute_defaults() -> None:
    """Make what a whole class asks for first, in the background: the lesson's ideal image (the Ideal image tab's
    defaults), with its second network's answer and the similar photos, and the adversarial examples of the example
    dog photos at the Adversarial tab's defaults. A student asking meanwhile joins the run (ui.synthesis.RESULTS)."""
    start = time.perf_counter()
    # the default network's fast copy first, before a class's first photos (on a restart, nothing else is computed);
    # the second network loads meanwhile (seconds of mostly one core): the image's cross-check then need not wait
    threading.Thread(target=lambda: transfer.load_model(ideal.second_model(transfer.DEFAULT_MODEL)).prepare(),
                     daemon=True, name="second-network").start()
    transfer.load_model(transfer.DEFAULT_MODEL).prepare()
    defaults = ideal_settings.MODES[ideal_settings.DEFAULT_MODE]
    result = run_to_result(synthesis.RESULTS.iter_ideal_image(
        ideal.DEFAULT_TARGET, transfer.DEFAULT_MODEL, steps=defaults.steps, tv_weight=defaults.tv_weight,
        lr=defaults.lr, seed=ideal_settings.SEED.default, mode=ideal_settings.DEFAULT_MODE,
        max_seconds=synthesis.MAX_SYNTHESIS_SECONDS), transfer.IdealImage)
    transfer.predict(result.image, ideal.second_model(transfer.DEFAULT_MODEL), top_k=5)
    synthesis.RESULTS.photos_like(result.target.index, ideal.candidate_photos(), transfer.DEFAULT_MODEL,
                                  ideal.SIMILAR_PHOTOS)
    eps = adversarial_settings.EPS.default
    for photo in dog_examples():
        run_to_result(synthesis.RESULTS.iter_adversarial(
            photo, adversarial.DEFAULT_TARGET, transfer.DEFAULT_MODEL, steps=adversarial_settings.STEPS.default,
            tv_weight=adversarial_settings.TV_WEIGHT.default, eps=eps, lr=adversarial_settings.default_lr(eps),
            confidence=adversarial.SURE.default / 100, max_seconds=synthesis.MAX_SYNTHESIS_SECONDS),
            transfer.AdversarialExample)
    print(f"Precomputed the lesson's defaults in {time.perf_counter() - start:.0f} s.", file=sys.stderr, flush=True)


def queue_refusal(job: Job, pending: list[Job]) -> str | None:
    """Why `job` may not join the queue beside the `pending` ones, or None: its session has JOBS_PER_SESSION jobs
    waiting or running, its client address (ui/clients.py) JOBS_PER_ADDRESS, or LONG_JOBS_PER_ADDRESS long jobs
    (or adversarial examples) when it is one; so that no one client fills the queue, Gradio's or a lane's."""
    mine = [other for other in pending if other.address == job.address]
    if sum(other.session == job.session for other in pending) >= JOBS_PER_SESSION or len(mine) >= JOBS_PER_ADDRESS:
        return TOO_MANY_JOBS
    if job.concurrency_id in LONG_JOBS and sum(other.concurrency_id in LONG_JOBS for other in mine) >= \
            LONG_JOBS_PER_ADDRESS:
        return TOO_MANY_LONG_JOBS
    if job.concurrency_id == ADVERSARIAL_LANE and sum(other.concurrency_id == ADVERSARIAL_LANE for other in mine) >= \
            LONG_JOBS_PER_ADDRESS:
        return TOO_MANY_ADVERSARIAL
    return None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="interface to listen on (0.0.0.0 for all; default 127.0.0.1)")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("GRADIO_SERVER_PORT") or os.environ.get("PORT") or 7860))
    parser.add_argument("--share", action="store_true", help="also create a temporary public gradio.live link")
    parser.add_argument("--data-root", action="append", type=Path, dest="data_roots",
                        help="folder (or parent of folders) holding Oxford-IIIT Pet copies the Fine-tune tab offers by "
                             "name (repeatable; default: TRANSFER_DATA_ROOTS, else pets-mini's parent folder "
                             "and the download folder)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    launch(build_app(args.data_roots), server_name=args.host, server_port=args.port, share=args.share)


if __name__ == "__main__":
    main()
