"""A ready-to-use classifier: an eval-mode network, its class names and its preprocessing (timm's data config)."""

from __future__ import annotations

import copy
import math
import statistics
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import torch
import torch.nn.functional as F
from PIL import Image
from timm.data import resolve_data_config
from timm.models import PretrainedCfg
from torch import nn

from ..errors import InputError, Listing, Message
from ..images import shrink, to_tensor
from ..render import tensor_to_image

#: Resize filters the differentiable preprocessing implements; timm's others (e.g. "bicubic_aa") map to bilinear.
INTERPOLATIONS = ("bilinear", "bicubic")
INPUT_SIZE_RANGE = (32, 1024)
#: Largest source window, in crops, that to_input converts to floats; larger ones are first shrunk in 8 bits.
FLOAT_WINDOW = 4
CROP_PCT_RANGE = (0.1, 1.0)


@dataclass(frozen=True)
class Preprocessing:
    """timm's inference preprocessing: resize the shorter side to input_size / crop_pct, centre-crop, normalise."""

    input_size: int  # side of the square crop the network sees
    crop_pct: float
    interpolation: str  # one of INTERPOLATIONS
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @property
    def resize_size(self) -> int:
        """Shorter-side size before the centre crop (timm's convention: input_size / crop_pct)."""
        return int(self.input_size / self.crop_pct)

    @classmethod
    def from_timm(cls, source: nn.Module | PretrainedCfg | Mapping) -> Preprocessing:
        """The preprocessing of a timm model, its PretrainedCfg, or a pretrained_cfg dict (via resolve_data_config)."""
        if isinstance(source, nn.Module):
            config = resolve_data_config({}, model=source)
        else:
            config = resolve_data_config({}, pretrained_cfg=dict(
                source.to_dict() if isinstance(source, PretrainedCfg) else source))
        interpolation = config["interpolation"] if config["interpolation"] in INTERPOLATIONS else "bilinear"
        return cls(int(config["input_size"][-1]), float(config["crop_pct"]), interpolation,
                   tuple(map(float, config["mean"])), tuple(map(float, config["std"])))

    def to_pretrained_cfg(self) -> dict:
        """The matching keys of timm's pretrained_cfg (input_size as (3, S, S)), e.g. for PretrainedCfg(**...)."""
        return {"input_size": (3, self.input_size, self.input_size), "crop_pct": self.crop_pct,
                "interpolation": self.interpolation, "mean": self.mean, "std": self.std}

    def to_dict(self) -> dict:
        """JSON-ready form, as stored in a model folder's config.json."""
        return {"input_size": self.input_size, "crop_pct": self.crop_pct, "interpolation": self.interpolation,
                "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, data: object) -> Preprocessing:
        """Read to_dict()'s form, checking every value; raises InputError saying which one is wrong."""
        if not isinstance(data, Mapping):
            raise InputError("preprocessing must be a mapping of input_size, crop_pct, interpolation, mean and std.")
        missing = [key for key in ("input_size", "crop_pct", "interpolation", "mean", "std") if key not in data]
        if missing:
            raise InputError("preprocessing lacks {keys}.", keys=Listing(missing))
        size, crop, interpolation = data["input_size"], data["crop_pct"], data["interpolation"]
        low, high = INPUT_SIZE_RANGE
        if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
            raise InputError("preprocessing input_size must be a whole number from {low} to {high}, got {value}.",
                             low=low, high=high, value=repr(size))
        low, high = CROP_PCT_RANGE
        if not _is_number(crop) or not low <= crop <= high:
            raise InputError("preprocessing crop_pct must be a number from {low} to {high}, got {value}.", low=low,
                             high=high, value=repr(crop))
        if interpolation not in INTERPOLATIONS:
            raise InputError("preprocessing interpolation must be one of {choices}, got {value}.",
                             choices=Listing(INTERPOLATIONS), value=repr(interpolation))
        for key in ("mean", "std"):
            values = data[key]
            if (not isinstance(values, (list, tuple)) or len(values) != 3 or not all(map(_is_number, values))
                    or (key == "std" and not all(value > 0 for value in values))):
                raise InputError("preprocessing {key} must be 3 numbers (one per RGB channel{above}), got {value}.",
                                 key=key, above=Message(", each above 0" if key == "std" else ""), value=repr(values))
        return cls(size, float(crop), interpolation, tuple(map(float, data["mean"])), tuple(map(float, data["std"])))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(eq=False)
class Classifier:
    """A ready-to-use image classifier: an eval-mode network, its class names and its preprocessing."""

    name: str
    network: nn.Module
    labels: list[str]
    preprocessing: Preprocessing
    source: str = "catalog"  # "catalog", "hub" or "finetuned"
    metadata: dict = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    @property
    def fixed_input_size(self) -> bool:
        """Whether the network takes only its own input size (timm says so of most vision transformers)."""
        return bool((getattr(self.network, "pretrained_cfg", None) or {}).get("fixed_input_size", False))

    def preprocess(self, images: torch.Tensor) -> torch.Tensor:
        """Differentiable resize, centre crop and normalise of a float batch in [0, 1], shape (B, 3, H, W)."""
        height, width = images.shape[-2:]
        return self.normalise(self._resize_crop(images, self.preprocessing.resize_size / min(height, width)))

    def to_input(self, image, device: torch.device | str | None = None) -> torch.Tensor:
        """A PIL RGB image as a normalised (1, 3, S, S) tensor on `device` (default: the model's): the same pixels
        as preprocess(), with the work bounded by the crop whatever the image's size or shape.

        Only the source pixels the centre crop needs are converted to floats; a window more than
        FLOAT_WINDOW times the crop (photos over about 2000 px) is first shrunk by a whole factor in 8 bits.
        """
        pre = self.preprocessing
        scale = pre.resize_size / min(image.height, image.width)
        top, left, rows, cols = self._source_box(image.height, image.width, scale)
        window, factor = shrink(image.crop((left, top, left + cols, top + rows)), FLOAT_WINDOW * pre.input_size)
        inputs = to_tensor(window).unsqueeze(0).to(device or self.device)
        return self.normalise(self._resize_crop(inputs, scale * factor))

    def _source_box(self, height: int, width: int, scale: float) -> tuple[int, int, int, int]:
        """(top, left, rows, cols) of the source pixels the centre crop at `scale` reads, filter margin included."""
        needed = math.ceil(self.preprocessing.input_size / scale) + 2 * (math.ceil(2 / min(scale, 1.0)) + 1)
        rows, cols = min(height, needed), min(width, needed)  # the filter reads 2 output pixels either side
        return (height - rows) // 2, (width - cols) // 2, rows, cols

    def _resize_crop(self, images: torch.Tensor, scale: float) -> torch.Tensor:
        """Scale by `scale` and centre-crop, resizing only the source pixels the crop needs."""
        pre = self.preprocessing
        size = pre.input_size
        top, left, rows, cols = self._source_box(*images.shape[-2:], scale)
        images = images[..., top:top + rows, left:left + cols]
        new_h, new_w = max(size, round(rows * scale)), max(size, round(cols * scale))
        if (new_h, new_w) != (rows, cols):
            images = F.interpolate(images, size=(new_h, new_w), mode=pre.interpolation,
                                   align_corners=False, antialias=True)
        top, left = (new_h - size) // 2, (new_w - size) // 2
        return images[..., top:top + size, left:left + size]

    def seen(self, inputs: torch.Tensor) -> Image.Image:
        """The first of a batch of preprocessed inputs as the picture the network sees (before normalisation)."""
        mean = inputs.new_tensor(self.preprocessing.mean).view(3, 1, 1)
        std = inputs.new_tensor(self.preprocessing.std).view(3, 1, 1)
        return tensor_to_image(inputs[0].detach() * std + mean)

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """A float batch in [0, 1] scaled by the network's mean and std (preprocess without its resize and crop)."""
        mean = images.new_tensor(self.preprocessing.mean).view(1, 3, 1, 1)
        std = images.new_tensor(self.preprocessing.std).view(1, 3, 1, 1)
        return (images - mean) / std

    @property
    def megabytes(self) -> float:
        """The size of its weights in MB, as stored (4 bytes a float32 number)."""
        return sum(tensor.numel() * tensor.element_size() for tensor in self.network.state_dict().values()) / 1e6

    def milliseconds_per_photo(self, runs: int = 5) -> float:
        """The time its network takes for one preprocessed photo on this computer, in milliseconds: the median of
        `runs` after a warm-up, in PyTorch with channels-last input like `infer` (without tracing its fast path, which
        would cost seconds per model and gains little)."""
        size = self.preprocessing.input_size
        inputs = torch.zeros(1, 3, size, size, device=self.device).contiguous(memory_format=torch.channels_last)
        times = []
        with torch.inference_mode():
            for _ in range(runs + 1):
                start = time.perf_counter()
                self.network(inputs)
                times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times[1:])

    def infer(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits for preprocessed inputs through the fastest inference path ready (no gradients): the inference copy,
        or, while it is being made in the background (seconds, once per model), the network itself, so that no
        request waits for the copy (a class's first photos as the app starts)."""
        # no_grad, not inference_mode: a traced vision transformer that has run with gradients (an ideal image)
        # would try to save inference-mode inputs for a backward pass and fail
        with torch.no_grad():
            if "_inference_network" in self.__dict__:  # made (cached_property keeps it there)
                return self.fixed_logits(inputs)
            if not self.__dict__.get("_copy_started"):
                self.__dict__["_copy_started"] = True  # a second thread starting it too waits for the first's copy
                # not a daemon: a program ending meanwhile waits for it (torch aborts if a thread is cut off mid-trace)
                threading.Thread(target=self.prepare, name="inference-copy").start()
            return self.network(inputs.contiguous(memory_format=torch.channels_last))

    def prepare(self) -> Classifier:
        """Make the fast inference copy now (seconds, once per model), not beside the first requests (app start-up)."""
        self.__dict__["_copy_started"] = True  # infer() then waits for this copy instead of starting another
        self._inference_network  # made and kept by the cached property
        return self

    def fixed_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits through the inference copy with the weights held fixed; gradients still reach `inputs` (for
        optimising an image: the same gradients as `network` within 0.3%; a forward and backward pass of 4 views 96 ms
        instead of 247 on 2 CPU cores)."""
        return self._inference_network(inputs.contiguous(memory_format=torch.channels_last))

    @cached_property
    def _inference_network(self) -> nn.Module:
        with torch.inference_mode(False):  # made in inference mode (by infer), its weights would refuse autograd
            return inference_copy(self.network, self.preprocessing.input_size, self.device)


def inference_copy(module: nn.Module, input_size: int, device: torch.device) -> nn.Module:
    """A channels-last copy of `module` for inference; on CPU also traced and frozen (conv+BN folded): 2-4x faster.

    torch.jit is deprecated in favour of torch.compile, but on this CPU it is still the fastest path
    (see benchmarks/bench_classify.py) and starts in about a second instead of 30.
    """
    module = copy.deepcopy(module).eval().to(device=device, memory_format=torch.channels_last)
    if device.type != "cpu":
        return module
    example = torch.zeros(1, 3, input_size, input_size).contiguous(memory_format=torch.channels_last)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", FutureWarning)
        # no sanity check: it traces again (0.7 s -> 1.9 s for Lite0) to compare the graphs' text, which tracing in
        # another thread meanwhile upsets (numbered class names); an eval-mode network traced at its one input size
        # has no branches on the data to catch, and its outputs match the network's within 1e-5
        return torch.jit.freeze(torch.jit.trace(module, example, check_trace=False))
