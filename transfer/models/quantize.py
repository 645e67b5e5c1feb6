"""An int8 ONNX file beside the float one: ONNX Runtime's static quantisation, calibrated on training photos, with its
size, latency and test accuracy measured against the float file's.

Weights are int8 per output channel in 7 bits (ONNX Runtime's `reduce_range`, for CPUs without VNNI instructions,
where 8-bit weights can saturate), activations uint8 with min-max ranges seen on the calibration photos, stored in the
portable QDQ form every ONNX runtime reads.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from timm.data import create_transform

from ..errors import InputError
from ..images import ImageInput, load_image
from .classifier import Preprocessing
from .onnx_export import INPUT_NAME, OUTPUT_NAME

__all__ = ["MAX_CALIBRATION_IMAGES", "Int8Export", "int8_path", "quantize_onnx"]

#: Calibration photos used at most (more cost time and changed nothing measurable on pets-mini).
MAX_CALIBRATION_IMAGES = 64
MIN_CALIBRATION_IMAGES = 2
#: Batch-1 runs timed for the latency figure, after one warm-up run.
LATENCY_RUNS = 20
BATCH = 16  # images per ONNX Runtime call when scoring the test photos


def int8_path(float_onnx: str | os.PathLike) -> Path:
    """Where the int8 copy of a float ONNX file goes: beside it, NAME.int8.onnx."""
    return Path(float_onnx).with_suffix(".int8.onnx")


@dataclass(frozen=True)
class Int8Export:
    """An int8 ONNX file and what it costs and keeps compared with the float file it was made from."""

    out: str
    size_bytes: int
    float_size_bytes: int
    latency_ms: float  # one image (batch 1) on this machine's CPU
    float_latency_ms: float
    accuracy: float | None  # on the labelled test photos, when given
    float_accuracy: float | None
    test_images: int
    calibration_images: int
    seconds: float

    @property
    def smaller(self) -> float:
        """How many times smaller than the float file."""
        return self.float_size_bytes / self.size_bytes

    def to_dict(self) -> dict:
        return asdict(self) | {"smaller": round(self.smaller, 2)}


def quantize_onnx(float_onnx: str | os.PathLike, out: str | os.PathLike, calibration: Sequence[ImageInput],
                  test: Sequence[tuple[ImageInput, int]] = ()) -> Int8Export:
    """Write an int8 copy of `float_onnx` (made by export_onnx) to `out`, calibrated on `calibration` photos (the
    training photos: at most MAX_CALIBRATION_IMAGES are used), and score both files on `test` (photo, class index)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    start = time.perf_counter()
    float_onnx, out = Path(float_onnx), Path(out)
    if out.suffix.lower() != ".onnx" or out.resolve() == float_onnx.resolve():
        raise InputError("The int8 ONNX file name must end in .onnx and differ from the float file's, got '{name}'.",
                         name=out.name)
    calibration = list(calibration)[:MAX_CALIBRATION_IMAGES]
    if len(calibration) < MIN_CALIBRATION_IMAGES:
        raise InputError("Give at least {minimum} photos to calibrate the int8 file on, got {count}.",
                         minimum=MIN_CALIBRATION_IMAGES, count=len(calibration))
    preprocess = _transform(float_onnx)
    photos = np.stack([preprocess(image) for image in calibration])

    class Photos(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(photos[index:index + 1] for index in range(len(photos)))

        def get_next(self) -> dict | None:
            batch = next(self.batches, None)
            return None if batch is None else {INPUT_NAME: batch}

    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(float_onnx), str(prepared))
        quantize_static(str(prepared), str(out), Photos(), quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    _copy_metadata(float_onnx, out)
    test = list(test)
    inputs = np.stack([preprocess(image) for image, _ in test]) if test else photos[:1]
    labels = np.array([label for _, label in test])
    float_accuracy, float_latency = _measure(float_onnx, inputs, labels)
    accuracy, latency = _measure(out, inputs, labels)
    return Int8Export(str(out), out.stat().st_size, float_onnx.stat().st_size, latency, float_latency,
                      accuracy, float_accuracy, len(test), len(calibration), round(time.perf_counter() - start, 3))


def _transform(onnx_file: Path):
    """The photo -> input array function the file's metadata documents (timm's eval transform)."""
    import onnx

    metadata = {prop.key: prop.value for prop in onnx.load(str(onnx_file), load_external_data=False).metadata_props}
    if "preprocessing" not in metadata:
        raise InputError("{name} has no preprocessing in its metadata: make it with `python -m transfer export`.",
                         name=onnx_file.name)
    transform = create_transform(**Preprocessing.from_dict(json.loads(metadata["preprocessing"])).to_pretrained_cfg())
    return lambda image: transform(load_image(image)).numpy()


def _copy_metadata(source: Path, target: Path) -> None:
    """The float file's metadata (class names, preprocessing, source: JSON values, as the docs' snippet reads them)
    in place of what the quantiser left (its own markers beside copies of the same entries)."""
    import onnx

    model = onnx.load(str(target))
    del model.metadata_props[:]
    model.metadata_props.extend(onnx.load(str(source), load_external_data=False).metadata_props)
    onnx.save(model, str(target))


def _measure(onnx_file: Path, inputs: np.ndarray, labels: np.ndarray) -> tuple[float | None, float]:
    """Top-1 accuracy on (inputs, labels) (None without labels) and milliseconds per single image."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    accuracy = None
    if len(labels):
        logits = np.concatenate([session.run([OUTPUT_NAME], {INPUT_NAME: inputs[index:index + BATCH]})[0]
                                 for index in range(0, len(inputs), BATCH)])
        accuracy = float((logits.argmax(1) == labels).mean())
    one = {INPUT_NAME: inputs[:1]}
    session.run([OUTPUT_NAME], one)
    began = time.perf_counter()
    for _ in range(LATENCY_RUNS):
        session.run([OUTPUT_NAME], one)
    return accuracy, round((time.perf_counter() - began) / LATENCY_RUNS * 1000, 2)
