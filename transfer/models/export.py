"""Fine-tuned models as timm Hub folders (see hub.py for the upload to the Hugging Face Hub).

A folder holds timm's own layout (`config.json` with architecture, label names and preprocessing, and
`model.safetensors`, written by `timm.models.save_for_hf`), a model card `README.md`, and Transfer Lab's own facts
(metrics, training settings) in `transfer_lab.json`. Folders of format version 1 (everything in our own
`config.json`) still load. Weights are read from safetensors only: no pickle.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import timm
from safetensors import SafetensorError
from safetensors.torch import load_file
from timm.models import save_for_hf
from timm.models._hub import generate_readme

from .classifier import Classifier, Preprocessing
from ..data import MAX_CLASSES, PETS_FOLDER
from ..errors import InputError, ModelUnavailableError

FORMAT = "transfer-lab/finetuned-classifier"
FORMAT_VERSION = 2
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
EXTRAS_FILE = "transfer_lab.json"
CARD_FILE = "README.md"
#: Hub datasets for the dataset kinds that have one (a user's own folders have none).
HUB_DATASETS = {PETS_FOLDER: "timm/oxford-iiit-pet"}


def save_finetuned(classifier: Classifier, folder: str | os.PathLike, metrics: dict | None = None) -> Path:
    """Write the classifier to `folder` (created if needed) as a timm Hub model folder and return its path."""
    folder = Path(folder)
    save_for_hf(classifier.network, folder, **timm_config(classifier), safe_serialization=True)
    extras = extras_of(classifier, metrics)
    (folder / EXTRAS_FILE).write_text(json.dumps(extras, indent=2))
    (folder / CARD_FILE).write_text(generate_readme(model_card(classifier, extras), folder.name), encoding="utf-8")
    return folder


@dataclass(frozen=True)
class SavedModel:
    """Where a fine-tuning result was written (FineTuneResult.save): the model folder and, when asked for, a zip of
    it beside it."""

    folder: Path
    archive: Path | None = None


def zip_folder(folder: Path) -> Path:
    """Zip a model folder as `folder`.zip beside it, which unpacks to that folder."""
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name))


def timm_config(classifier: Classifier) -> dict:
    """The label names and preprocessing as timm's save_for_hf / push_to_hf_hub take them."""
    return {"model_config": {"label_names": list(classifier.labels)},
            "data_config": classifier.preprocessing.to_pretrained_cfg()}


