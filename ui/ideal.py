"""Ideal image tab: start from noise and change the image until the network is sure it sees a class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr

import transfer
from transfer.synthesis import ideal
from transfer.data import pets_images
from transfer.progress import OptimisationStep, Waiting
from transfer.render import overlay
from ui import controls, synthesis
from ui.common import example_photos, label_scores, session_model, user_errors
from ui.finetune.views import thumbnail
from ui.hardware import LIMITS, on_gpu
from ui.i18n import markdown_text
from ui.server import waiting_text
from ui.tabs import bind, named

SECOND_MODEL, SECOND_FALLBACK = "tf_efficientnet_lite2", "tf_efficientnet_lite1"
DEFAULT_TARGET = "Siamese cat, Siamese"
SIMILAR_PHOTOS = 4  # real photos shown beside the ideal image
SESSION_PHOTOS = 400  # at most this many of the session's dataset photos are searched for them
MIN_LIKENESS = 0.05  # a photo the network gives the target less probability than this is no example of it
PHOTOS_LABEL = "Real photos the network finds most like the target"
NO_PHOTOS = "None of the {count} real photos at hand looks like {name} to the network (the closest: {best})."
HEADING = "### What does {name} look like to the network?"
STARTED = "*Working on a new ideal image: the previous result is cleared.*"
#: The /ideal event's outputs, in the order its API callers read them. The similar photos follow as their own event
#: (/similar_photos) in their own lane: the first classification of the photos (seconds) holds up no ideal image.
OUTPUTS = ("preview", "final", "importance", "own", "cross", "download", "status")
PHOTOS_LANE = "similar-photos"

EXPLANATION = """
We start from random noise and change the *picture* (not the
network) step by step, always in the direction that makes the network more sure it sees your target class.
- **Mode**: *natural* may only move detail around: how much fine and coarse detail the picture has stays that of real
  photos, and the network sees random parts of it, so what grows looks like a photo. *Robust* builds the picture from
  smooth waves shown shifted, scaled and rotated. *Lesson* changes the pixels directly: the network is soon sure, but
  the picture mostly stays noise that fools only this one network.
- **Steps**: how many changes it makes; watch the live preview grow.
- **Total variation (TV)** measures how much neighbouring pixels differ: a noisy picture has a high TV, a smooth one a
  low TV. Raising the *TV weight* punishes noise, so the picture becomes smoother (plainest in lesson mode; in natural
  mode it turns the finest detail down).
- **Where the picture matters** colours the parts whose changes moved the network most (red), over all steps. The **real
  photos** are those at hand that the network finds most like the target: compare them with its dream. A **second
  network**, never used for the optimisation, tells you whether the result is the class to other eyes too.
