"""Adversarial examples: a change of at most `eps`/255 per pixel that makes the network see another class.

The perturbation is optimised at the photo's own resolution (capped at MAX_SIDE) through the classifier's own
differentiable resize/crop/normalise, and every forward pass sees the image rounded to 8 bits (a straight-through
estimator passes the gradient past the rounding). Success is only reported after the PNG bytes the user gets have been
decoded again and classified by the ordinary `predict` path, so the saved file really fools the network.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from ..models.classifier import Classifier
from ..images import ImageInput, load_image, to_tensor
from ..models.catalog import DEFAULT_MODEL
from ..predict import Prediction, predict, resolve, top_predictions
from ..render import tensor_to_image
from ..checks import check_float
from .optimisation import total_variation
from ..params import Param
from ..progress import OptimisationStep, run_to_result
from .targets import Target, resolve_target

__all__ = ["CONFIDENCE", "DEFAULT_TARGET", "EPS", "LR", "STEPS", "TV_WEIGHT", "AdversarialExample", "adversarial_example",
           "default_lr", "iter_adversarial"]

DEFAULT_TARGET = "tabby cat"
#: The settings, one range for the library, the command line and the app (whose server these bounds protect: the
#: Adversarial tab's event takes its values raw). Below eps 0.5/255 no 8-bit pixel can change.
STEPS = Param("steps", 1, 100, 20, "Steps (at most)", integer=True)
EPS = Param("eps", 0.5, 16, 2.0, "eps: largest change per pixel (in 1/255)", step=0.5)
TV_WEIGHT = Param("tv_weight", 0, 10, 0.0, "TV weight (smoothness of the change)", step=0.1)
LR = Param("lr", 0.05, 8, None, "Step size per step (in 1/255)", step=0.05, noun="learning rate")  # None: eps / 4
#: The probability the fooled network must give its new answer (0: any).
CONFIDENCE = Param("confidence", 0, 0.99, 0.0, "Keep going until the network gives its new answer at least this "
                   "probability, within the steps", "0 stops as soon as it is fooled")
#: Longer side at which the photo is optimised at most; larger photos are downscaled first (the PNG has this size).
MAX_SIDE = 1024
#: Logit margin the quantised image must reach before the saved PNG is verified.
MARGIN = 0.25
#: Momentum of the signed-gradient steps (MI-FGSM, Dong et al. 2018): steadier directions, fewer steps.
MOMENTUM = 0.5


@dataclass
class AdversarialExample:
    """The result: the verified 8-bit adversarial image and how much it differs from the photo."""

    image: Image.Image  # exactly what `png` decodes to
    png: bytes  # the verified PNG file
    original_image: Image.Image  # the photo, at the size it was optimised
    perturbation: Image.Image  # the change, amplified so that +-linf spans black..white (grey = unchanged)
    amplification: float  # how many times `perturbation` magnifies the change
    original: list[Prediction]  # top-5 of the photo
    adversarial: list[Prediction]  # top-5 of `png`, decoded again and classified by `predict`
    target: Target | None  # None: untargeted (anything but the photo's top class)
    success: bool  # the saved PNG gives the goal, with at least the asked confidence
    confidence: float  # the probability the new answer had to reach (0: any)
    linf: float  # largest change of any pixel channel, in 1/255 units
    l2: float  # Euclidean norm of the change, pixel values in [0, 1]
    psnr: float  # peak signal-to-noise ratio in dB (inf when nothing changed)
    steps: int
    seconds: float


def default_lr(eps: float) -> float:
    """The step size (in 1/255) used when none is given: a quarter of eps."""
    return eps / 4


def adversarial_example(image: ImageInput, target: int | str | None = DEFAULT_TARGET,
                        model: str | Classifier = DEFAULT_MODEL, *, steps: int = STEPS.default,
                        tv_weight: float = TV_WEIGHT.default, eps: float = EPS.default, lr: float | None = LR.default,
                        confidence: float = CONFIDENCE.default, max_seconds: float | None = None,
                        on_progress: Callable[[OptimisationStep], None] | None = None) -> AdversarialExample:
    """Change `image` by at most eps/255 per pixel until the model sees `target` (None: any other class), with at
    least `confidence` probability."""
    return run_to_result(iter_adversarial(image, target, model, steps=steps, tv_weight=tv_weight, eps=eps, lr=lr,
                                          confidence=confidence, max_seconds=max_seconds),
                         AdversarialExample, on_progress)


def iter_adversarial(image: ImageInput, target: int | str | None = DEFAULT_TARGET,
                     model: str | Classifier = DEFAULT_MODEL, *, steps: int = STEPS.default,
                     tv_weight: float = TV_WEIGHT.default, eps: float = EPS.default, lr: float | None = LR.default,
                     confidence: float = CONFIDENCE.default,
                     max_seconds: float | None = None) -> Iterator[OptimisationStep | AdversarialExample]:
    """Yield an OptimisationStep per optimisation step, then the AdversarialExample last.

    Each step moves the perturbation by `lr`/255 (default: default_lr(eps)) along the sign of its momentum-averaged
    gradient, then clips it to +-eps/255; `tv_weight` penalises the perturbation's total variation, making it smoother.
    It stops as soon as the 8-bit image reaches the target by MARGIN logits, with at least `confidence` probability
    (CONFIDENCE's range; 0: any), and its PNG passes the check; or after `steps` steps, or after the step that
    reaches `max_seconds`.
    """
    classifier = resolve(model)
    goal = None if target is None else resolve_target(classifier.labels, target)
    steps, tv_weight, eps = STEPS.check(steps), TV_WEIGHT.check(tv_weight), EPS.check(eps)
    lr = LR.check(default_lr(eps) if lr is None else lr)
    confidence = CONFIDENCE.check(confidence)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, 0, math.inf)
    start = time.perf_counter()
    photo = _capped(load_image(image))
    original = to_tensor(photo).unsqueeze(0).to(classifier.device)
    before = classifier.infer(classifier.preprocess(original)).softmax(-1)
    source = int(before.argmax())
    delta = torch.zeros_like(original, requires_grad=True)
    velocity = torch.zeros_like(original)
    labels = torch.tensor([source if goal is None else goal.index], device=original.device)
    for step in range(steps + 1):
        with torch.enable_grad():
            adversarial = _quantised(original + delta)
            logits = classifier.network(classifier.preprocess(adversarial))
        result = None
        if _reached(logits[0].detach(), source, goal, confidence):
            result = _verify(classifier, photo, original, adversarial.detach(), before, goal, source, confidence)
            if result.success:
                break
        if step == steps or (max_seconds is not None and time.perf_counter() - start >= max_seconds):
            break
        with torch.enable_grad():
            loss = F.cross_entropy(logits, labels)
            loss = (loss if goal is not None else -loss) + tv_weight * total_variation(delta * (255 / eps))
            loss.backward()
        with torch.no_grad():
            velocity = MOMENTUM * velocity + delta.grad / delta.grad.abs().mean().clamp(min=1e-12)
            delta -= lr / 255 * velocity.sign()
            delta.clamp_(-eps / 255, eps / 255)
            delta.copy_((original + delta).clamp(0, 1) - original)
            delta.grad = None
            probabilities = logits.softmax(-1)[0]
        goal_probability = 1 - probabilities[source] if goal is None else probabilities[goal.index]
        yield OptimisationStep(step + 1, steps, float(goal_probability))
    result = result or _verify(classifier, photo, original, adversarial.detach(), before, goal, source, confidence)
    result.steps, result.seconds = step, time.perf_counter() - start
    yield result


def _capped(photo: Image.Image) -> Image.Image:
    """The photo downscaled so that its longer side is at most MAX_SIDE."""
    if max(photo.size) <= MAX_SIDE:
        return photo
    scale = MAX_SIDE / max(photo.size)
    return photo.resize((max(1, round(photo.width * scale)), max(1, round(photo.height * scale))),
                        Image.Resampling.LANCZOS)


def _quantised(images: torch.Tensor) -> torch.Tensor:
    """Round to 8-bit levels in the forward pass; the gradient passes straight through."""
    images = images.clamp(0, 1)
    return images + ((images * 255).round() / 255 - images).detach()


def _reached(logits: torch.Tensor, source: int, goal: Target | None, confidence: float) -> bool:
    """True when the goal class leads by MARGIN logits (untargeted: some class beats the source by MARGIN) with at
    least `confidence` probability."""
    others = logits.clone()
    if goal is None:
        others[source] = -math.inf
        lead, answer = others.max() - logits[source], int(others.argmax())
    else:
        others[goal.index] = -math.inf
        lead, answer = logits[goal.index] - others.max(), goal.index
    return bool(lead >= MARGIN) and float(logits.softmax(-1)[answer]) >= confidence


def _verify(classifier: Classifier, photo: Image.Image, original: torch.Tensor, adversarial: torch.Tensor,
            before: torch.Tensor, goal: Target | None, source: int, confidence: float) -> AdversarialExample:
    """Encode the 8-bit PNG, decode and classify it again as any user would, and measure the change."""
    image = tensor_to_image(adversarial[0])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    png = buffer.getvalue()
    decoded = load_image(png)  # decoded from the PNG bytes once, then classified as any user would
    after = predict(decoded, classifier)
    fooled = after[0].index != source if goal is None else after[0].index == goal.index
    change = to_tensor(decoded).to(original.device) - original[0]
    linf = float(change.abs().max()) * 255
    mse = float(change.pow(2).mean())
    amplification = 255 / (2 * max(linf, 1.0))  # +-linf spans black..white
    perturbation = tensor_to_image(0.5 + change * amplification)
    return AdversarialExample(
        image=image, png=png, original_image=photo, perturbation=perturbation, amplification=amplification,
        original=top_predictions(classifier, before)[0], adversarial=after, target=goal,
        success=fooled and after[0].score >= confidence, confidence=confidence,
        linf=round(linf, 4), l2=float(change.norm()), psnr=10 * math.log10(1 / mse) if mse > 0 else math.inf,
        steps=0, seconds=0.0,
    )
