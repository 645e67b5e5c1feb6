"""The network's "ideal" image of a class: gradient descent on the image itself, from random noise.

Lesson mode optimises raw pixels with cross-entropy plus total variation (TV), exactly as the lesson describes; the
network is soon sure, but the picture stays mostly noise that fools only this one network. Robust mode (default)
uses what feature-visualisation research does (Olah et al., "Feature Visualization", Distill 2017): the image is
parameterised in a decorrelated colour space and a Fourier basis scaled towards low frequencies, and every step
shows the network randomly shifted, scaled and rotated copies, so only structure that survives those changes grows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from .classifier import Classifier
from .errors import InputError
from .models import DEFAULT_MODEL
from .predict import Prediction, resolve, top_predictions
from .render import tensor_to_image
from .checks import check_float, check_int
from .synthesis import Progress, generator, total_variation
from .targets import Target, resolve_target

MODES = ("robust", "lesson")
MAX_STEPS = 2000
MAX_TV_WEIGHT = 100.0
DEFAULTS = {"robust": {"steps": 128, "tv_weight": 0.5, "lr": 0.05},
            "lesson": {"steps": 128, "tv_weight": 0.5, "lr": 0.02}}
#: Square root of the colour correlation of ImageNet photos (from Lucid), to optimise in decorrelated colours.
_COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
_COLOR_SQRT = _COLOR_SQRT / _COLOR_SQRT.norm(dim=0).max()
_VIEWS = 2  # augmented copies per robust step


@dataclass
class IdealImage:
    """The result: the final 8-bit image and how sure the network is that it shows the target."""

    image: Image.Image
    target: Target
    probability: float  # target probability of the saved 8-bit image, through the ordinary predict path
    predictions: list[Prediction]
    mode: str
    steps: int
    seconds: float


def ideal_image(target: int | str, model: str | Classifier = DEFAULT_MODEL, *, steps: int | None = None,
                tv_weight: float | None = None, lr: float | None = None, size: int | None = None, seed: int = 0,
                mode: str = "robust", max_seconds: float | None = None,
                on_progress: Callable[[Progress], None] | None = None) -> IdealImage:
    """Optimise an image until the model sees `target`; on_progress gets each Progress report."""
    for item in iter_ideal_image(target, model, steps=steps, tv_weight=tv_weight, lr=lr, size=size, seed=seed,
                                 mode=mode, max_seconds=max_seconds):
        if isinstance(item, IdealImage):
            return item
        if on_progress is not None:
            on_progress(item)
    raise AssertionError("iter_ideal_image ended without a result")


def iter_ideal_image(target: int | str, model: str | Classifier = DEFAULT_MODEL, *, steps: int | None = None,
                     tv_weight: float | None = None, lr: float | None = None, size: int | None = None,
                     seed: int = 0, mode: str = "robust", preview_every: int = 8,
                     max_seconds: float | None = None) -> Iterator[Progress | IdealImage]:
    """Yield a Progress (with a preview every `preview_every` steps) per step, then the IdealImage last.

    With `max_seconds`, the optimisation stops after the step that reaches it and the image so far is the result
    (its `steps` says how many were done).
    """
    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, got {mode!r}.")
    classifier = resolve(model)
    goal = resolve_target(classifier.labels, target)
    defaults = DEFAULTS[mode]
    steps = check_int("steps", defaults["steps"] if steps is None else steps, 1, MAX_STEPS)
    tv_weight = check_float("tv_weight", defaults["tv_weight"] if tv_weight is None else tv_weight, 0, MAX_TV_WEIGHT)
    lr = check_float("learning rate", defaults["lr"] if lr is None else lr, 0, 1, low_inclusive=False)
    size = check_int("image size", classifier.preprocessing.input_size if size is None else size, 32, 512)
    preview_every = check_int("preview_every", preview_every, 1, MAX_STEPS)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, 0, math.inf)
    rng = generator(seed)
    start = time.perf_counter()
    image = (FourierImage if mode == "robust" else PixelImage)(size, rng, classifier.device)
    optimizer = torch.optim.Adam(image.parameters(), lr=lr)
    labels = torch.full((_VIEWS if mode == "robust" else 1,), goal.index, device=classifier.device)
    for step in range(1, steps + 1):
        with torch.enable_grad():
            pixels = image()
            views = jitter(pixels, rng, _VIEWS) if mode == "robust" else pixels
            logits = classifier.network(classifier.preprocess(views))
            loss = F.cross_entropy(logits, labels) + tv_weight * total_variation(pixels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        optimizer.step()
        image.project()
        probability = float(logits.detach().softmax(-1)[:, goal.index].mean())
        out_of_time = max_seconds is not None and time.perf_counter() - start >= max_seconds
        last = step == steps or out_of_time
        preview = tensor_to_image(pixels.detach()[0]) if step % preview_every == 0 or last else None
        yield Progress(step, steps, probability, preview)
        if out_of_time:
            break
    with torch.no_grad():
        final = tensor_to_image(image()[0])
    probabilities = classifier.infer(classifier.to_input(final)).softmax(-1)
    yield IdealImage(final, goal, float(probabilities[0, goal.index]), top_predictions(classifier, probabilities)[0],
                     mode, step, time.perf_counter() - start)


class PixelImage(torch.nn.Module):
    """Plain pixels in [0, 1], starting as grey plus random noise (lesson mode)."""

    def __init__(self, size: int, rng: torch.Generator, device: torch.device) -> None:
        super().__init__()
        noise = 0.5 + 0.1 * torch.randn(1, 3, size, size, generator=rng)
        self.pixels = torch.nn.Parameter(noise.clamp(0, 1).to(device))

    def forward(self) -> torch.Tensor:
        return self.pixels

    @torch.no_grad()
    def project(self) -> None:
        """Keep pixels displayable after each step."""
        self.pixels.clamp_(0, 1)


class FourierImage(torch.nn.Module):
    """An image as a 1/f-scaled Fourier spectrum in decorrelated colour space, squashed to [0, 1] (robust mode)."""

    def __init__(self, size: int, rng: torch.Generator, device: torch.device) -> None:
        super().__init__()
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        frequencies = (fx ** 2 + fy ** 2).sqrt()
        self.register_buffer("scale", 1.0 / frequencies.clamp(min=1.0 / size) / 4, persistent=False)
        spectrum = 0.01 * torch.randn(1, 3, *frequencies.shape, 2, generator=rng)
        self.spectrum = torch.nn.Parameter(spectrum)
        self.size = size
        self.to(device)

    def forward(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        decorrelated = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho")
        colours = torch.einsum("bchw,dc->bdhw", decorrelated, _COLOR_SQRT.to(decorrelated.device))
        return torch.sigmoid(colours)

    def project(self) -> None:
        """Nothing to do: the sigmoid keeps every value displayable."""


def jitter(images: torch.Tensor, rng: torch.Generator, views: int) -> torch.Tensor:
    """`views` randomly shifted (up to 1/16 of the side), scaled (0.9-1.1x) and rotated (+-10 deg) copies."""
    size = images.shape[-1]
    shift = max(1, size // 16)
    copies = []
    for _ in range(views):
        angle, scale = (torch.rand(2, generator=rng) * 2 - 1).tolist()
        dx, dy = torch.randint(-shift, shift + 1, (2,), generator=rng).tolist()
        # Affine fills the uncovered border with 0: shift to mid-grey first so the border is neutral.
        copies.append(TF.affine(images - 0.5, angle=10 * angle, translate=[dx, dy], scale=1 + 0.1 * scale,
                                shear=[0.0, 0.0], interpolation=TF.InterpolationMode.BILINEAR) + 0.5)
    return torch.cat(copies)
