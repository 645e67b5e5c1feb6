"""Ideal image and Adversarial tabs: gradient descent on the image instead of on the network."""

from __future__ import annotations

import io
import math

import gradio as gr

import transfer
from transfer import adversarial, ideal
from transfer.data import PETS_FOLDER, PETS_MINI
from transfer.ideal import photos_like
from transfer.progress import OptimisationStep
from transfer.render import overlay
from ui import controls
from ui.common import (dog_examples, example_photos, label_scores, model_choices, received_file, release_memory,
                       save_output, session_model, user_errors)
from ui.evaluation import thumbnail
from ui.hardware import LIMITS, on_gpu

#: Both tabs share one concurrency group (ui.hardware: one job at a time on CPU), so long optimisations never starve
#: quick Classify requests.
CONCURRENCY_ID = "synthesis"
#: A job running longer stops after its current step and shows the image so far (like training's time limit).
MAX_SYNTHESIS_SECONDS = LIMITS.synthesis_seconds
#: The Adversarial tab's confidence, in percent. Its event takes its values raw (preprocess=False), so Gradio checks
#: no slider: the library checks the others' ranges (transfer.adversarial's specs), run_adversarial this one.
SURE = adversarial.CONFIDENCE.scaled(100, name="sure", step=1,
                                     title="Keep going until the network is at least this sure (%)",
                                     help="0: stop as soon as it is fooled. The lesson's cat reaches 87%.")
SECOND_MODEL, SECOND_FALLBACK = "tf_efficientnet_lite2", "tf_efficientnet_lite1"
UNTARGETED = "(untargeted) anything but the photo's class"
IDEAL_DEFAULT = "Siamese cat, Siamese"
ADVERSARIAL_DEFAULT = transfer.resolve_target(transfer.imagenet_labels(), adversarial.DEFAULT_TARGET).label
SIMILAR_PHOTOS = 4  # real photos shown beside the ideal image
SESSION_PHOTOS = 400  # at most this many of the session's dataset photos are searched for them

IDEAL_EXPLANATION = """
**What does the network think a Siamese cat looks like?** We start from random noise and change the *picture* (not the
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
ADVERSARIAL_EXPLANATION = """
**Fooling a network.** The same optimisation, started from a real photo, changes every pixel by at most *eps* (in
1/255 of the brightness range: invisible to you) until the network sees the target class. The downloaded PNG is
exactly the 8-bit image that was checked: classify it in the Classify tab and you get the same answer.
*TV weight* makes the change smoother (fewer speckles), *steps* is how long it may try.
"""


def second_model(model: str) -> str:
    """An independent network to cross-check an ideal image: Lite2, or Lite1 when Lite2 made the image."""
    return SECOND_FALLBACK if model == SECOND_MODEL else SECOND_MODEL


@user_errors
def target_choices(model: str, current: str | None, session=None, untargeted: bool = False):
    """The target dropdown for the chosen model's classes, keeping the current choice when it still exists."""
    labels = transfer.load_model(session_model(model, session)).labels
    choices = ([UNTARGETED] if untargeted else []) + labels
    return gr.Dropdown(choices=choices, value=current if current in choices else choices[0])


@on_gpu("synthesis")
@user_errors
def run_ideal(target: str, mode: str, steps: float, tv_weight: float, lr: float, seed: float, model: str,
              session=None, progress=gr.Progress()):
    """Stream previews of the ideal image, then the final PNG, where it matters, both networks' top-5 and a summary;
    then the real photos most like the target."""
    model = session_model(model, session)
    try:
        for item in transfer.iter_ideal_image(target, model, steps=steps, tv_weight=tv_weight, lr=lr, seed=seed,
                                              mode=mode, max_seconds=MAX_SYNTHESIS_SECONDS):
            if isinstance(item, OptimisationStep):
                progress((item.step, item.steps),
                         desc=f"network {item.probability:.0%} sure · step {item.step}/{item.steps}")
                if item.preview is not None:
                    yield item.preview, None, None, None, None, None, None, None
                continue
            if item.steps < steps:
                gr.Warning(f"Stopped after {item.steps} steps at the {MAX_SYNTHESIS_SECONDS} s time limit.")
            buffer = io.BytesIO()
            item.image.save(buffer, format="PNG")
            cross = transfer.predict(item.image, second_model(model), top_k=5)
            outputs = [item.image, item.image, overlay(item.image, item.importance), None,
                       label_scores(item.predictions), label_scores(cross), save_output(buffer.getvalue(), "ideal"),
                       summary(item, cross)]
            yield outputs
            outputs[3] = [(thumbnail(path), f"{score:.0%}")
                          for path, score in photos_like(item.target.index, candidate_photos(session), model,
                                                         SIMILAR_PHOTOS)]
            yield outputs
    finally:
        release_memory()  # each job's optimiser state and activations