"""


def second_model(model: str) -> str:
    """An independent network to cross-check an ideal image: Lite2, or Lite1 when Lite2 made the image."""
    return SECOND_FALLBACK if model == SECOND_MODEL else SECOND_MODEL


@on_gpu("synthesis")
@user_errors
def run_ideal(target: str, mode: str, steps: float, tv_weight: float, lr: float, seed: float, model: str,
              session=None, progress=gr.Progress()) -> Iterator[dict[str, object]]:
    """Stream previews of the ideal image, then the final PNG, where it matters, both networks' top-5 and a summary:
    each as {output name (OUTPUTS): value}."""
    model = session_model(model, session)
    yield dict.fromkeys(OUTPUTS) | {"status": STARTED}
    told = False
    for item in synthesis.RESULTS.iter_ideal_image(target, model, steps=steps, tv_weight=tv_weight, lr=lr,
                                                   seed=seed, mode=mode,
                                                   max_seconds=synthesis.MAX_SYNTHESIS_SECONDS):
        if isinstance(item, Waiting):  # behind other ideal images (ui.synthesis.RESULTS's line)
            progress(0, desc=waiting_text(item.place, item.seconds))
            if not told:  # as a job waiting in a lane is told (ui.server.announce_place)
                gr.Info(waiting_text(item.place, item.seconds))
                told = True
            continue
        if isinstance(item, OptimisationStep):
            progress((item.step, item.steps),
                     desc=f"network {item.probability:.0%} sure · step {item.step}/{item.steps}")
            if item.preview is not None:
                preview = item.preview
                yield dict.fromkeys(OUTPUTS) | {"preview": synthesis.once_per(
                    preview, lambda: synthesis.png_file(preview, "ideal-preview"))}
            continue
        if item.steps < steps:
            gr.Warning(f"Stopped after {item.steps} steps at the {synthesis.MAX_SYNTHESIS_SECONDS} s time limit.")
        result = item
        yield synthesis.once_per(result, lambda: panels(result, model))


def panels(result: transfer.IdealImage, model: str) -> dict[str, object]:
    """A finished ideal image's outputs (OUTPUTS): the PNG, where it matters, both networks' top-5 and a summary."""
    image = synthesis.png_file(result.image, "ideal")
    cross = transfer.predict(result.image, second_model(model), top_k=5)
    return {"preview": image, "final": image, "importance": synthesis.png_file(
                overlay(result.image, result.importance), "ideal-importance"),
            "own": label_scores(result.predictions), "cross": label_scores(cross), "download": image,
            "status": summary(result, cross)}


def summary(result: transfer.IdealImage, cross: list[transfer.Prediction]) -> str:
    """In words: how sure both networks are, and how long it took."""
    name = short_name(result.target.label)
    rank = next((i for i, p in enumerate(cross, 1) if p.label == result.target.label), None)
    if rank:
        second = f"the second network ranks {name} **#{rank}** of its classes ({cross[rank - 1].score:.0%})."
    elif result.target.label in transfer.imagenet_labels():
        second = f"{name} is not in the second network's top 5."
    else:
        second = f"the second network knows only ImageNet's classes: it sees **{cross[0].label.split(',')[0]}**."
    return f"Done in {result.seconds:.0f} s: the network is {result.probability:.1%} sure it is **{name}**; {second}"


@on_gpu("quick")
@user_errors
def show_similar_photos(target: str, model: str, session=None) -> gr.Gallery:
    """The real photos at hand (candidate_photos) most like the target, after its ideal image (the API's
    /similar_photos)."""
    model = session_model(model, session)
    goal = transfer.resolve_target(transfer.load_model(model).labels, target)
    return similar_photos(goal, candidate_photos(session), model)


def clear_photos() -> gr.Gallery:
    """No photos while a new ideal image is being made: those shown were for the previous one."""
    return gr.Gallery(value=[], label=PHOTOS_LABEL)


def similar_photos(target: transfer.Target, photos: list[str], model: str) -> gr.Gallery:
    """The real photos most like the target with their scores; none, said in the label, when none comes close."""
    found = synthesis.RESULTS.photos_like(target.index, photos, model, SIMILAR_PHOTOS)
    alike = [(thumbnail(path), f"{score:.0%}") for path, score in found if score >= MIN_LIKENESS]
    if alike or not found:
        return gr.Gallery(value=alike, label=PHOTOS_LABEL)
    return gr.Gallery(value=[], label=NO_PHOTOS.format(count=len(photos), name=short_name(target.label),
                                                       best=f"{found[0][1]:.0%}"))


def short_name(label: str) -> str:
    """A class's first synonym: 'Siamese cat' for 'Siamese cat, Siamese'."""
    return label.split(",")[0].strip()


def heading(target: str | None) -> str:
    """The tab's heading, naming the chosen target class."""
    return HEADING.format(name=markdown_text(short_name(target or DEFAULT_TARGET)))


