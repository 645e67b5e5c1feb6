"""The network's "ideal" image of a class: gradient descent on the image itself, from random noise.

Three modes, each a parameterisation of the image plus the transformations the network sees at every step:
- natural (default): magnitude-constrained optimisation (MACO; Fel et al., "Unlocking Feature Visualization for
  Deeper Networks with Magnitude Constrained Optimization", NeurIPS 2023). Only the *phase* of the image's Fourier
  spectrum is optimised; its *magnitude* stays that of natural photos (`transfer.natural`), and the network sees
  random crops with a little noise. The result has the texture statistics of a photo, so people recognise it.
- robust: the Fourier + jitter recipe of Olah et al., "Feature Visualization" (Distill 2017): a 1/f-scaled spectrum
  in decorrelated colours, shown shifted, scaled and rotated.
- lesson: raw pixels, cross-entropy plus total variation (TV), exactly as the lesson describes; the network is soon
  sure, but the picture stays mostly noise that fools only this one network.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from ..checks import check_float, check_int
from ..models.classifier import Classifier
from ..errors import InputError, Listing
from ..images import load_image
from ..models.catalog import DEFAULT_MODEL
from .natural import natural_spectrum, recorrelate
from ..predict import Prediction, resolve, top_predictions
from ..render import tensor_to_image
from .optimisation import generator, total_variation
from ..params import Param
from ..progress import OptimisationStep, run_to_result
from .targets import Target, resolve_target

__all__ = ["DEFAULT_MODE", "LR", "MODES", "SEED", "SIZE", "STEPS", "TV_WEIGHT", "IdealImage", "Mode", "ideal_image",
           "iter_ideal_image", "photos_like"]

#: The settings, one range for the library, the command line and the app. Their defaults depend on the mode (MODES).
STEPS = Param("steps", 1, 512, None, "Steps", integer=True)
TV_WEIGHT = Param("tv_weight", 0, 10, None, "TV weight (smoothness)", step=0.1)
LR = Param("lr", 0.001, 2, None, "Learning rate", step=0.001, noun="learning rate")
SIZE = Param("size", 32, 512, None, "Image side in pixels", integer=True, noun="image size")
SEED = Param("seed", 0, 2**32 - 1, 0, "Seed (another seed, another starting noise)", integer=True)


@dataclass(frozen=True)
class Mode:
    """One way to draw the ideal image: its name in the app, what it does, and its settings' defaults."""

    title: str
    help: str
    steps: int
    tv_weight: float
    lr: float
    size: int | None  # None: the network's own input size
    views: int  # transformed copies of the image the network sees per step (the batch of each forward pass)
    #: The views' side as a fraction of the network's input side, handed to it without its own resize and crop
    #: (view_side); None: the views go through its preprocessing.
    view_scale: float | None = None

    def defaults(self) -> dict[str, float | None]:
        """The mode's default for each setting, by keyword."""
        return {param.name: getattr(self, param.name) for param in (STEPS, TV_WEIGHT, LR, SIZE)}


MODES = {"natural": Mode("Natural (looks like a photo)", "photo-like: only the phase of a natural-photo spectrum is "
                         "optimised, seen in random crops", steps=112, tv_weight=0.0, lr=1.0, size=384, views=3,
                         view_scale=0.85),
         "robust": Mode("Robust (smooth waves)", "Fourier/decorrelated image shown randomly jittered",
                        steps=128, tv_weight=0.5, lr=0.05, size=None, views=2),
         "lesson": Mode("Lesson (plain pixels)", "plain pixels, as the lesson describes",
                        steps=128, tv_weight=0.5, lr=0.02, size=None, views=1)}
DEFAULT_MODE = "natural"


@dataclass
class IdealImage:
    """The result: the final 8-bit image, how sure the network is that it shows the target, and where it looked."""

    image: Image.Image
    target: Target
    probability: float  # target probability of the saved 8-bit image, through the ordinary predict path
    predictions: list[Prediction]
    mode: str
    steps: int
    seconds: float
    importance: np.ndarray  # (H, W) in [0, 1]: how strongly each pixel's gradient pushed the target, over all steps


