"""Adversarial tab: change a real photo invisibly until the network sees another class."""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr

import transfer
from transfer.synthesis import adversarial
from transfer.progress import OptimisationStep
from ui import controls, synthesis
from ui.common import dog_examples, label_scores, received_file, save_output, session_model, user_errors
from ui.hardware import LIMITS, on_gpu
from ui.synthesis import UNTARGETED
from ui.tabs import bind, named

#: The Adversarial tab's confidence, in percent. Its event takes its values raw (preprocess=False), so Gradio checks
#: no slider: the library checks the others' ranges (transfer.adversarial's specs), run_adversarial this one.
SURE = adversarial.CONFIDENCE.scaled(100, name="sure", step=1,
                                     title="Keep going until the network is at least this sure (%)",
                                     help="0: stop as soon as it is fooled. The lesson's cat reaches 87%.")
DEFAULT_TARGET = transfer.resolve_target(transfer.imagenet_labels(), adversarial.DEFAULT_TARGET).label
EXPLANATION = """
**Fooling a network.** The same optimisation, started from a real photo, changes every pixel by at most *eps* (in
1/255 of the brightness range: invisible to you) until the network sees the target class. The downloaded PNG is
exactly the 8-bit image that was checked: classify it in the Classify tab and you get the same answer.
*TV weight* makes the change smoother (fewer speckles), *steps* is how long it may try.
"""
#: The /adversarial event's outputs, in the order its API callers read them.
OUTPUTS = ("slider", "perturbation", "before", "after", "figures", "download")


@on_gpu("synthesis")
@user_errors
def run_adversarial(image: dict | str | None, target: str, steps: float, tv_weight: float, eps: float, lr: float,
                    model: str, sure: float = 0, session=None, progress=gr.Progress()) -> dict[str, object]:
    """Attack the photo: original vs adversarial, the amplified change, both top-5s, figures and the PNG, by output
    name (OUTPUTS)."""
    image = received_file(image)
    sure = SURE.check(sure)
    model = session_model(model, session)
    goal = None if target == UNTARGETED else target
    for item in synthesis.RESULTS.iter_adversarial(image, goal, model, steps=steps, tv_weight=tv_weight, eps=eps,
                                                   lr=lr, confidence=sure / 100,
                                                   max_seconds=synthesis.MAX_SYNTHESIS_SECONDS):
        if isinstance(item, OptimisationStep):
            progress((item.step, item.steps), desc=f"target probability {item.probability:.1%}")
            continue
        return {"slider": (item.original_image, item.image), "perturbation": item.perturbation,
                "before": label_scores(item.original), "after": label_scores(item.adversarial),
                "figures": figures(item), "download": save_output(item.png, "adversarial")}


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


@dataclass(frozen=True)
class Components:
    """The Adversarial tab's components: settings, then the outputs (OUTPUTS)."""

    image: gr.Image
    target: gr.Dropdown
    steps: gr.Slider
    sure: gr.Slider
    eps: gr.Slider
    tv_weight: gr.Slider
    lr: gr.Slider
    model: gr.Dropdown
    advanced: gr.Accordion  # lr and model: hidden in teacher mode (ui/lesson.py)
    button: gr.Button
    slider: gr.ImageSlider
    perturbation: gr.Image
    figures: gr.Markdown
    before: gr.Label
    after: gr.Label
    download: gr.File


def attack(c: Components, image: dict | str | None, target: str, steps: float, tv_weight: float, eps: float,
           lr: float, model: str, sure: float = 0, session=None, progress=gr.Progress()) -> dict:
    """The adversarial example and its figures (the API's /adversarial)."""
    return named(c, run_adversarial(image, target, steps, tv_weight, eps, lr, model, sure, session, progress))


def lr_for(c: Components, eps: float) -> dict:
    """The learning rate that suits the chosen eps."""
    return {c.lr: adversarial.default_lr(eps)}


def targets_for(c: Components, model: str, current: str | None, session=None) -> dict:
    """The target dropdown for the chosen model's classes, and 'untargeted'."""
    return {c.target: synthesis.target_choices(model, current, session, untargeted=True)}


def layout() -> Components:
    """The Adversarial tab's components (`wire` adds the events)."""
    gr.Markdown(EXPLANATION)
    with gr.Row():
        with gr.Column(scale=2):
            image = gr.Image(type="filepath", sources=["upload", "webcam", "clipboard"], label="Photo", height=280,
                             elem_id="adversarial-photo")
            target = gr.Dropdown([UNTARGETED, *transfer.imagenet_labels()], value=DEFAULT_TARGET,
                                 label="Make the network see", filterable=True, allow_custom_value=True)
            steps = controls.slider(adversarial.STEPS, elem_id="adversarial-steps")
            sure = controls.slider(SURE, elem_id="adversarial-sure")
            eps = controls.slider(adversarial.EPS)
            tv_weight = controls.slider(adversarial.TV_WEIGHT)
            with gr.Accordion("Advanced", open=False) as advanced:
                lr = controls.slider(adversarial.LR, adversarial.default_lr(adversarial.EPS.default))
                model = synthesis.model_dropdown("adversarial-model")
            button = gr.Button("Create adversarial example", variant="primary")
        with gr.Column(scale=3):
            slider = gr.ImageSlider(label="Original | adversarial (drag the handle)", type="pil", format="png",
                                    interactive=False, elem_id="adversarial-slider")
            with gr.Row(elem_id="adversarial-change"):  # one above the other on a phone (ui/style.css)
                perturbation = gr.Image(label="The change, amplified", format="png", height=240,
                                        interactive=False, elem_id="adversarial-perturbation")
                figures_box = gr.Markdown(elem_id="adversarial-figures")
            with gr.Row():
                before = gr.Label(num_top_classes=5, label="Before", elem_id="adversarial-before")
                after = gr.Label(num_top_classes=5, label="After (the saved PNG, classified again)",
                                 elem_id="adversarial-after")
            download = gr.File(label="Download PNG (exactly the verified image)", elem_id="adversarial-download")
    gr.Examples([[path] for path in dog_examples()], inputs=[image], label="Example photos (click one)")
    return Components(image=image, target=target, steps=steps, sure=sure, eps=eps, tv_weight=tv_weight, lr=lr,
                      model=model, advanced=advanced, button=button, slider=slider, perturbation=perturbation,
                      figures=figures_box, before=before, after=after, download=download)


def wire(c: Components, session: gr.State) -> None:
    """The Adversarial tab's events; `session` holds this browser's fine-tuned model."""
    c.eps.change(bind(lr_for, c), c.eps, [c.lr], api_visibility="private")
    c.model.change(bind(targets_for, c), [c.model, c.target, session], [c.target], api_visibility="private")
    c.button.click(bind(attack, c), [c.image, c.target, c.steps, c.tv_weight, c.eps, c.lr, c.model, c.sure, session],
                   [getattr(c, name) for name in OUTPUTS], api_name="adversarial",
                   concurrency_limit=LIMITS.adversarial_jobs, concurrency_id=synthesis.ADVERSARIAL_ID, preprocess=False)


def build(session: gr.State) -> Components:
    """Build the Adversarial tab; `session` holds this browser's fine-tuned model."""
    c = layout()
    wire(c, session)
    return c