def candidate_photos(session=None) -> list[str]:
    """Real photos to compare with: Gradio's example photos, the pets sample if present, the session's dataset."""
    photos = example_photos() + sorted(str(path) for path in pets_images().glob("*.jpg"))
    data = getattr(session, "data", None)
    if data is not None:
        samples = data.train + data.val + data.test
        photos += [path for path, _label in samples[::max(1, len(samples) // SESSION_PHOTOS)]]
    return list(dict.fromkeys(photos))


@dataclass(frozen=True)
class Components:
    """The Ideal image tab's components: settings, then the outputs (OUTPUTS)."""

    title: gr.Markdown
    target: gr.Dropdown
    mode: gr.Radio
    steps: gr.Slider
    tv_weight: gr.Slider
    lr: gr.Slider
    seed: gr.Number
    model: gr.Dropdown
    advanced: gr.Accordion  # lr, seed and model: hidden in teacher mode (ui/lesson.py)
    button: gr.Button
    status: gr.Markdown
    preview: gr.Image
    final: gr.Image
    importance: gr.Image
    photos: gr.Gallery
    own: gr.Label
    cross: gr.Label
    download: gr.File


def create(c: Components, target: str, mode: str, steps: float, tv_weight: float, lr: float, seed: float, model: str,
           session=None, progress=gr.Progress()) -> Iterator[dict]:
    """The ideal image's previews, then every panel (the API's /ideal)."""
    for values in run_ideal(target, mode, steps, tv_weight, lr, seed, model, session, progress):
        yield named(c, values)


def mode_defaults(c: Components, mode: str) -> dict:
    """The chosen mode's own steps, TV weight and learning rate."""
    defaults = ideal.MODES[mode]
    return {c.steps: defaults.steps, c.tv_weight: defaults.tv_weight, c.lr: defaults.lr}


def targets_for(c: Components, model: str, current: str | None, session=None) -> dict:
    """The target dropdown for the chosen model's classes."""
    return {c.target: synthesis.target_choices(model, current, session)}


def layout() -> Components:
    """The Ideal image tab's components (`wire` adds the events)."""
    title = gr.Markdown(heading(DEFAULT_TARGET), elem_id="ideal-heading")
    gr.Markdown(EXPLANATION)
    defaults = ideal.MODES[ideal.DEFAULT_MODE]
    with gr.Row():
        with gr.Column(scale=2):
            target = gr.Dropdown(transfer.imagenet_labels(), value=DEFAULT_TARGET, label="Target class",
                                 filterable=True, allow_custom_value=True,
                                 info="Type to search the network's classes (1000 for ImageNet networks).")
            mode = gr.Radio([(mode.title, name) for name, mode in ideal.MODES.items()], value=ideal.DEFAULT_MODE,
                            label="Mode")
            steps = controls.slider(ideal.STEPS, defaults.steps, elem_id="ideal-steps")
            tv_weight = controls.slider(ideal.TV_WEIGHT, defaults.tv_weight)
            with gr.Accordion("Advanced", open=False) as advanced:
                lr = controls.slider(ideal.LR, defaults.lr)
                seed = controls.number(ideal.SEED)
                model = synthesis.model_dropdown("ideal-model")
            button = gr.Button("Create ideal image", variant="primary")
            status = gr.Markdown("*Progress, then the result in words, show here.*", elem_id="ideal-status",
                                 min_height=80)
        with gr.Column(scale=3):
            with gr.Row():
                preview = gr.Image(label="Live preview", format="png", height=300, interactive=False,
                                   elem_id="ideal-preview")
                final = gr.Image(label="Ideal image", format="png", height=300, interactive=False, elem_id="ideal-final")
            with gr.Row():
                importance = gr.Image(label="Where the picture matters",
                                      format="png", height=300, interactive=False, elem_id="ideal-importance")
                photos = gr.Gallery(label=PHOTOS_LABEL, columns=2,
                                    height=300, object_fit="contain", elem_id="ideal-photos")
            with gr.Row():
                own = gr.Label(num_top_classes=5, label="Top-5 of the network that made it", elem_id="ideal-own")
                cross = gr.Label(num_top_classes=5, label="Top-5 of a second, independent network",
                                 elem_id="ideal-cross")
            download = gr.File(label="Download PNG", elem_id="ideal-download")
    return Components(title=title, target=target, mode=mode, steps=steps, tv_weight=tv_weight, lr=lr, seed=seed,
                      model=model, advanced=advanced, button=button, status=status, preview=preview, final=final,
                      importance=importance, photos=photos, own=own, cross=cross, download=download)


def wire(c: Components, session: gr.State) -> None:
    """The Ideal image tab's events; `session` holds this browser's fine-tuned model."""
    c.target.change(heading, c.target, c.title, api_visibility="private")
    # on a visitor's choice only: a link (ui/lesson.py) sets a mode and its own steps together
    c.mode.input(bind(mode_defaults, c), c.mode, [c.steps, c.tv_weight, c.lr], api_visibility="private")
    c.model.change(bind(targets_for, c), [c.model, c.target, session], [c.target], api_visibility="private")
    c.button.click(clear_photos, None, c.photos, queue=False, show_progress="hidden", api_visibility="private")
    made = c.button.click(bind(create, c), [c.target, c.mode, c.steps, c.tv_weight, c.lr, c.seed, c.model, session],
                          [getattr(c, name) for name in OUTPUTS], api_name="ideal",
                          concurrency_limit=LIMITS.synthesis_requests, concurrency_id=synthesis.CONCURRENCY_ID,
                          show_progress_on=c.status)
    # one lane of its own: the first student's classification of the photos, the rest find them classified; a
    # student waiting there is not told "your job is number N in the queue" after their image (ui/server.py)
    made.success(show_similar_photos, [c.target, c.model, session], c.photos, api_name="similar_photos",
                 concurrency_limit=1, concurrency_id=PHOTOS_LANE, show_progress="minimal")


def build(session: gr.State) -> Components:
    """Build the Ideal image tab; `session` holds this browser's fine-tuned model."""
    c = layout()
    wire(c, session)
    return c