def summary(result: transfer.IdealImage, cross: list[transfer.Prediction]) -> str:
    """In words: how sure both networks are, and how long it took."""
    name = result.target.label.split(",")[0]
    rank = next((i for i, p in enumerate(cross, 1) if p.label == result.target.label), None)
    if rank:
        second = f"the second network ranks {name} **#{rank}** of its classes ({cross[rank - 1].score:.0%})."
    elif result.target.label in transfer.imagenet_labels():
        second = f"{name} is not in the second network's top 5."
    else:
        second = f"the second network knows only ImageNet's classes: it sees **{cross[0].label.split(',')[0]}**."
    return f"Done in {result.seconds:.0f} s: the network is {result.probability:.1%} sure it is **{name}**; {second}"


def candidate_photos(session=None) -> list[str]:
    """Real photos to compare with: Gradio's example photos, the pets sample if present, the session's dataset."""
    photos = example_photos() + sorted(str(path) for path in (PETS_MINI / PETS_FOLDER / "images").glob("*.jpg"))
    data = getattr(session, "data", None)
    if data is not None:
        samples = data.train + data.val + data.test
        photos += [path for path, _label in samples[::max(1, len(samples) // SESSION_PHOTOS)]]
    return list(dict.fromkeys(photos))


@on_gpu("synthesis")
@user_errors
def run_adversarial(image: dict | str | None, target: str, steps: float, tv_weight: float, eps: float, lr: float,
                    model: str, sure: float = 0, session=None, progress=gr.Progress()):
    """Attack the photo; returns original vs adversarial, the amplified change, both top-5s, figures and the PNG."""
    image = received_file(image)
    sure = SURE.check(sure)
    model = session_model(model, session)
    goal = None if target == UNTARGETED else target
    try:
        for item in transfer.iter_adversarial(image, goal, model, steps=steps, tv_weight=tv_weight, eps=eps, lr=lr,
                                              confidence=sure / 100, max_seconds=MAX_SYNTHESIS_SECONDS):
            if isinstance(item, OptimisationStep):
                progress((item.step, item.steps), desc=f"target probability {item.probability:.1%}")
                continue
            return ((item.original_image, item.image), item.perturbation, label_scores(item.original),
                    label_scores(item.adversarial), figures(item), save_output(item.png, "adversarial"))
    finally:
        release_memory()  # a photo is optimised at up to 1024 px: large activations


MEASURES = ("*L-inf*: the most any one colour value of any pixel changed (out of 255). *L2*: the size of the whole "
            "change taken together (square root of the sum of squared changes, colours from 0 to 1). *PSNR*: how "
            "close the new photo is to the original; above about 40 dB people see no difference.")


def figures(result: transfer.AdversarialExample) -> str:
    """The verdict and size of the change, in words for non-coders."""
    goal = f"**{result.target.label}**" if result.target else "any other class"
    verdict = "Fooled" if result.success else "Not fooled yet (try more steps or a larger eps)"
    psnr = "no change" if math.isinf(result.psnr) else f"{result.psnr:.1f} dB"
    return (f"### {verdict}\n{result.original[0].label} → **{result.adversarial[0].label}** "
            f"({result.adversarial[0].score:.1%}), aiming at {goal}, after {result.steps} steps "
            f"({result.seconds:.1f} s), checked on the saved PNG.\n\n"
            f"| largest change (L-inf) | total change (L2) | PSNR |\n|---|---|---|\n"
            f"| {result.linf:g}/255 | {result.l2:.3f} | {psnr} |\n\n"
            f"The picture of the change is amplified ×{result.amplification:.0f} so that you can see it.\n\n"
            f"{MEASURES}")


def model_dropdown(elem_id: str) -> gr.Dropdown:
    return gr.Dropdown(model_choices(), value=transfer.DEFAULT_MODEL, label="Network", allow_custom_value=True,
                       elem_id=elem_id,
                       info="A catalog or timm model name, or the model you fine-tuned in this session.")


def build_ideal(session: gr.State) -> gr.Dropdown:
    """Build the Ideal image tab; `session` holds this browser's fine-tuned model. Returns the model dropdown."""
    gr.Markdown(IDEAL_EXPLANATION)
    defaults = ideal.MODES[ideal.DEFAULT_MODE]
    with gr.Row():
        with gr.Column(scale=2):
            target = gr.Dropdown(transfer.imagenet_labels(), value=IDEAL_DEFAULT, label="Target class",
                                 filterable=True, allow_custom_value=True,
                                 info="Type to search the network's classes (1000 for ImageNet networks).")
            mode = gr.Radio([(mode.title, name) for name, mode in ideal.MODES.items()], value=ideal.DEFAULT_MODE,
                            label="Mode")
            steps = controls.slider(ideal.STEPS, defaults.steps, elem_id="ideal-steps")
            tv_weight = controls.slider(ideal.TV_WEIGHT, defaults.tv_weight)
            with gr.Accordion("Advanced", open=False):
                lr = controls.slider(ideal.LR, defaults.lr)
                seed = controls.number(ideal.SEED)
                model = model_dropdown("ideal-model")
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
                photos = gr.Gallery(label="Real photos the network finds most like the target", columns=2,
                                    height=300, object_fit="contain", elem_id="ideal-photos")
            with gr.Row():
                own = gr.Label(num_top_classes=5, label="Top-5 of the network that made it", elem_id="ideal-own")
                cross = gr.Label(num_top_classes=5, label="Top-5 of a second, independent network",
                                 elem_id="ideal-cross")
            download = gr.File(label="Download PNG", elem_id="ideal-download")
    mode.change(lambda m: [ideal.MODES[m].steps, ideal.MODES[m].tv_weight, ideal.MODES[m].lr], mode,
                [steps, tv_weight, lr], api_visibility="private")
    model.change(target_choices, [model, target, session], target, api_visibility="private")
    button.click(run_ideal, [target, mode, steps, tv_weight, lr, seed, model, session],
                 [preview, final, importance, photos, own, cross, download, status], api_name="ideal",
                 concurrency_limit=LIMITS.synthesis_jobs, concurrency_id=CONCURRENCY_ID, show_progress_on=status)
    return model


def build_adversarial(session: gr.State) -> gr.Dropdown:
    """Build the Adversarial tab; `session` holds this browser's fine-tuned model. Returns the model dropdown."""
    gr.Markdown(ADVERSARIAL_EXPLANATION)
    with gr.Row():
        with gr.Column(scale=2):
            image = gr.Image(type="filepath", sources=["upload", "webcam", "clipboard"], label="Photo", height=280,
                             elem_id="adversarial-photo")
            target = gr.Dropdown([UNTARGETED, *transfer.imagenet_labels()], value=ADVERSARIAL_DEFAULT,
                                 label="Make the network see", filterable=True, allow_custom_value=True)
            steps = controls.slider(adversarial.STEPS, elem_id="adversarial-steps")
            sure = controls.slider(SURE, elem_id="adversarial-sure")
            eps = controls.slider(adversarial.EPS)
            tv_weight = controls.slider(adversarial.TV_WEIGHT)
            with gr.Accordion("Advanced", open=False):
                lr = controls.slider(adversarial.LR, adversarial.default_lr(adversarial.EPS.default))
                model = model_dropdown("adversarial-model")
            button = gr.Button("Create adversarial example", variant="primary")
        with gr.Column(scale=3):
            slider = gr.ImageSlider(label="Original | adversarial (drag the handle)", type="pil", format="png",
                                    interactive=False, elem_id="adversarial-slider")
            with gr.Row():
                perturbation = gr.Image(label="The change, amplified", format="png", height=240,
                                        interactive=False, elem_id="adversarial-perturbation")
                figures_box = gr.Markdown(elem_id="adversarial-figures")
            with gr.Row():
                before = gr.Label(num_top_classes=5, label="Before", elem_id="adversarial-before")
                after = gr.Label(num_top_classes=5, label="After (the saved PNG, classified again)",
                                 elem_id="adversarial-after")
            download = gr.File(label="Download PNG (exactly the verified image)", elem_id="adversarial-download")
    gr.Examples([[path] for path in dog_examples()], inputs=[image], label="Example photos (click one)")
    eps.change(adversarial.default_lr, eps, lr, api_visibility="private")
    model.change(lambda m, t, s: target_choices(m, t, s, untargeted=True), [model, target, session], target,
                 api_visibility="private")
    button.click(run_adversarial, [image, target, steps, tv_weight, eps, lr, model, sure, session],
                 [slider, perturbation, before, after, figures_box, download], api_name="adversarial",
                 concurrency_limit=LIMITS.synthesis_jobs, concurrency_id=CONCURRENCY_ID, preprocess=False)
    return model
