"""ONNX export of a classifier: the same input as the PyTorch network, any batch size, checked with ONNX Runtime."""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from timm.data import create_transform

from .classifier import Classifier
from ..errors import InputError, TransferError
from .export import recipe
from ..images import ImageInput, load_image
from ..predict import resolve

INPUT_NAME = "input"
OUTPUT_NAME = "logits"
#: Images the export is checked on when the caller gives none: the ideal images this project made (examples/).
CHECK_IMAGES = Path(__file__).resolve().parents[2] / "examples"
MAX_CHECK_IMAGES = 32
#: ONNX Runtime's logits may differ from PyTorch's by at most this much (absolute, plus the same relative).
TOLERANCE = 1e-3


@dataclass(frozen=True)
class OnnxExport:
    """An exported, checked ONNX file and how closely ONNX Runtime matched PyTorch on the check images."""

    out: str
    max_abs_diff: float
    top1_agreement: float
    images: int
    size_bytes: int
    seconds: float
    input: dict  # name, shape and the preprocessing that makes it from a photo

    def to_dict(self) -> dict:
        return asdict(self)


def onnx_input(classifier: Classifier) -> dict:
    """What the ONNX file takes: a float32 NCHW batch made from RGB photos by timm's eval transform."""
    pre = classifier.preprocessing
    return {"name": INPUT_NAME, "shape": ["batch", 3, pre.input_size, pre.input_size], "dtype": "float32",
            "preprocessing": pre.to_dict(), "recipe": recipe(pre)}


def export_onnx(model: str | os.PathLike | Classifier, out: str | os.PathLike,
                images: Sequence[ImageInput] | None = None) -> OnnxExport:
    """Write `model` (a Classifier, model name or fine-tuned folder) to `out` as ONNX and check it on `images`.

    The file holds the class names and preprocessing as metadata; it is deleted again if ONNX Runtime's logits
    differ from PyTorch's by more than TOLERANCE.
    """
    start = time.perf_counter()
    out = Path(out)
    if out.suffix.lower() != ".onnx":
        raise InputError("The ONNX file name must end in .onnx, got '{name}'.", name=out.name)
    if not out.parent.is_dir():
        raise InputError("Folder {folder} does not exist: create it or choose another path for the ONNX file.",
                         folder=out.parent)
    classifier = resolve(model)
    batch = _check_batch(classifier, images)
    network = copy.deepcopy(classifier.network).cpu().eval()
    details = onnx_input(classifier)
    _write(network, batch, out, {"labels": classifier.labels, "preprocessing": details["preprocessing"],
                                 "input": details["recipe"], "source": _source_name(classifier)})
    try:
        max_abs_diff, agreement = check_onnx(out, network, batch)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return OnnxExport(str(out), max_abs_diff, agreement, len(batch), out.stat().st_size,
                      round(time.perf_counter() - start, 3), details)


def check_onnx(path: Path, network: torch.nn.Module, batch: torch.Tensor) -> tuple[float, float]:
    """Largest |logit difference| and top-1 agreement of ONNX Runtime vs PyTorch on `batch` (whole and one image)."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        expected = network(batch).numpy()
    got = session.run([OUTPUT_NAME], {INPUT_NAME: batch.numpy()})[0]
    single = session.run([OUTPUT_NAME], {INPUT_NAME: batch[:1].numpy()})[0]
    max_abs_diff = float(max(np.abs(got - expected).max(), np.abs(single - expected[:1]).max()))
    agreement = float((got.argmax(1) == expected.argmax(1)).mean())
    close = all(np.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE) for a, b in ((got, expected), (single, expected[:1])))
    if not close or agreement < 1:
        raise TransferError("The ONNX export does not match PyTorch (largest logit difference {diff}, top-1 agreement "
                            "{agreement}): the file was not kept.", diff=f"{max_abs_diff:.2g}",
                            agreement=f"{agreement:.0%}")
    return max_abs_diff, agreement


def _check_batch(classifier: Classifier, images: Sequence[ImageInput] | None) -> torch.Tensor:
    """The check images through timm's eval transform for this classifier: the ONNX file's documented input."""
    if images is None:
        images = sorted(CHECK_IMAGES.glob("*.png"))
    images = list(images)
    if not 2 <= len(images) <= MAX_CHECK_IMAGES:
        raise InputError("Give 2 to {limit} images to check the ONNX file on (--images), got {count}.",
                         limit=MAX_CHECK_IMAGES, count=len(images))
    transform = create_transform(**classifier.preprocessing.to_pretrained_cfg())
    return torch.stack([transform(load_image(image)) for image in images])


def _write(network: torch.nn.Module, batch: torch.Tensor, out: Path, metadata: dict) -> None:
    """torch.onnx's default (torch.export-based) exporter, batch axis free, metadata as JSON strings, one file."""
    program = torch.onnx.export(network, (batch[:2],), dynamic_shapes=({0: torch.export.Dim("batch")},),
                                input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], verbose=False)
    for key, value in metadata.items():
        program.model.metadata_props[key] = json.dumps(value)
    program.save(out, external_data=False)


def _source_name(classifier: Classifier) -> str:
    return Path(classifier.name).name if classifier.source == "finetuned" else classifier.name
