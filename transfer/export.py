"""Save and load fine-tuned models as a folder: model.safetensors + config.json (no pickle)."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import timm
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .classifier import Classifier, Preprocessing
from .errors import InputError, ModelUnavailableError

if TYPE_CHECKING:
    from .train import FineTuneResult

FORMAT = "transfer-lab/finetuned-classifier"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
MAX_CLASSES = 1000


def save_finetuned(classifier: Classifier, folder: str | os.PathLike, metrics: dict | None = None) -> Path:
    """Write the classifier to `folder` (created if needed) and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {key: tensor.detach().cpu().contiguous() for key, tensor in classifier.network.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_FILE))
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": classifier.metadata.get("architecture", classifier.name),
        "backbone": classifier.metadata.get("backbone", classifier.name),
        "labels": list(classifier.labels),
        "preprocessing": classifier.preprocessing.to_dict(),
        "metrics": metrics or classifier.metadata.get("metrics", {}),
        "training": classifier.metadata.get("training", {}),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    return folder


@dataclass(frozen=True)
class SavedModel:
    """Where a fine-tuning result was written: the model folder and, when asked for, a zip of it beside it."""

    folder: Path
    archive: Path | None = None


def save_result(result: FineTuneResult, folder: str | os.PathLike, archive: bool = False) -> SavedModel:
    """Save a fine-tuning result (weights, config with its test metrics) to `folder`; with `archive`, also zip
    the folder as `folder`.zip, which unpacks to that folder."""
    folder = Path(folder)
    save_finetuned(result.classifier, folder, result.metrics())
    if not archive:
        return SavedModel(folder)
    zipped = shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name)
    return SavedModel(folder, Path(zipped))


def load_finetuned(folder: str | os.PathLike) -> Classifier:
    """Load a folder written by save_finetuned, validating it; raise ModelUnavailableError otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelUnavailableError(f"No fine-tuned model folder at '{folder}'. Use a catalog model name or a folder "
                                    "written by `python -m transfer finetune --out DIR`.")
    config, preprocessing = _read_config(folder)
    weights_path = folder / WEIGHTS_FILE
    if not weights_path.is_file():
        raise ModelUnavailableError(f"'{folder}' has no {WEIGHTS_FILE}: the export is incomplete.")
    labels = config["labels"]
    network = timm.create_model(config["architecture"], pretrained=False, num_classes=len(labels))
    try:
        network.load_state_dict(load_file(str(weights_path)), strict=True)
    except (SafetensorError, RuntimeError, OSError) as error:
        raise ModelUnavailableError(
            f"The weights in '{folder}' do not fit a {config['architecture']} with {len(labels)} classes: "
            f"{str(error).splitlines()[0]}"
        ) from None
    return Classifier(
        name=str(folder),
        network=network,
        labels=labels,
        preprocessing=preprocessing,
        source="finetuned",
        metadata={key: config.get(key) for key in ("architecture", "backbone", "metrics", "training", "created")},
    )


def _read_config(folder: Path) -> tuple[dict, Preprocessing]:
    """The folder's config.json and its preprocessing, both checked; raises ModelUnavailableError otherwise."""
    path = folder / CONFIG_FILE
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelUnavailableError(f"'{folder}' has no {CONFIG_FILE}: it is not a Transfer Lab model folder.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelUnavailableError(f"{path} is not valid JSON ({error}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelUnavailableError(f"'{folder}' is not a Transfer Lab model folder (its config.json has no "
                                    f"\"format\": \"{FORMAT}\").")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelUnavailableError(f"'{folder}' uses format version {config.get('format_version')}; "
                                    f"this version of Transfer Lab reads version {FORMAT_VERSION}.")
    labels = config.get("labels")
    if (not isinstance(labels, list) or not 2 <= len(labels) <= MAX_CLASSES
            or not all(isinstance(label, str) and label for label in labels)):
        raise ModelUnavailableError(f"{path}: 'labels' must be a list of 2 to {MAX_CLASSES} class names.")
    architecture = config.get("architecture")
    if not isinstance(architecture, str) or not timm.is_model(architecture):
        raise ModelUnavailableError(f"{path}: unknown architecture {architecture!r}.")
    try:
        preprocessing = Preprocessing.from_dict(config.get("preprocessing"))
    except InputError as error:
        raise ModelUnavailableError(f"{path}: {error}") from None
    return config, preprocessing