def ideal_image(target: int | str, model: str | Classifier = DEFAULT_MODEL, *, steps: int | None = None,
                tv_weight: float | None = None, lr: float | None = None, size: int | None = None,
                seed: int = SEED.default, mode: str = DEFAULT_MODE, max_seconds: float | None = None,
                on_progress: Callable[[OptimisationStep], None] | None = None) -> IdealImage:
    """Optimise an image until the model sees `target`; on_progress gets each OptimisationStep."""
    return run_to_result(iter_ideal_image(target, model, steps=steps, tv_weight=tv_weight, lr=lr, size=size,
                                          seed=seed, mode=mode, max_seconds=max_seconds), IdealImage, on_progress)


def iter_ideal_image(target: int | str, model: str | Classifier = DEFAULT_MODEL, *, steps: int | None = None,
                     tv_weight: float | None = None, lr: float | None = None, size: int | None = None,
                     seed: int = SEED.default, mode: str = DEFAULT_MODE, preview_every: int = 8,
                     max_seconds: float | None = None) -> Iterator[OptimisationStep | IdealImage]:
    """Yield an OptimisationStep (with a preview every `preview_every` steps) per step, then the IdealImage last.

    With `max_seconds`, the optimisation stops after the step that reaches it and the image so far is the result
    (its `steps` says how many were done).
    """
    if mode not in MODES:
        raise InputError("mode must be one of {choices}, got {value}.", choices=Listing(MODES), value=repr(mode))
    classifier = resolve(model)
    goal = resolve_target(classifier.labels, target)
    defaults, recipe = MODES[mode], RECIPES[mode]
    steps = STEPS.check(defaults.steps if steps is None else steps)
    tv_weight = TV_WEIGHT.check(defaults.tv_weight if tv_weight is None else tv_weight)
    lr = LR.check(defaults.lr if lr is None else lr)
    size = SIZE.check((defaults.size or classifier.preprocessing.input_size) if size is None else size)
    preview_every = check_int("preview_every", preview_every, 1, STEPS.high)
    if max_seconds is not None:
        max_seconds = check_float("max_seconds", max_seconds, 0, math.inf)
    rng = generator(SEED.check(seed))
    start = time.perf_counter()
    image = recipe.parameterisation(size, rng, classifier.device)
    if isinstance(image, NaturalImage):  # TV in the loss can barely act on a fixed magnitude: soften it instead
        image.soften(tv_weight)
    optimizer = recipe.optimizer(image.parameters(), lr=lr)
    gradient_sum = torch.zeros(size, size, device=classifier.device)
    side = view_side(classifier, defaults.view_scale)
    for step in range(1, steps + 1):
        with torch.enable_grad():
            pixels = image()
            pixels.retain_grad()
            views = recipe.transform(pixels, rng, side or classifier.preprocessing.resize_size, defaults.views)
            logits = classifier.fixed_logits(classifier.normalise(views) if side else classifier.preprocess(views))
            loss = recipe.objective(logits, goal.index) + tv_weight * total_variation(pixels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        gradient_sum += pixels.grad.abs().sum((0, 1))
        optimizer.step()
        image.project()
        probability = float(logits.detach().softmax(-1)[:, goal.index].mean())
        out_of_time = max_seconds is not None and time.perf_counter() - start >= max_seconds
        last = step == steps or out_of_time
        preview = tensor_to_image(pixels.detach()[0]) if step % preview_every == 0 or last else None
        yield OptimisationStep(step, steps, probability, preview)
        if out_of_time:
            break
    with torch.no_grad():
        final = tensor_to_image(image()[0])
    probabilities = classifier.infer(classifier.to_input(final)).softmax(-1)
    yield IdealImage(final, goal, float(probabilities[0, goal.index]), top_predictions(classifier, probabilities)[0],
                     mode, step, time.perf_counter() - start, importance_map(gradient_sum))


def view_side(classifier: Classifier, scale: float | None) -> int | None:
    """The side of views handed straight to the network: `scale` of its input side, in whole steps of 32 px (its
    layers then pad as at its own size); None without a scale or for a network that takes only its own size.

    Natural mode's views at 192 px instead of 224 (Lite0): a forward and backward pass 25-45% faster, the images as
    recognisable to a second network (docs/benchmarks.md)."""
    if scale is None or classifier.fixed_input_size:
        return None
    return max(32, round(classifier.preprocessing.input_size * scale / 32) * 32)


# Parameterisations: an nn.Module whose forward() draws the (1, 3, S, S) image in [0, 1] from its parameters.

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
        frequencies = frequency_grid(size)
        self.register_buffer("scale", 1.0 / frequencies.clamp(min=1.0 / size) / 4, persistent=False)
        spectrum = 0.01 * torch.randn(1, 3, *frequencies.shape, 2, generator=rng)
        self.spectrum = torch.nn.Parameter(spectrum)
        self.size = size
        self.to(device)

    def forward(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        return torch.sigmoid(recorrelate(torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho")))

    def project(self) -> None:
        """Nothing to do: the sigmoid keeps every value displayable."""


class NaturalImage(torch.nn.Module):
    """Only the phase of the spectrum is free; its magnitude is that of natural photos (natural mode, MACO)."""

    def __init__(self, size: int, rng: torch.Generator, device: torch.device) -> None:
        super().__init__()
        magnitude = natural_spectrum(size).clone()  # soften() changes it
        self.register_buffer("magnitude", magnitude, persistent=False)
        self.phase = torch.nn.Parameter(torch.randn(1, *magnitude.shape, generator=rng))
        self.size = size
        self.to(device)

    def forward(self) -> torch.Tensor:
        spectrum = torch.polar(self.magnitude, PHASE_SPREAD * standardize(self.phase))
        decorrelated = standardize(torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho"))
        return torch.sigmoid(NATURAL_CONTRAST * recorrelate(decorrelated))

    @torch.no_grad()
    def soften(self, tv_weight: float) -> None:
        """Turn fine detail down like a smoothness penalty would: frequency f (cycles per pixel) is scaled by
        1 / (1 + tv_weight * (f / 0.5)^2). A fixed magnitude fixes the image's mean squared gradient, so the TV term
        of the loss alone can only regroup detail into fewer edges (measured: TV at most 3% lower at weight 5)."""
        self.magnitude /= 1 + tv_weight * (frequency_grid(self.size).to(self.magnitude.device) / 0.5) ** 2

    def project(self) -> None:
        """Nothing to do: the sigmoid keeps every value displayable."""


NATURAL_CONTRAST = 1.5  # gain before the sigmoid: gives the contrast of the photos (pixel std 0.23, as in pets-mini)
#: Spread (standard deviation, radians) of the phases. With MACO's 1, their mean cosine is e^-0.5: all frequencies
#: add up at the image's origin, a bright spot in every corner. With 3 that bias is e^-4.5, about 1%.
PHASE_SPREAD = 3.0


def frequency_grid(size: int) -> torch.Tensor:
    """Spatial frequency (cycles per pixel) of every rfft2 coefficient of a size x size image."""
    return (torch.fft.fftfreq(size)[:, None] ** 2 + torch.fft.rfftfreq(size)[None, :] ** 2).sqrt()


def standardize(values: torch.Tensor) -> torch.Tensor:
    """Zero mean and unit standard deviation over the whole tensor."""
    return (values - values.mean()) / (values.std() + 1e-4)


# Transformations: what the network sees of the image at each step, as a batch of `side` x `side` views.

def unchanged(images: torch.Tensor, rng: torch.Generator, side: int, views: int) -> torch.Tensor:
    """The image itself, one view (lesson mode): the network's preprocessing resizes it."""
    return images


def jitter(images: torch.Tensor, rng: torch.Generator, side: int, views: int) -> torch.Tensor:
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


def random_crops(images: torch.Tensor, rng: torch.Generator, side: int, views: int,
                 scale: tuple[float, float] = (0.4, 0.9), noise: float = 0.05) -> torch.Tensor:
    """`views` square crops of `scale` of the side at random places, resized to `side`, plus Gaussian noise."""
    size = images.shape[-1]
    crops = []
    for _ in range(views):
        crop = int(size * (scale[0] + (scale[1] - scale[0]) * float(torch.rand(1, generator=rng))))
        top, left = torch.randint(0, size - crop + 1, (2,), generator=rng).tolist()
        crops.append(F.interpolate(images[..., top:top + crop, left:left + crop], size=(side, side),
                                   mode="bilinear", align_corners=False, antialias=True))
    batch = torch.cat(crops)
    return batch + noise * torch.randn(batch.shape, generator=rng).to(batch.device)


# Objectives: the loss to minimise for the target class.

def cross_entropy(logits: torch.Tensor, index: int) -> torch.Tensor:
    """Make the target the most probable class (and the others improbable)."""
    return F.cross_entropy(logits, torch.full((len(logits),), index, device=logits.device))


def target_logit(logits: torch.Tensor, index: int) -> torch.Tensor:
    """Raise the target's own score, whatever happens to the other classes."""
    return -logits[:, index].mean()


@dataclass(frozen=True)
class Recipe:
    """How one mode draws the image, shows it to the network, and what it optimises."""

    parameterisation: type[torch.nn.Module]
    transform: Callable[[torch.Tensor, torch.Generator, int, int], torch.Tensor]  # (images, rng, side, views)
    objective: Callable[[torch.Tensor, int], torch.Tensor]
    optimizer: type[torch.optim.Optimizer]


RECIPES = {"natural": Recipe(NaturalImage, random_crops, target_logit, torch.optim.NAdam),
           "robust": Recipe(FourierImage, jitter, cross_entropy, torch.optim.Adam),
           "lesson": Recipe(PixelImage, unchanged, cross_entropy, torch.optim.Adam)}


def importance_map(gradient_sum: torch.Tensor) -> np.ndarray:
    """Accumulated gradient magnitudes as a smooth (H, W) map in [0, 1] (its 99th percentile is 1)."""
    sigma = max(1.0, gradient_sum.shape[-1] / 64)
    smooth = TF.gaussian_blur(gradient_sum[None, None], [int(6 * sigma) | 1] * 2, [sigma, sigma])[0, 0]
    return (smooth / smooth.quantile(0.99).clamp(min=1e-12)).clamp(0, 1).cpu().numpy()


def photos_like(target: int | str, photos: Sequence[str], model: str | Classifier = DEFAULT_MODEL,
                count: int = 4) -> list[tuple[str, float]]:
    """The `count` photos the network finds most like `target`, with its target probability, most alike first.

    Real examples beside the ideal image: people predict what a unit responds to better from both together.
    Each photo is classified once per network (cached), so asking for another target costs nothing.
    """
    classifier, goal, count = checked_photos_request(target, model, count)
    with CLASSIFYING:
        scores = _photo_scores(classifier, tuple(photos))
    return scores.most_like(goal.index, count)


def checked_photos_request(target: int | str, model: str | Classifier, count: int) -> tuple[Classifier, Target, int]:
    """photos_like's inputs checked: the network, the target among its classes, and the count (1 to 100)."""
    classifier = resolve(model)
    return classifier, resolve_target(classifier.labels, target), check_int("count", count, 1, 100)


#: Held while photos are classified: a second caller waits for the first one's work (a class at once) instead of
#: repeating it.
CLASSIFYING = threading.Lock()


@dataclass(frozen=True)
class PhotoScores:
    """The photos that loaded and the network's class probabilities for each, (N, num_classes)."""

    photos: list[str]
    probabilities: np.ndarray

    def most_like(self, index: int, count: int) -> list[tuple[str, float]]:
        """The `count` photos with the highest probability of class `index`, with it, highest first."""
        order = np.argsort(-self.probabilities[:, index], kind="stable")[:count]
        return [(self.photos[i], float(self.probabilities[i, index])) for i in order]


def photo_scores(classifier: Classifier, photos: Sequence[str], batch: int = 32) -> PhotoScores:
    """Classify the photos that load (a damaged or unsupported file is left out), a batch at a time."""
    readable, rows = [], [torch.empty(0, classifier.num_classes)]
    for start in range(0, len(photos), batch):
        inputs = []
        for photo in photos[start:start + batch]:
            try:
                inputs.append(classifier.to_input(load_image(photo)))
            except InputError:
                continue
            readable.append(photo)
        if inputs:
            rows.append(classifier.infer(torch.cat(inputs)).softmax(-1).cpu())
    return PhotoScores(readable, torch.cat(rows).numpy())


_photo_scores = functools.lru_cache(maxsize=8)(photo_scores)