def extras_of(classifier: Classifier, metrics: dict | None = None) -> dict:
    """What timm's files do not hold: format, pretrained model, metrics, training settings (transfer_lab.json)."""
    extras = {key: value for key, value in classifier.metadata.items() if key != "architecture" and value is not None}
    return {**extras, "format": FORMAT, "format_version": FORMAT_VERSION,
            "backbone": extras.get("backbone") or classifier.name, "metrics": metrics or extras.get("metrics") or {},
            "training": extras.get("training") or {},
            "created": extras.get("created") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def model_card(classifier: Classifier, extras: dict) -> dict:
    """The model card in the form timm's generate_readme and push_to_hf_hub take."""
    training, metrics = extras["training"], extras["metrics"]
    labels = classifier.labels
    accuracy = metrics.get("test_accuracy")
    details = {
        "Model Type": "Image classification, fine-tuned with Transfer Lab",
        "Classes": f"{len(labels)}: {', '.join(labels[:12])}{', ...' if len(labels) > 12 else ''}",
        "Pretrained model": f"{extras['backbone']} (timm, ImageNet-1k)",
        "Test accuracy": f"{accuracy:.1%} on held-out test images" if accuracy is not None else "not measured",
        "Training": ", ".join(f"{key} {training[key]}" for key in ("method", "epochs", "lr", "batch_size", "augment",
                                                                     "seed") if key in training) or "not recorded",
        "Preprocessing": recipe(classifier.preprocessing),
    }
    if training.get("dataset") in HUB_DATASETS:
        details["Dataset"] = HUB_DATASETS[training["dataset"]]
        details["Task"] = training.get("task", "")
    elif training.get("dataset"):
        details["Training data"] = f"the user's own class folders ({training['dataset']})"
    return {
        "tags": ["image-classification", "timm", "transfer-lab"],
        "description": f"A {classifier.metadata.get('architecture', extras['backbone'])} image classifier for "
                       f"{len(labels)} classes, fine-tuned from ImageNet weights with Transfer Lab.",
        "details": details,
        "usage": _USAGE,
    }


_USAGE = """```python
import timm, torch
from PIL import Image

model = timm.create_model("local-dir:MODEL_FOLDER", pretrained=True).eval()   # or "hf-hub:USER/NAME"
config = timm.data.resolve_data_config({}, model=model)
transform = timm.data.create_transform(**config)
with torch.inference_mode():
    probabilities = model(transform(Image.open("photo.jpg").convert("RGB")).unsqueeze(0)).softmax(-1)
print(model.pretrained_cfg["label_names"][probabilities.argmax()])
```

With Transfer Lab: `python -m transfer classify photo.jpg --model MODEL_FOLDER`. ONNX:
`python -m transfer export MODEL_FOLDER --onnx model.onnx` writes a file that takes the same input (a float32
batch, shape [batch, 3, size, size], made by the transform above) and gives the same logits.
"""


def recipe(pre: Preprocessing) -> str:
    """The preprocessing in words, as the model card and the ONNX export document it."""
    size = pre.input_size
    return (f"resize the shorter side to {pre.resize_size} px ({pre.interpolation}), crop the central {size}x{size}, "
            f"scale to [0, 1], normalise with mean {list(pre.mean)} and std {list(pre.std)} "
            "(timm's create_transform for this model)")


def load_finetuned(folder: str | os.PathLike) -> Classifier:
    """Load a folder written by save_finetuned (any format version), validating it; raise ModelUnavailableError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelUnavailableError("No fine-tuned model folder at '{folder}'. Use a catalog model name or a folder "
                                    "written by `python -m transfer finetune --out DIR`.", folder=folder)
    config = _read_json(folder, CONFIG_FILE)
    if config.get("format") == FORMAT:
        return _load_version_1(folder, config)
    if not (folder / EXTRAS_FILE).is_file():
        raise ModelUnavailableError("'{folder}' is not a Transfer Lab model folder: it has no {file} beside its "
                                    "{config}.", folder=folder, file=EXTRAS_FILE, config=CONFIG_FILE)
    extras = _read_json(folder, EXTRAS_FILE)
    if extras.get("format") != FORMAT or extras.get("format_version") != FORMAT_VERSION:
        raise ModelUnavailableError("'{folder}' uses format {format} version {version}; this version of Transfer Lab "
                                    "reads {expected} versions 1 and {supported}.", folder=folder,
                                    format=repr(extras.get("format")), version=extras.get("format_version"),
                                    expected=repr(FORMAT), supported=FORMAT_VERSION)
    labels = _check_labels(config.get("label_names"), folder / CONFIG_FILE, "label_names")
    architecture = _check_architecture(config.get("architecture"), folder / CONFIG_FILE)
    preprocessing = _preprocessing(_from_pretrained_cfg(config.get("pretrained_cfg")), folder / CONFIG_FILE)
    model_args = config.get("model_args", {})
    if (config.get("num_classes") != len(labels) or not isinstance(model_args, dict)
            or model_args.get("in_chans", 3) != 3 or model_args.get("num_classes", len(labels)) != len(labels)):
        raise ModelUnavailableError("{path}: 'num_classes' or 'model_args' do not fit {classes} RGB classes.",
                                    path=folder / CONFIG_FILE, classes=len(labels))
    try:  # built from the folder's config as timm builds it for `local-dir:`; the weights are loaded below, checked
        network = timm.create_model(f"local-dir:{folder}", pretrained=False, num_classes=len(labels))
    except Exception as error:  # timm's factories raise many types for arguments they do not take
        raise ModelUnavailableError("{path}: timm cannot build the model it describes ({reason}).",
                                    path=folder / CONFIG_FILE, reason=error) \
            from None
    _load_weights(network, folder, architecture, len(labels))
    metadata = {key: value for key, value in extras.items() if key not in ("format", "format_version")}
    metadata["architecture"] = architecture
    return Classifier(str(folder), network, labels, preprocessing, "finetuned", metadata)


def _load_version_1(folder: Path, config: dict) -> Classifier:
    """A folder of format version 1: labels, preprocessing and metrics in our own config.json."""
    path = folder / CONFIG_FILE
    if config.get("format_version") != 1:
        raise ModelUnavailableError("'{folder}' uses format version {version}; this version of Transfer Lab reads "
                                    "versions 1 and {supported}.", folder=folder, version=config.get("format_version"),
                                    supported=FORMAT_VERSION)
    labels = _check_labels(config.get("labels"), path, "labels")
    architecture = _check_architecture(config.get("architecture"), path)
    preprocessing = _preprocessing(config.get("preprocessing"), path)
    network = timm.create_model(architecture, pretrained=False, num_classes=len(labels))
    _load_weights(network, folder, architecture, len(labels))
    metadata = {key: config.get(key) for key in ("architecture", "backbone", "metrics", "training", "created")}
    return Classifier(str(folder), network, labels, preprocessing, "finetuned", metadata)


def _from_pretrained_cfg(pretrained_cfg) -> object:
    """timm's pretrained_cfg with a square RGB input_size [3, S, S] as S, for Preprocessing.from_dict to check."""
    shape = pretrained_cfg.get("input_size") if isinstance(pretrained_cfg, dict) else None
    if not isinstance(shape, list) or len(shape) != 3 or shape[0] != 3 or shape[1] != shape[2]:
        return {"input_size": shape}  # from_dict reports what is wrong
    return {**pretrained_cfg, "input_size": shape[2]}


def _read_json(folder: Path, name: str) -> dict:
    path = folder / name
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelUnavailableError("'{folder}' has no {file}: it is not a Transfer Lab model folder.", folder=folder,
                                    file=name) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelUnavailableError("{path} is not valid JSON ({reason}).", path=path, reason=error) from None
    if not isinstance(data, dict):
        raise ModelUnavailableError("{path} is not a JSON object: it is not a Transfer Lab model folder.", path=path)
    return data


def _check_labels(labels, path: Path, key: str) -> list[str]:
    if (not isinstance(labels, list) or not 2 <= len(labels) <= MAX_CLASSES
            or not all(isinstance(label, str) and label for label in labels)):
        raise ModelUnavailableError("{path}: '{key}' must be a list of 2 to {limit} class names.", path=path, key=key,
                                    limit=MAX_CLASSES)
    return labels


def _check_architecture(architecture, path: Path) -> str:
    if not isinstance(architecture, str) or not timm.is_model(architecture):
        raise ModelUnavailableError("{path}: unknown architecture {architecture}.", path=path,
                                    architecture=repr(architecture))
    return architecture


def _preprocessing(pre, path: Path) -> Preprocessing:
    if isinstance(pre, dict) and pre.get("crop_mode", "center") != "center":
        raise ModelUnavailableError("{path}: crop_mode {mode} is not supported (only 'center').", path=path,
                                    mode=repr(pre["crop_mode"]))
    try:
        return Preprocessing.from_dict(pre)
    except InputError as error:
        raise ModelUnavailableError("{path}: {reason}", path=path, reason=error.message) from None


def _load_weights(network, folder: Path, architecture: str, classes: int) -> None:
    """Copy model.safetensors into `network`, every tensor present and of the right shape."""
    weights_path = folder / WEIGHTS_FILE
    if not weights_path.is_file():
        raise ModelUnavailableError("'{folder}' has no {file}: the export is incomplete.", folder=folder,
                                    file=WEIGHTS_FILE)
    try:
        network.load_state_dict(load_file(str(weights_path)), strict=True)
    except (SafetensorError, RuntimeError, OSError) as error:
        raise ModelUnavailableError("The weights in '{folder}' do not fit a {architecture} with {classes} classes: "
                                    "{reason}", folder=folder, architecture=architecture, classes=classes,
                                    reason=str(error).splitlines()[0]) from None
